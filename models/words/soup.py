"""Average the weights of fine-tuned runs that share their start ("model soup"), then quantise.

Runs of train.py with the same `--seed` (same head initialisation) but a different
`--data-seed` (augmentation and batch order) end in the same basin, so their weights can be
averaged: one model, the cost of one model at run time. Runs with different `--seed` do not soup
(tried: worse than either run, see MODEL_CARD.md).

    python models/words/soup.py OUT.onnx RUN_A_fp32.onnx RUN_B_fp32.onnx [...]

Every float initializer and every float Constant is averaged (this includes the temperature
baked into the graph, which the combiner refits anyway); the graphs must come from the same
export code. The soup is then quantised like the shipped model: int8 weights, per channel,
embeddings included. Needs onnx and onnxruntime (requirements-train.txt).
"""

from __future__ import annotations

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


def main() -> None:
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    out, paths = Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]]
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "soup_fp32.onnx"
        onnx.save(soup(paths), str(fp32))
        quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True)
    print(f"{out}: soup of {len(paths)} runs, int8 per channel")


if __name__ == "__main__":
    main()
