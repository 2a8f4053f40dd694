"""Pieces shared by train.py, baselines.py and export.py: logging, metrics, tokenizing, encoder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import precision_recall_curve, roc_auc_score
from tokenizers import Tokenizer
from torch import nn
from transformers import AutoModel

from app.scoring.words import pad_batch

LOG: list[str] = []


def log(msg: str) -> None:
    print(msg, flush=True)
    LOG.append(msg)


def load_encoder(path: Path) -> nn.Module:
    encoder = AutoModel.from_pretrained(str(path), attn_implementation="eager")
    return encoder.float()


def make_tokenizer(path: Path, max_len: int) -> Tokenizer:
    tok = Tokenizer.from_file(str(path / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=max_len)
    return tok


def batches(tok: Tokenizer, texts: list[str], size: int, order: list[int]):
    """Yield (indices, ids, mask) tensors padded to the longest text of each batch."""
    for start in range(0, len(order), size):
        idx = order[start : start + size]
        ids, mask = pad_batch(tok.encode_batch([texts[i] for i in idx]))
        yield idx, torch.from_numpy(ids), torch.from_numpy(mask)


def autocast(device: str):
    """bf16 on a GPU (twice as fast); plain fp32 on the CPU."""
    return torch.autocast("cuda", dtype=torch.bfloat16, enabled=device == "cuda")


@torch.no_grad()
def predict_logits(net: nn.Module, tok: Tokenizer, texts: list[str], device: str) -> np.ndarray:
    net.eval()
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros(len(texts), dtype=np.float64)
    for idx, ids, mask in batches(tok, texts, 256, order):
        with autocast(device):
            logits = net(ids.to(device), mask.to(device))[:, 0]
        out[idx] = logits.float().cpu().numpy()
    return out


def best_f1(y: np.ndarray, score: np.ndarray) -> tuple[float, float]:
    prec, rec, thr = precision_recall_curve(y, score)
    f1 = 2 * prec * rec / np.maximum(prec + rec, 1e-12)
    k = int(np.argmax(f1[:-1]))
    return float(f1[k]), float(thr[k])


def report(name: str, y: np.ndarray, score: np.ndarray) -> dict:
    auc = float(roc_auc_score(y, score))
    f1, _ = best_f1(y, score)
    log(f"  {name:<40} AUC {auc:.4f}  best-F1 {f1:.4f}")
    return {"auc": round(auc, 4), "best_f1": round(f1, 4)}
