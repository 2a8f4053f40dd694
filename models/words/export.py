"""Export the fine-tuned net to ONNX (calibrated probability inside the graph), score with it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer
from torch import nn

from models.words.train_common import batches


class ExportedNet(nn.Module):
    """What ships: calibrated frustration probability plus the 28 emotion probabilities.

    `net` is train.FrustrationNet: logits [batch, 1 + 28], output 0 being frustration.
    """

    def __init__(self, net: nn.Module, temperature: float) -> None:
        super().__init__()
        self.net = net
        self.temperature = temperature

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
        logits = self.net(input_ids, attention_mask)
        return torch.sigmoid(logits[:, 0] / self.temperature), torch.sigmoid(logits[:, 1:])


def export_onnx(net: nn.Module, temperature: float, path: Path) -> None:
    wrapped = ExportedNet(net.cpu().eval(), temperature).eval()
    ids = torch.tensor([[101, 7592, 2088, 102]], dtype=torch.int64)
    mask = torch.ones_like(ids)
    kwargs = dict(
        input_names=["input_ids", "attention_mask"],
        output_names=["frustration", "emotions"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "seq"},
            "attention_mask": {0: "batch", 1: "seq"},
            "frustration": {0: "batch"},
            "emotions": {0: "batch"},
        },
        opset_version=17,
    )
    try:
        torch.onnx.export(wrapped, (ids, mask), str(path), dynamo=False, **kwargs)
    except TypeError:
        torch.onnx.export(wrapped, (ids, mask), str(path), **kwargs)


def onnx_outputs(path: Path, tok: Tokenizer, texts: list[str], threads: int = 0) -> np.ndarray:
    """The graph's 29 probabilities per text, [n, 29]: frustration, then the 28 emotions."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads  # 0: onnxruntime's default
    opts.log_severity_level = 3
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), 29))
    for idx, ids, mask in batches(tok, texts, 128, order):
        frus, emo = sess.run(
            ["frustration", "emotions"], {"input_ids": ids.numpy(), "attention_mask": mask.numpy()}
        )
        out[idx] = np.concatenate([frus[:, None], emo], axis=1)
    return out


def onnx_scores(path: Path, tok: Tokenizer, texts: list[str]) -> np.ndarray:
    return onnx_outputs(path, tok, texts)[:, 0]


def split_file(path: Path, size: int) -> None:
    """Cut a file into `name.partN` pieces (the GPU box hands back files of 16 MiB at most)."""
    blob = path.read_bytes()
    for n, start in enumerate(range(0, len(blob), size)):
        (path.parent / f"{path.name}.part{n}").write_bytes(blob[start : start + size])
    path.unlink()
