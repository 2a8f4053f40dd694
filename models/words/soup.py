"""Average the weights of fine-tuned runs that share their start ("model soup"), then quantise.

Runs of train.py with the same `--seed` (same head initialisation) but a different
`--data-seed` (augmentation and batch order) end in the same basin, so their weights can be
averaged: one model, the cost of one model at run time. Runs with different `--seed` do not soup
(tried: worse than either run, see MODEL_CARD.md). A soup of three such runs was tried in
session 4, and a soup of the shipped run with two seed-13 CPU runs in session 5; neither
was shipped (they fail the calm-customer checks; MODEL_CARD.md):

    python -m models.words.soup OUT_DIR RUN_DIR RUN_DIR [...]

Each RUN_DIR is a train.py `--out` folder written with `--keep-fp32`, or a folder with only the
int8 `model.onnx` (the shipped `models/words` itself, for one): its weights are dequantised into
the float graph of the first run that has one, matched by name. Every float initializer and
every float Constant of their `model_fp32.onnx` is averaged (this includes the temperature baked
into the graph, which the combiner refits anyway); the graphs must come from the same export code.
The soup is then quantised like a single run: int8 weights, per channel, embeddings included.
OUT_DIR gets `model.onnx`, `config.json` (the first run's, with the mean temperature and no
combiner), `metrics.json` (each run's metrics under "ingredients") and `train_log.txt` (the runs'
logs); then run stack.py for the combiner and thresholds. Needs onnx and onnxruntime
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


def soup(models: list[onnx.ModelProto], names: list[str]) -> onnx.ModelProto:
    """The first model, its float weights replaced by the mean over `models` (named by `names`
    in errors)."""
    tensors = [_float_tensors(m) for m in models]
    for other, name in zip(tensors[1:], names[1:], strict=True):
        if set(other) != set(tensors[0]):
            raise SystemExit(f"{name} does not have the same weights as {names[0]}")
    for name, target in tensors[0].items():
        arrays = [numpy_helper.to_array(t[name]).astype(np.float64) for t in tensors]
        if any(a.shape != arrays[0].shape for a in arrays):
            raise SystemExit(f"{name}: shapes differ between runs")
        target.CopyFrom(
            numpy_helper.from_array(np.mean(arrays, axis=0).astype(np.float32), target.name)
        )
    return models[0]


def dequantised(int8: onnx.ModelProto, template: onnx.ModelProto) -> onnx.ModelProto:
    """The float `template` graph carrying the weights of `int8`, a quantize_dynamic graph of the
    same export: `X_quantized`, `X_scale` and `X_zero_point` become X again (per-tensor, or per
    output column as quantize_dynamic writes MatMul weights), float initializers and Constants
    are copied as they are."""
    ints = {t.name: numpy_helper.to_array(t) for t in int8.graph.initializer}
    ints.update(
        {n: numpy_helper.to_array(t) for n, t in _float_tensors(int8).items() if n not in ints}
    )
    model = onnx.ModelProto()
    model.CopyFrom(template)
    for name, target in _float_tensors(model).items():
        value = _weight(ints, name)
        if value.ndim == 2 and value.T.shape == tuple(target.dims) != value.shape:
            value = value.T  # a transposed Gemm weight under its own name (older onnxruntime)
        if value.shape != tuple(target.dims):
            raise SystemExit(f"{name}: shape {value.shape} in the int8 graph, {target.dims} here")
        target.CopyFrom(numpy_helper.from_array(value.astype(np.float32), target.name))
    return model


def _weight(ints: dict[str, np.ndarray], name: str) -> np.ndarray:
    if name in ints:
        return ints[name].astype(np.float64)
    for stored in (name, f"{name}_Transposed"):
        if f"{stored}_quantized" in ints:
            q = ints[f"{stored}_quantized"].astype(np.float64)
            scale = ints[f"{stored}_scale"].astype(np.float64)
            zero = ints[f"{stored}_zero_point"].astype(np.float64)
            value = (q - zero) * scale  # a 1-D scale broadcasts over the last (output) axis
            # a Gemm weight (transB=1) that quantize_dynamic stored transposed for MatMulInteger
            return value.T if stored != name else value
    raise SystemExit(f"{name} is not in the int8 graph: not the same export")


def _float_models(runs: list[Path]) -> list[onnx.ModelProto]:
    """Each run's float graph; int8-only runs dequantised into the first float graph."""
    floats = [run / "model_fp32.onnx" for run in runs]
    first = next((g for g in floats if g.is_file()), None)
    if first is None:
        raise SystemExit("no run has a model_fp32.onnx: train one with --keep-fp32")
    template = onnx.load(str(first))
    models = []
    for run, graph in zip(runs, floats, strict=True):
        if graph.is_file():
            models.append(onnx.load(str(graph)))
        elif (run / "model.onnx").is_file():
            models.append(dequantised(onnx.load(str(run / "model.onnx")), template))
        else:
            raise SystemExit(f"{run} has neither model_fp32.onnx nor model.onnx")
    return models


def write_folder(out: Path, runs: list[Path]) -> None:
    """The soup's model.onnx, config.json, metrics.json and train_log.txt in `out`."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "soup_fp32.onnx"
        onnx.save(soup(_float_models(runs), [str(run) for run in runs]), str(fp32))
        quantize_dynamic(
            str(fp32), str(out / "model.onnx"), weight_type=QuantType.QInt8, per_channel=True
        )
    configs = [json.loads((run / "config.json").read_text()) for run in runs]
    config = dict(configs[0])
    # a shipped folder's combiner belongs to its own graph: stack.py fits the soup's
    config.pop("combiner", None)
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
