"""The log-mel model: tiny dilated 1-D CNNs over speaker-normalised log-mel frames (torch, CPU).

Input: `ToneFeatures.logmel` (40 mel bands 300–3400 Hz, 32 ms window, 10 ms hop, active span) minus
the speaker baseline's mean log-mel spectrum (`LOGMEL_NAMES`), divided by 10 dB. Each network: three
dilated convolutions (32 channels, kernel 5, dilation 1/2/4: 290 ms receptive field), mean and
standard deviation pooled over time, one linear layer to the five emotions; the tone score is
P(angry). About 17 k parameters (70 kB) per network. A seed ensemble (several such networks trained
alike from different seeds, logits averaged before the softmax, exported as one wide network with
grouped convolutions) is supported; train.CNN_MEMBERS says how many are shipped. Used by train.py
and benchmarks/tone_accuracy.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

EPOCHS = 60
BATCH = 32
CROP = 250  # frames per training example (2.5 s), random position
LEVEL_JITTER_DB = 1.5  # random offset between clip and baseline, for robustness to gain drift
SCALE_DB = 10.0
WARP_BANDS = 1.0  # optional speed/pitch perturbation: spectrum shift of up to ±1 mel band (~±5 %)
WARP_TIME = 0.05  # and time stretch of up to ±5 %
SEED_STRIDE = 100  # ensemble member j of a run with seed s trains with seed s + SEED_STRIDE * j


class LogMelCNN(nn.Module):
    def __init__(self, n_mel: int = 40, ch: int = 32, n_classes: int = 5) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c_in = n_mel
        for d in (1, 2, 4):
            layers += [
                nn.Conv1d(c_in, ch, 5, padding=2 * d, dilation=d),
                nn.BatchNorm1d(ch),
                nn.ReLU(),
            ]
            c_in = ch
        self.body = nn.Sequential(*layers)
        self.drop = nn.Dropout(0.3)
        self.head = nn.Linear(2 * ch, n_classes)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """x (batch, frames, n_mel), mask (batch, frames): 1 for real frames, 0 for padding."""
        h = self.body(x.transpose(1, 2))
        m = mask[:, None, :]
        n = m.sum(2).clamp(min=1.0)
        mu = (h * m).sum(2) / n
        sd = (((h - mu[:, :, None]) ** 2 * m).sum(2) / n + 1e-5).sqrt()
        return self.head(self.drop(torch.cat([mu, sd], 1)))


class SeedEnsemble(nn.Module):
    """Networks trained from different seeds; their logits are averaged (one model to score)."""

    def __init__(self, members: Sequence[LogMelCNN]) -> None:
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return torch.stack([m(x, mask) for m in self.members]).mean(0)


class FusedEnsemble(nn.Module):
    """The seed ensemble as one wide network with the same output (eval mode): the members' first
    convolutions side by side, the later ones as grouped convolutions, the heads averaged. Four
    members run about as fast as one 4x wider CNN instead of four separate graphs."""

    def __init__(self, members: Sequence[LogMelCNN]) -> None:
        super().__init__()
        n = len(members)
        convs = [[m for m in net.body if isinstance(m, nn.Conv1d)] for net in members]
        norms = [[m for m in net.body if isinstance(m, nn.BatchNorm1d)] for net in members]
        ch = convs[0][0].out_channels
        layers: list[nn.Module] = []
        for li, first in enumerate(convs[0]):
            conv = nn.Conv1d(
                first.in_channels * (1 if li == 0 else n),
                ch * n,
                first.kernel_size[0],
                padding=first.padding[0],
                dilation=first.dilation[0],
                groups=1 if li == 0 else n,
            )
            bn = nn.BatchNorm1d(ch * n)
            with torch.no_grad():
                conv.weight.copy_(torch.cat([c[li].weight for c in convs]))
                assert conv.bias is not None
                conv.bias.copy_(torch.cat([c[li].bias for c in convs]))  # type: ignore[misc]
                for name in ("weight", "bias", "running_mean", "running_var"):
                    getattr(bn, name).copy_(torch.cat([getattr(b[li], name) for b in norms]))
            bn.eps = norms[0][li].eps
            layers += [conv, bn, nn.ReLU()]
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(2 * ch * n, members[0].head.out_features)
        with torch.no_grad():
            w = [net.head.weight / n for net in members]
            self.head.weight.copy_(torch.cat([x[:, :ch] for x in w] + [x[:, ch:] for x in w], 1))
            self.head.bias.copy_(torch.stack([net.head.bias for net in members]).mean(0))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.body(x.transpose(1, 2))
        m = mask[:, None, :]
        k = m.sum(2).clamp(min=1.0)
        mu = (h * m).sum(2) / k
        sd = (((h - mu[:, :, None]) ** 2 * m).sum(2) / k + 1e-5).sqrt()
        return self.head(torch.cat([mu, sd], 1))


class _Single(nn.Module):
    """One unpadded utterance: the mask is all ones; softmax probabilities out."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.inner(x, torch.ones_like(x[:, :, 0])), 1)


