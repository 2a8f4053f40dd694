"""Fine-tune only the top transformer layer of the shipped words model, multi-task, on CPU.

The shipped run's float weights are gone; its int8 graph dequantises exactly (soup.py, session
5), so the start is the shipped model itself: `shipped_weights` reads every weight of
models/words/model.onnx back into a transformers BertModel + head, named by the graph's own node
names. Layers 0-4 stay frozen and their output comes from layer_cache.py (one pass of the
shipped int8 graph over the texts); layer 5, the GoEmotions head (initialised from the shipped
one) and one new head per conversational set (multitask_data.py) are trained.

The app needs one score per utterance. Candidates, all chosen on dev (test is read once, by
benchmarks/words_accuracy.py, after the choice):
- `ge`: the GoEmotions frustration output of the tuned top;
- `ge+sets:t`: that logit + t x the mean of the six set heads' logits.
Each is Platt-scaled on GoEmotions dev (clean + ASR-style) later. Ship rule (written before test
was read): AUC above the shipped score on every dev split, then the behaviour tests unchanged.

    python -m models.words.top_layer --cache /tmp/words_cache --out out/top [--epochs 1]
        [--lr 3e-5] [--threads 2] [--write DIR --score ge+sets:0.5]

Needs torch and transformers (requirements-train.txt).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from sklearn.metrics import roc_auc_score
from torch import nn
from transformers import BertConfig, BertModel

from app.scoring.words import logit
from models.words.convo_data import TRAIN_SETS
from models.words.multitask_data import N_GE, N_OUT
from models.words.train import mean_pooled

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TOP = 5  # the layer that is trained; 0-4 are cached
DEV_SPLITS = ("goemotions", "goemotions_asr", *TRAIN_SETS)

MINILM = BertConfig(
    vocab_size=30522,
    hidden_size=384,
    num_hidden_layers=6,
    num_attention_heads=12,
    intermediate_size=1536,
    hidden_act="gelu",
    max_position_embeddings=512,
    type_vocab_size=2,
    layer_norm_eps=1e-12,
    attn_implementation="eager",
)


def shipped_weights(model: Path) -> dict[str, np.ndarray]:
    """BertModel state-dict keys (plus head.weight / head.bias) -> float weights of the int8
    graph: MatMulInteger weights dequantised per output channel, embeddings per tensor."""
    m = onnx.load(str(model))
    init = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}

    def deq(base: str) -> np.ndarray:
        q = init[f"{base}_quantized"].astype(np.float64)
        zero = init[f"{base}_zero_point"].astype(np.float64)
        return (q - zero) * init[f"{base}_scale"].astype(np.float64)

    out: dict[str, np.ndarray] = {}
    for name, value in init.items():
        if value.dtype == np.float32 and name.startswith("net."):
            key = name.removeprefix("net.").removeprefix("encoder.")
            out[key] = value
        elif name.startswith("net.encoder.embeddings.") and name.endswith("_quantized"):
            base = name.removesuffix("_quantized")
            out[base.removeprefix("net.encoder.")] = deq(base)
    for node in m.graph.node:
        if node.op_type != "MatMulInteger":
            continue
        base = node.input[1].removesuffix("_quantized")
        path = node.output[0].removeprefix("/net/").split("/MatMul")[0].split("/Gemm")[0]
        key = path.replace("/", ".").removeprefix("encoder.") + ".weight"
        weight = deq(base)
        out[key] = weight.T  # MatMul [in, out] -> Linear [out, in]
    return {k: v.astype(np.float32) for k, v in out.items()}


def shipped_encoder(model: Path) -> tuple[BertModel, nn.Linear]:
    weights = shipped_weights(model)
    if "head.weight" not in weights or "head.bias" not in weights:
        raise SystemExit(
            f"{model}: no single 29-output head in this graph (the stop-31 multi-task export mixes "
            "set heads into it); start from the session-1 graph instead: git show "
            "efe0fdd:models/words/model.onnx > start.onnx, then --start start.onnx"
        )
    encoder = BertModel(MINILM, add_pooling_layer=False)
    state = encoder.state_dict()
    missing = [k for k in state if k not in weights and not k.endswith("position_ids")]
    if missing:
        raise SystemExit(f"{model}: no weights for {missing[:5]}")
    encoder.load_state_dict(
        {k: torch.from_numpy(weights[k]) for k in state if k in weights}, strict=False
    )
    head = nn.Linear(384, N_GE)
    head.weight.data = torch.from_numpy(weights["head.weight"])
    head.bias.data = torch.from_numpy(weights["head.bias"])
    return encoder.eval(), head


def set_heads(n_sets: int) -> nn.Linear:
    """One logit per conversational set, starting at zero (the mix starts as the shipped score)."""
    sets = nn.Linear(384, n_sets)
    nn.init.zeros_(sets.weight)
    nn.init.zeros_(sets.bias)
    return sets


def bucketed(lengths: np.ndarray, size: int, rng: random.Random | None) -> list[np.ndarray]:
    """Length-bucketed batches of row indices (shuffled when `rng` is given)."""
    order = list(range(len(lengths)))
    if rng is None:
        order.sort(key=lambda i: lengths[i])
        return [np.array(order[s : s + size]) for s in range(0, len(order), size)]
    rng.shuffle(order)
    out = []
    for s in range(0, len(order), size * 50):
        chunk = sorted(order[s : s + size * 50], key=lambda i: lengths[i])
        out += [np.array(chunk[k : k + size]) for k in range(0, len(chunk), size)]
    rng.shuffle(out)
    return out


class TopNet(nn.Module):
    """The trained part: one transformer layer, mean pooling, the GoEmotions head (29) and one
    logit per conversational set."""

    def __init__(self, layer: nn.Module, head: nn.Linear, n_sets: int) -> None:
        super().__init__()
        self.layer = layer
        self.head = head
        self.sets = set_heads(n_sets)
        self.dropout = nn.Dropout(0.1)

    def pooled(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        additive = (1.0 - mask[:, None, None, :].to(hidden.dtype)) * torch.finfo(hidden.dtype).min
        out = self.layer(hidden, attention_mask=additive)
        out = out[0] if isinstance(out, tuple) else out
        m = mask.unsqueeze(-1).to(out.dtype)
        return (out * m).sum(1) / m.sum(1).clamp(min=1e-6)

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        p = self.dropout(self.pooled(hidden, mask))
        return torch.cat([self.head(p), self.sets(p)], dim=1)


class Cache:
    def __init__(self, folder: Path, tag: str) -> None:
        self.hidden = np.load(folder / f"{tag}_hidden.npy", mmap_mode="r")
        z = np.load(folder / f"{tag}.npz")
        self.arr = {k: z[k] for k in z.files}
        self.offsets, self.lengths = self.arr["offsets"], self.arr["lengths"]
        self.n = len(self.lengths)

    def batch(self, idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        width = int(self.lengths[idx].max())
        h = np.zeros((len(idx), width, 384), dtype=np.float32)
        mask = np.zeros((len(idx), width), dtype=np.float32)
        for row, i in enumerate(idx):
            n = self.lengths[i]
            h[row, :n] = self.hidden[self.offsets[i] : self.offsets[i] + n]
            mask[row, :n] = 1.0
        return torch.from_numpy(h), torch.from_numpy(mask)

    def batches(self, size: int, rng: random.Random | None) -> list[np.ndarray]:
        """Length-bucketed batches (shuffled when `rng` is given)."""
        return bucketed(self.lengths, size, rng)


@torch.no_grad()
def predict(net: TopNet, cache: Cache, rows: int | None = None) -> np.ndarray:
    """Logits [n, 35] for the cache's rows (the first `rows` of them in length order)."""
    net.eval()
    out = np.full((cache.n, N_OUT), np.nan)
    for idx in cache.batches(128, None)[: None if rows is None else rows // 128]:
        h, m = cache.batch(idx)
        out[idx] = net(h, m).numpy()
    return out


def shipped_dev_logit(cache: Cache) -> np.ndarray:
    """The shipped score's logit (config.json combiner) from the cached graph outputs."""
    config = json.loads((HERE / "config.json").read_text())
    spec = config["combiner"]
    names = list(config["outputs"]["emotions"])
    cols = [names.index(n) for n in spec["labels"]]
    z = spec["w_frustration_logit"] * logit(cache.arr["frustration"]) + spec["bias"]
    lse = np.logaddexp.reduce(logit(cache.arr["emotions"])[:, cols], axis=1)
    return z + spec["w_logsumexp_label_logits"] * lse


def candidate_scores(logits: np.ndarray) -> dict[str, np.ndarray]:
    ge = logits[:, 0]
    sets = logits[:, N_GE:].mean(axis=1)
    out = {"ge": ge}
    for t in (0.25, 0.5, 1.0, 2.0):
        out[f"ge+sets:{t}"] = ge + t * sets
    return out


def split_aucs(groups: np.ndarray, targets: np.ndarray, score: np.ndarray) -> dict[str, float]:
    """ROC AUC of `score` per dev split, each against its own target column."""
    aucs = {}
    for g in DEV_SPLITS:
        rows = groups == g
        col = 0 if g.startswith("goemotions") else N_GE + TRAIN_SETS.index(g)
        aucs[g] = float(roc_auc_score(targets[rows, col], score[rows]))
    return aucs


def dev_aucs(cache: Cache, score: np.ndarray) -> dict[str, float]:
    return split_aucs(cache.arr["groups"], cache.arr["targets"], score)


def report_candidates(
    scores: dict[str, np.ndarray],
    groups: np.ndarray,
    targets: np.ndarray,
    shipped: dict[str, float],
    log: Callable[[str], None],
) -> dict[str, dict]:
    """Each candidate score's dev AUC per split and its change against the shipped score,
    logged one line per candidate."""
    results = {}
    for name, score in scores.items():
        aucs = split_aucs(groups, targets, score)
        delta = {g: aucs[g] - shipped[g] for g in DEV_SPLITS}
        results[name] = {"auc": aucs, "min_delta": min(delta.values())}
        cells = " ".join(f"{g[:8]} {aucs[g]:.4f} ({delta[g]:+.4f})" for g in DEV_SPLITS)
        log(
            f"  {name:<12} mean {np.mean(list(aucs.values())):.4f} min-delta "
            f"{min(delta.values()):+.4f} | {cells}"
        )
    return results


def evaluate(net: TopNet, dev: Cache, shipped: dict[str, float], log) -> dict[str, dict]:
    scores = candidate_scores(predict(net, dev))
    return report_candidates(scores, dev.arr["groups"], dev.arr["targets"], shipped, log)


def start_run(args) -> tuple[random.Random, Callable[[str], None]]:
    """Seeds, threads, the output folder, and a logger that prints and keeps
    `args.out/train_log.txt` up to date."""
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []

    def log(msg: str) -> None:
        print(msg, flush=True)
        lines.append(msg)
        (args.out / "train_log.txt").write_text("\n".join(lines) + "\n")

    return random.Random(args.seed), log


def optimiser(groups: list[dict], steps: int):
    """AdamW (weight decay 0.01) with 6 % linear warm-up, then linear decay to 0 at `steps`."""
    opt = torch.optim.AdamW(groups, weight_decay=0.01)
    warm = max(1, int(0.06 * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / (steps - warm)))
    )
    return opt, sched


