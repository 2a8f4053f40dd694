"""Average the weights of fine-tuned runs that share their start ("model soup"), then quantise.

Runs of train.py with the same `--seed` (same head initialisation) but a different
`--data-seed` (augmentation and batch order) end in the same basin, so their weights can be
averaged: one model, the cost of one model at run time. Runs with different `--seed` do not soup
(tried: worse than either run, see MODEL_CARD.md). A soup of three such runs was tried in
session 4 and not shipped (it fails the calm-customer checks; MODEL_CARD.md):

    python models/words/soup.py OUT_DIR RUN_DIR RUN_DIR [...]

Each RUN_DIR is a train.py `--out` folder written with `--keep-fp32`. Every float initializer and
every float Constant of their `model_fp32.onnx` is averaged (this includes the temperature baked
into the graph, which the combiner refits anyway); the graphs must come from the same export code.
The soup is then quantised like a single run: int8 weights, per channel, embeddings included.
OUT_DIR gets `model.onnx`, `config.json` (the first run's, with the mean temperature),
`metrics.json` (each run's metrics under "ingredients") and `train_log.txt` (the runs' logs);
then run stack.py for the combiner and thresholds. Needs onnx and onnxruntime
(requirements-train.txt).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper


def _float_tensors(model: onnx.ModelProto) -> dict[str, onnx.TensorProto]:
    found = {t.name: t for t in model.graph.initializer if t.data_type == onnx.TensorProto.FLOAT}
    for node in model.graph.node:
        if node.op_type == "Constant":
            for attr in node.attribute:
                if attr.name == "value" and attr.t.data_type == onnx.TensorProto.FLOAT:
                    found[f"const:{node.output[0]}"] = attr.t
    return found


def soup(paths: list[Path]) -> onnx.ModelProto:
    models = [onnx.load(str(p)) for p in paths]
    tensors = [_float_tensors(m) for m in models]
    names = set(tensors[0])
    for other, path in zip(tensors[1:], paths[1:], strict=True):
        if set(other) != names:
            raise SystemExit(f"{path} does not have the same weights as {paths[0]}")
    for name, target in tensors[0].items():
        arrays = [numpy_helper.to_array(t[name]).astype(np.float64) for t in tensors]
        if any(a.shape != arrays[0].shape for a in arrays):
            raise SystemExit(f"{name}: shapes differ between runs")
        target.CopyFrom(
            numpy_helper.from_array(np.mean(arrays, axis=0).astype(np.float32), target.name)
        )
    return models[0]


def write_folder(out: Path, runs: list[Path]) -> None:
    """The soup's model.onnx, config.json, metrics.json and train_log.txt in `out`."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graphs = [run / "model_fp32.onnx" for run in runs]
    for g in graphs:
        if not g.is_file():
            raise SystemExit(f"{g} is missing: train that run with --keep-fp32")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "soup_fp32.onnx"
        onnx.save(soup(graphs), str(fp32))
        quantize_dynamic(
            str(fp32), str(out / "model.onnx"), weight_type=QuantType.QInt8, per_channel=True
        )
    configs = [json.loads((run / "config.json").read_text()) for run in runs]
    config = dict(configs[0])
    config["temperature"] = round(float(np.mean([c["temperature"] for c in configs])), 4)
    config["encoder"] = (
        f"sentence-transformers/all-MiniLM-L6-v2, fine-tuned; weight average of {len(runs)} runs"
    )
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    ingredients = {run.name: json.loads((run / "metrics.json").read_text()) for run in runs}
    metrics = {
        "soup": {"runs": [run.name for run in runs], "variant": "int8 per channel"},
        "ingredients": ingredients,
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    logs = [f"== run {run.name}\n" + (run / "train_log.txt").read_text() for run in runs]
    (out / "train_log.txt").write_text("\n".join(logs))
    print(f"{out}: soup of {len(runs)} runs, int8 per channel; now run stack.py")


def main() -> None:
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    write_folder(Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]])


if __name__ == "__main__":
    main()