def _warp(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Speed/pitch perturbation on log-mel frames: shift along the mel axis, stretch in time."""
    n_mel = x.shape[1]
    bands = np.arange(n_mel)
    idx = np.clip(bands + rng.uniform(-WARP_BANDS, WARP_BANDS), 0, n_mel - 1)
    x = np.stack([np.interp(idx, bands, row) for row in x])
    n = max(2, round(x.shape[0] / rng.uniform(1 - WARP_TIME, 1 + WARP_TIME)))
    t = np.linspace(0, x.shape[0] - 1, n)
    lo = np.floor(t).astype(int)
    hi = np.minimum(lo + 1, x.shape[0] - 1)
    w = (t - lo)[:, None]
    return ((1 - w) * x[lo] + w * x[hi]).astype(np.float32)


def _batch(
    items: list[np.ndarray], rng: np.random.Generator | None, warp: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    xs = []
    for x in items:
        if rng is not None:
            if x.shape[0] > CROP:
                o = int(rng.integers(0, x.shape[0] - CROP + 1))
                x = x[o : o + CROP]
            x = x + rng.normal(0.0, LEVEL_JITTER_DB)
            if warp:
                x = _warp(x, rng)
        xs.append(x / SCALE_DB)
    t = max(x.shape[0] for x in xs)
    xb = np.zeros((len(xs), t, xs[0].shape[1]), np.float32)
    mb = np.zeros((len(xs), t), np.float32)
    for k, x in enumerate(xs):
        xb[k, : len(x)] = x
        mb[k, : len(x)] = 1.0
    return torch.from_numpy(xb), torch.from_numpy(mb)


def fit(
    inputs: list[list[np.ndarray]],
    y: np.ndarray,
    seed: int = 0,
    epochs: int = EPOCHS,
    warp: bool = False,
) -> LogMelCNN:
    """Train on `inputs[condition][clip]` (baseline-relative log-mel); one random condition per
    clip and epoch; `warp` adds speed/pitch perturbation (not shipped: MODEL_CARD.md).
    Deterministic for a given seed (one CPU thread)."""
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = LogMelCNN()
    steps = epochs * int(np.ceil(len(y) / BATCH))
    opt = torch.optim.AdamW(net.parameters(), 3e-3, weight_decay=1e-2)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 3e-3, total_steps=steps)
    counts = np.bincount(y, minlength=5).astype(np.float64)
    weight = torch.tensor(counts.max() / np.maximum(counts, 1), dtype=torch.float32)
    loss_fn = nn.CrossEntropyLoss(weight=weight)
    yt = torch.from_numpy(y.astype(np.int64))
    for _ in range(epochs):
        net.train()
        perm = rng.permutation(len(y))
        cond = rng.integers(len(inputs), size=len(y))
        for b in range(0, len(perm), BATCH):
            idx = perm[b : b + BATCH]
            xb, mb = _batch([inputs[cond[i]][i] for i in idx], rng, warp)
            loss = loss_fn(net(xb, mb), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    return net.eval()


def fit_ensemble(
    inputs: list[list[np.ndarray]],
    y: np.ndarray,
    seed: int = 0,
    members: int = 1,
    warp: bool = False,
) -> list[LogMelCNN]:
    """`members` networks, seeds seed, seed + SEED_STRIDE, ... (member 0 is `fit(..., seed)`)."""
    return [fit(inputs, y, seed + SEED_STRIDE * j, warp=warp) for j in range(members)]


def angry_proba(
    nets: Sequence[LogMelCNN], items: list[np.ndarray], angry_index: int = 4
) -> np.ndarray:
    """P(angry) of the seed ensemble `nets` (logits averaged, as in the exported graph)."""
    model = SeedEnsemble(nets).eval()
    out = []
    with torch.no_grad():
        for b in range(0, len(items), 64):
            xb, mb = _batch(items[b : b + 64], None)
            out.append(torch.softmax(model(xb, mb), 1)[:, angry_index].numpy())
    return np.concatenate(out) if out else np.zeros(0)


def export_onnx(nets: Sequence[LogMelCNN], path: Path, n_mel: int = 40) -> None:
    """ONNX graph of the seed ensemble: input `logmel` (1, T, n_mel), baseline-relative and
    already / SCALE_DB; output `probabilities` (1, 5). The mask is all ones at run time. One
    network is exported as it is (the same graph as before ensembles existed)."""
    inner = nets[0].eval() if len(nets) == 1 else FusedEnsemble(nets).eval()
    torch.onnx.export(
        _Single(inner),
        (torch.zeros(1, 100, n_mel),),
        str(path),
        input_names=["logmel"],
        output_names=["probabilities"],
        dynamic_axes={"logmel": {1: "frames"}},
        opset_version=17,
        dynamo=False,
    )