def train(args) -> None:
    rng, log = start_run(args)

    encoder, head = shipped_encoder(HERE / "model.onnx")
    net = TopNet(encoder.encoder.layer[TOP], head, len(TRAIN_SETS))
    train_c, dev = Cache(args.cache, "train"), Cache(args.cache, "dev")
    # the start must reproduce the shipped graph: same outputs from the cached lower layers
    start = predict(net, dev, rows=1024)[:, 0]
    done = np.isfinite(start)
    gap = np.abs(start[done] / 1.15 - logit(dev.arr["frustration"][done]))
    log(
        f"start vs shipped int8 graph, frustration logit: |diff| mean {gap.mean():.4f} "
        f"p99 {np.quantile(gap, 0.99):.4f}"
    )
    shipped = dev_aucs(dev, shipped_dev_logit(dev))
    log("shipped score on dev: " + " ".join(f"{g} {v:.4f}" for g, v in shipped.items()))
    targets = torch.from_numpy(train_c.arr["targets"])
    masks = torch.from_numpy(train_c.arr["masks"])
    weights = torch.from_numpy(train_c.arr["weights"])
    if args.part == "ffn":  # attention frozen: no backward through it at all
        for param in net.layer.attention.parameters():
            param.requires_grad_(False)
    tuned = [q for q in net.layer.parameters() if q.requires_grad]
    groups = [
        {"params": tuned + list(net.head.parameters()), "lr": args.lr},
        {"params": list(net.sets.parameters()), "lr": args.head_lr},
    ]
    per_epoch = math.ceil(min(train_c.n, args.max_rows or train_c.n) / args.batch)
    opt, sched = optimiser(groups, per_epoch * args.epochs)
    bce = nn.BCEWithLogitsLoss(reduction="none")
    step, t0 = 0, time.time()
    history = {}
    for epoch in range(1, args.epochs + 1):
        batches = train_c.batches(args.batch, rng)[:per_epoch]
        checks = {len(batches) // 2, len(batches)} if args.half_checks else {len(batches)}
        for b, idx in enumerate(batches, start=1):
            net.train()
            h, m = train_c.batch(idx)
            out = net(h, m)
            ti = torch.from_numpy(idx)
            loss = (bce(out, targets[ti]) * masks[ti]).sum(1) * weights[ti]
            loss = loss.sum() / len(idx)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            if b % 200 == 0:
                log(
                    f"epoch {epoch} batch {b}/{len(batches)} loss {loss.item():.4f} "
                    f"{time.time() - t0:.0f}s"
                )
            if b in checks:
                tag = f"e{epoch}b{b}"
                log(f"dev after {tag} ({time.time() - t0:.0f}s):")
                history[tag] = evaluate(net, dev, shipped, log)
                torch.save(net.state_dict(), args.out / f"top_{tag}.pt")
    (args.out / "dev_history.json").write_text(
        json.dumps({"shipped": shipped, "checks": history}, indent=2) + "\n"
    )


class ExportBody(nn.Module):
    """The whole net for export.py: token ids -> 29 logits, column 0 the chosen score's logit
    (the GoEmotions frustration logit + t x the mean set logit), 1-28 the GoEmotions labels."""

    def __init__(self, encoder: BertModel, top: TopNet, t: float) -> None:
        super().__init__()
        self.encoder, self.top, self.t = encoder, top, t

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        pooled = mean_pooled(self.encoder, input_ids, attention_mask)
        ge = self.top.head(pooled)
        score = ge[:, :1] + self.t * self.top.sets(pooled).mean(dim=1, keepdim=True)
        return torch.cat([score, ge[:, 1:]], dim=1)


def score_weight(name: str) -> float:
    return 0.0 if name == "ge" else float(name.split(":")[1])


def write_folder(args) -> None:
    """The model folder of a top-layer checkpoint (`write_model_folder`)."""
    encoder, head = shipped_encoder(HERE / "model.onnx")
    top = TopNet(encoder.encoder.layer[TOP], head, len(TRAIN_SETS))
    top.load_state_dict(torch.load(args.checkpoint))
    body = ExportBody(encoder, top, score_weight(args.score)).eval()
    write_model_folder(
        body,
        args,
        encoder_note="sentence-transformers/all-MiniLM-L6-v2, fine-tuned (the shipped session-1 "
        "run); its top layer re-tuned multi-task on GoEmotions + six conversational sets "
        "(top_layer.py)",
        metrics_key="top_layer",
    )


def write_model_folder(body: nn.Module, args, encoder_note: str, metrics_key: str) -> None:
    """A complete model folder in `args.write` from an export body (token ids -> 29 logits):
    int8 graph (export.py's path, then quantize_dynamic per channel as the shipped one), a Platt
    combiner and the coach's thresholds fitted on GoEmotions dev (clean + ASR-style) through the
    int8 graph, tokenizer, config, metrics and SHA256SUMS. `args` carries write, checkpoint
    (its folder holds dev_history.json and train_log.txt), score, data and threads."""
    import hashlib
    import shutil
    import tempfile

    from onnxruntime.quantization import QuantType, quantize_dynamic
    from sklearn.linear_model import LogisticRegression

    from models.words.export import export_onnx, onnx_outputs
    from models.words.spoken_style import asr_style, read_split
    from models.words.stack import threshold_rules
    from models.words.train_common import make_tokenizer

    out: Path = args.write
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model_fp32.onnx"
        export_onnx(body, 1.0, fp32)
        if getattr(args, "fp32", False):
            shutil.copy(fp32, out / "model.onnx")
        else:
            # asymmetric weights: a start that was itself an int8 graph sits on the symmetric
            # grid, and small tuned changes would round back onto it (multitask.py)
            symmetric = not getattr(args, "weight_asymmetric", False)
            quantize_dynamic(
                str(fp32),
                str(out / "model.onnx"),
                weight_type=QuantType.QInt8,
                per_channel=True,
                extra_options={"WeightSymmetric": symmetric},
            )
    shutil.copy(HERE / "tokenizer.json", out / "tokenizer.json")
    tok = make_tokenizer(HERE, 128)
    ge = read_split(args.data / "goemotions" / "original", "dev")
    y = np.array(ge.frustrated * 2)
    texts = ge.texts + [asr_style(t) for t in ge.texts]
    graph = logit(onnx_outputs(out / "model.onnx", tok, texts, threads=args.threads))
    z = graph[:, 0]
    config = json.loads((HERE / "config.json").read_text())
    names = list(config["outputs"]["emotions"])
    labels = list(config["combiner"]["labels"]) if getattr(args, "combiner_labels", False) else []
    if labels:  # the shipped combiner's form: head + log-sum-exp of the frustration labels
        lse = np.logaddexp.reduce(graph[:, [1 + names.index(n) for n in labels]], axis=1)
        fit = LogisticRegression(C=0.1, max_iter=5000).fit(np.c_[z, lse], y)
        a, w = (float(v) for v in fit.coef_[0])
        b = float(fit.intercept_[0])
        zc = a * z + w * lse + b
    else:
        platt = LogisticRegression(C=1e6).fit(z[:, None], y)
        a, w, b = float(platt.coef_[0, 0]), 0.0, float(platt.intercept_[0])
        zc = a * z + b
    prob = 1 / (1 + np.exp(-zc))
    thr = threshold_rules(y, prob)
    config["temperature"] = 1.0
    config["encoder"] = encoder_note
    config["score"] = {
        "name": args.score,
        "t_sets": score_weight(args.score),
        "sets": list(TRAIN_SETS),
        "note": "the graph's frustration output is sigmoid(GoEmotions frustration logit + "
        "t_sets x mean of the set heads' logits); the combiner Platt-scales it",
    }
    config["combiner"] = {
        "w_frustration_logit": round(a, 5),
        "w_logsumexp_label_logits": round(w, 5),
        "bias": round(b, 5),
        "labels": labels,
        "C": 0.1 if labels else None,
        "fitted_on": f"GoEmotions dev, clean + ASR-style copies ({metrics_key}.py --write)",
    }
    config.pop("temperature_note", None)
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    thresholds = {
        **thr,
        "elevated_rule": "the cut-off that maximises F1 on GoEmotions dev (clean + ASR-style), "
        "median over 200 bootstrap resamples",
        "high_rule": "the lowest cut-off with precision >= 0.75 on GoEmotions dev, median over "
        "200 bootstrap resamples",
    }
    (out / "thresholds.json").write_text(json.dumps(thresholds, indent=2) + "\n")
    history = json.loads((args.checkpoint.parent / "dev_history.json").read_text())
    metrics = {
        metrics_key: {
            "checkpoint": args.checkpoint.name,
            "score": args.score,
            "dev_shipped": history["shipped"],
            "dev_checks": history["checks"],
        }
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    shutil.copy(args.checkpoint.parent / "train_log.txt", out / "train_log.txt")
    names = ["config.json", "model.onnx", "thresholds.json", "tokenizer.json"]
    sums = [f"{hashlib.sha256((out / n).read_bytes()).hexdigest()}  {n}" for n in names]
    (out / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    print(f"{out}: combiner a={a:.4f} w={w:.4f} b={b:.4f}, thresholds {thr}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cache", type=Path)
    p.add_argument("--out", type=Path)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--lr", type=float, default=3e-5)
    p.add_argument("--head-lr", type=float, default=1e-3)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--half-checks", action="store_true", help="also check dev mid-epoch")
    p.add_argument("--part", choices=("layer", "ffn"), default="layer", help="what of it to tune")
    p.add_argument("--max-rows", type=int, help="rows per epoch (a random subset each epoch)")
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    p.add_argument("--write", type=Path, help="write a model folder from --checkpoint instead")
    p.add_argument("--checkpoint", type=Path)
    p.add_argument("--score", default="ge", help="ge or ge+sets:T (chosen on dev)")
    args = p.parse_args()
    if args.write:
        write_folder(args)
    else:
        train(args)


if __name__ == "__main__":
    main()
