"""Fine-tune the whole shipped words encoder, multi-task, from its own weights, on CPU.

Session 8's top-layer tune (top_layer.py) could not move the conversational sets far: the lower
layers stayed as GoEmotions left them. This tunes all six layers. The start is the shipped model
itself (`top_layer.shipped_encoder`: the int8 graph's weights, dequantised); the table is
multitask_data.py's (GoEmotions train with its 29 outputs, the hand-written call lines, one head
per conversational set taught only by its own set). The USS head is left out (its train split
has no positives: it would learn a base rate), so it stays at its zero start and adds nothing to
the mean of the set heads.

Options that session 17 found to matter (MODEL_CARD.md):
- `--ge-labels 0 --kd 1`: the GoEmotions rows and call lines no longer teach their labels again
  (the start was trained on them to its dev peak, and a second pass over-fits: GoEmotions dev
  -0.006 to -0.012); instead every row keeps the GoEmotions outputs where the start had them
  (distillation from a frozen copy of the start), while the set heads learn their sets;
- `--calm-negatives 0`: calm service turns no longer teach the frustration output 0 (it cost
  USS and airline AUC);
- `--calm-set-negatives 1`: those calm turns teach every set head 0 instead (run 4: a lean
  toward calm-sounding questions, not away from refund vocabulary; USS dev lost);
- `--untaught SET ...`: leave more set heads at zero (run 5: the emotion sets alone lose
  complaints and airline dev, and lean toward calm problem statements just the same);
- `--contrast-copies N --contrast-set-heads 1 [--contrast-kd 1]` (stop 30): contrast_lines.py's
  calm and frustrated lines on the same service topics teach the frustration output and every
  taught set head; with `--contrast-kd 1` their GoEmotions label outputs are held at the start's
  (runs 6 and 7: every other set gains, USS dev loses 0.015-0.019; not shipped);
- `--call-phrase-copies 0 [--contrast-plain 1]` (stop 31): the call_phrases.py rows left out
  (run 8, shipped: they only kept the start's lean toward refund / cancel vocabulary); with
  `--contrast-plain 1` contrast_lines.PLAIN_* join the contrast lines (run 9, not shipped);
- `--start GRAPH`: the graph the run starts from (and --write / --interpolate rebuild); since
  stop 31 the shipped graph is a multi-task export, so pass the session-1 graph;
- `--interpolate A`: weight-space interpolation with the start (WiSE-FT);
- `--write --weight-asymmetric`: the start sits on the symmetric int8 grid, and re-quantising
  on that grid rounds most of the tuned change back onto the start's weights (half the dev gain
  lost); an asymmetric grid keeps it. `--combiner-labels` fits the shipped combiner's form.

Candidates (top_layer.candidate_scores: `ge`, `ge+sets:t`; and `ge+sets:4.0`) at each dev check,
raw weights and their moving average. Ship rule, written before anything was scored: AUC above
the shipped score on every dev split (top_layer.DEV_SPLITS); among those the best mean; then the
int8 folder, the behaviour tests unchanged, and only then test.

    python -m models.words.multitask --out out/mt3 --kd 1 --calm-negatives 0 --ge-labels 0
    python -m models.words.multitask --checkpoint out/mt3/net_e1b1568_raw.pt --interpolate 0.5
    python -m models.words.multitask --write DIR --checkpoint out/mt3/net_e1b1568_raw_wise0.5.pt \
        --score ge+sets:0.25 --combiner-labels --weight-asymmetric

About 15 minutes per run on 2 idle CPU cores (50k rows of at most 64 tokens, two dev checks).
Needs torch and transformers (requirements-train.txt).
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn

from app.scoring.words import load_words_scorer, logit, pad_batch
from models.words.convo_data import TRAIN_SETS
from models.words.multitask_data import N_GE, Table, dev_table, train_table
from models.words.top_layer import (
    HERE,
    ROOT,
    ExportBody,
    bucketed,
    candidate_scores,
    optimiser,
    report_candidates,
    set_heads,
    shipped_encoder,
    split_aucs,
    start_run,
    write_model_folder,
)
from models.words.train import mean_pooled
from models.words.train_common import make_tokenizer

UNTAUGHT = ("uss_satisfaction",)  # set heads with no positives in train: masked out


class MultiNet(nn.Module):
    """The whole encoder, mean pooling, the GoEmotions head (29) and one logit per set."""

    def __init__(self, encoder: nn.Module, head: nn.Linear, n_sets: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = head
        self.sets = set_heads(n_sets)
        self.dropout = nn.Dropout(0.1)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        p = self.dropout(mean_pooled(self.encoder, input_ids, attention_mask))
        return torch.cat([self.head(p), self.sets(p)], dim=1)


def tensors(encodings: list, idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    ids, mask = pad_batch([encodings[i] for i in idx])
    return torch.from_numpy(ids), torch.from_numpy(mask)


@torch.no_grad()
def predict(net: MultiNet, encodings: list) -> np.ndarray:
    net.eval()
    lengths = np.array([len(e.ids) for e in encodings])
    out = np.zeros((len(encodings), net.head.out_features + net.sets.out_features))
    for idx in bucketed(lengths, 128, None):
        out[idx] = net(*tensors(encodings, idx)).numpy()
    return out


def candidates(logits: np.ndarray) -> dict[str, np.ndarray]:
    """top_layer's candidates and a stronger mix (the set heads learn more here)."""
    out = candidate_scores(logits)
    out["ge+sets:4.0"] = logits[:, 0] + 4.0 * logits[:, N_GE:].mean(axis=1)
    return out


def shipped_scores(texts: list[str], size: int = 64) -> np.ndarray:
    """The shipped score, as the app computes it, in length-sorted batches (one batch of
    every text would pad them all to the longest)."""
    scorer = load_words_scorer()
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros(len(texts))
    for s in range(0, len(order), size):
        idx = order[s : s + size]
        out[idx] = scorer.score([texts[i] for i in idx])
    return out


def aucs_by_split(table: Table, score: np.ndarray) -> dict[str, float]:
    arr = table.arrays()
    return split_aucs(arr["groups"], arr["targets"], score)


def dev_report(
    logits: np.ndarray,
    dev_t: Table,
    shipped: dict[str, float],
    name: str,
    log: Callable[[str], None],
) -> dict[str, dict]:
    """Every candidate's dev AUC per split and its change against the shipped score, logged
    one line per candidate; keyed "<name>/<candidate>" as dev_history.json holds them."""
    arr = dev_t.arrays()
    results = report_candidates(candidates(logits), arr["groups"], arr["targets"], shipped, log)
    return {f"{name}/{cand}": r for cand, r in results.items()}


def _rows(table: Table, keep: range) -> Table:
    out = Table()
    for i in keep:
        out.add(table.texts[i], table.groups[i], table.targets[i], table.masks[i], table.weights[i])
    return out


def train(args: argparse.Namespace) -> None:
    rng, log = start_run(args)

    log(f"args: {vars(args)}")
    tok = make_tokenizer(HERE, args.max_len)
    dev_tok = make_tokenizer(HERE, 128)
    train_t = train_table(
        args.data,
        seed=args.seed,
        set_share=args.set_share,
        copies=args.call_phrase_copies,
        contrast_copies=args.contrast_copies,
        contrast_plain=bool(args.contrast_plain),
        contrast_idioms=bool(args.contrast_idioms),
    )
    dev_t = dev_table(args.data)
    if args.smoke:  # a few rows of each: checks the whole path in a minute
        train_t = _rows(train_t, range(0, len(train_t.texts), len(train_t.texts) // 96))
        dev_t = _rows(dev_t, range(0, len(dev_t.texts), 40))
    arr = train_t.arrays()
    masks = arr["masks"]
    untaught = UNTAUGHT + tuple(args.untaught)
    for name in untaught:
        masks[:, N_GE + TRAIN_SETS.index(name)] = 0.0
    taught = [N_GE + k for k, name in enumerate(TRAIN_SETS) if name not in untaught]
    contrast_rows = arr["groups"] == "contrast"  # hand-written: frustration output only
    set_rows = (masks[:, 1:N_GE].sum(1) == 0) & ~contrast_rows  # a conversational set's row
    calm_rows = set_rows & (masks[:, 0] == 1)  # calm service turns (multitask_data.CALM_SERVICE)
    if args.calm_set_negatives:  # ... are "not frustrated" for every taught set head as well
        masks[np.ix_(calm_rows, taught)] = 1.0
    if args.contrast_set_heads:  # the contrast lines teach every taught set head as well
        masks[np.ix_(contrast_rows, taught)] = 1.0
        arr["targets"][np.ix_(contrast_rows, taught)] = arr["targets"][contrast_rows, :1]
    if not args.calm_negatives:
        masks[set_rows, 0] = 0.0
    kd_rows_np = set_rows & (masks[:, 0] == 0)
    ge_rows = ~set_rows & ~contrast_rows
    if args.ge_labels == 0:  # GoEmotions rows keep the start's outputs instead of their labels
        kd_rows_np = kd_rows_np | ge_rows
        masks[ge_rows, :N_GE] = 0.0
    kd_mask = np.repeat(kd_rows_np[:, None], N_GE, axis=1).astype(np.float32)
    if args.contrast_kd:  # the contrast lines keep the start's GoEmotions labels (not output 0)
        kd_mask[contrast_rows, 1:] = 1.0
    kd_cols = torch.from_numpy(kd_mask)
    targets = torch.from_numpy(arr["targets"])
    masks_t = torch.from_numpy(masks)
    weights = torch.from_numpy(arr["weights"])
    t0 = time.time()
    enc_train = tok.encode_batch(train_t.texts)
    enc_dev = dev_tok.encode_batch(dev_t.texts)
    lengths = np.array([len(e.ids) for e in enc_train])
    log(
        f"train rows {len(enc_train)} (mean {lengths.mean():.1f} tokens), dev rows "
        f"{len(enc_dev)}, tokenized in {time.time() - t0:.0f}s"
    )
    shipped = aucs_by_split(dev_t, logit(shipped_scores(dev_t.texts)))
    log("shipped score on dev: " + " ".join(f"{g} {v:.4f}" for g, v in shipped.items()))

    encoder, head = shipped_encoder(args.start)
    net = MultiNet(encoder, head, len(TRAIN_SETS))
    body = [p for n, p in net.named_parameters() if not n.startswith("sets.")]
    groups = [
        {"params": body, "lr": args.lr},
        {"params": list(net.sets.parameters()), "lr": args.head_lr},
    ]
    opt, sched = optimiser(groups, math.ceil(len(enc_train) / args.batch) * args.epochs)
    teacher = copy.deepcopy(net).eval() if args.kd > 0 else None
    params = list(net.parameters())
    ema = [p.detach().clone() for p in params]
    bce = nn.BCEWithLogitsLoss(reduction="none")
    history: dict[str, dict] = {}

    def check(tag: str) -> None:
        raw = [p.detach().clone() for p in params]
        for kind, values in (("raw", raw), ("ema", ema)):
            with torch.no_grad():
                torch._foreach_copy_(params, values)
            name = f"{tag}_{kind}"
            logits = predict(net, enc_dev)
            log(f"dev after {name} ({time.time() - t0:.0f}s):")
            history.update(dev_report(logits, dev_t, shipped, name, log))
            torch.save(net.state_dict(), args.out / f"net_{name}.pt")
        with torch.no_grad():
            torch._foreach_copy_(params, raw)
        (args.out / "dev_history.json").write_text(
            json.dumps({"shipped": shipped, "checks": history}, indent=2) + "\n"
        )

    t0 = time.time()
    for epoch in range(1, args.epochs + 1):
        batches = bucketed(lengths, args.batch, rng)
        checks = {len(batches) * k // args.checks for k in range(1, args.checks + 1)}
        for b, idx in enumerate(batches, start=1):
            net.train()
            ids, mask = tensors(enc_train, idx)
            out = net(ids, mask)
            ti = torch.from_numpy(idx)
            loss = (bce(out, targets[ti]) * masks_t[ti]).sum(1) * weights[ti]
            if teacher is not None:  # the GoEmotions outputs stay where the start had them
                with torch.no_grad():
                    soft = torch.sigmoid(teacher(ids, mask)[:, :N_GE])
                loss = loss + args.kd * (bce(out[:, :N_GE], soft) * kd_cols[ti]).sum(1)
            loss = loss.sum() / len(idx)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            with torch.no_grad():
                torch._foreach_mul_(ema, args.ema)
                torch._foreach_add_(ema, [p.detach() for p in params], alpha=1 - args.ema)
            if b % 100 == 0:
                log(
                    f"epoch {epoch} batch {b}/{len(batches)} loss {loss.item():.4f} "
                    f"{time.time() - t0:.0f}s"
                )
            if b in checks:
                check(f"e{epoch}b{b}")


def interpolate(args: argparse.Namespace) -> None:
    """Weight-space interpolation between the start and a trained checkpoint (WiSE-FT: Wortsman
    et al., 2022): body = (1 - a) x start + a x trained, the set heads as trained (they start
    at zero). Each `a` is scored on dev like a training check and saved beside the checkpoint."""
    torch.set_num_threads(args.threads)
    dev_tok = make_tokenizer(HERE, 128)
    dev_t = dev_table(args.data)
    enc_dev = dev_tok.encode_batch(dev_t.texts)
    history_path = args.checkpoint.parent / "dev_history.json"
    history = json.loads(history_path.read_text())
    shipped = history["shipped"]
    encoder, head = shipped_encoder(args.start)
    net = MultiNet(encoder, head, len(TRAIN_SETS))
    start = {k: v.clone() for k, v in net.state_dict().items()}
    trained = torch.load(args.checkpoint)
    for a in args.interpolate:
        mixed = {
            k: v if k.startswith("sets.") else (1 - a) * start[k] + a * v
            for k, v in trained.items()
        }
        net.load_state_dict(mixed)
        logits = predict(net, enc_dev)
        name = f"{args.checkpoint.stem.removeprefix('net_')}_wise{a:g}"
        print(f"dev after {name}:", flush=True)
        history["checks"].update(
            dev_report(logits, dev_t, shipped, name, lambda msg: print(msg, flush=True))
        )
        torch.save(mixed, args.checkpoint.parent / f"net_{name}.pt")
        history_path.write_text(json.dumps(history, indent=2) + "\n")


def write_folder(args: argparse.Namespace) -> None:
    encoder, head = shipped_encoder(args.start)
    net = MultiNet(encoder, head, len(TRAIN_SETS))
    net.load_state_dict(torch.load(args.checkpoint))
    t = 0.0 if args.score == "ge" else float(args.score.split(":")[1])
    body = ExportBody(net.encoder, net, t).eval()
    write_model_folder(
        body,
        args,
        encoder_note="sentence-transformers/all-MiniLM-L6-v2, fine-tuned (the shipped session-1 "
        "run), then all six layers tuned again multi-task on GoEmotions + five conversational "
        "sets (multitask.py)",
        metrics_key="multitask",
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--lr", type=float, default=2e-5)
    p.add_argument("--head-lr", type=float, default=1e-3)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--max-len", type=int, default=64, help="training tokens (dev: 128)")
    p.add_argument("--ema", type=float, default=0.998)
    p.add_argument(
        "--kd",
        type=float,
        default=0.0,
        help="weight of keeping the GoEmotions outputs at the start's on the sets' rows",
    )
    p.add_argument(
        "--ge-labels",
        type=int,
        default=1,
        help="0: the GoEmotions rows and call lines teach only through --kd (the start was "
        "already trained on them to its dev peak)",
    )
    p.add_argument(
        "--calm-negatives",
        type=int,
        default=1,
        help="calm service turns teach the frustration output 0 (multitask_data.CALM_SERVICE)",
    )
    p.add_argument(
        "--calm-set-negatives",
        type=int,
        default=0,
        help="1: the calm service turns also teach every set head 0 (against the heads' lean "
        "toward refund / cancel / problem vocabulary)",
    )
    p.add_argument(
        "--untaught",
        nargs="*",
        default=[],
        choices=TRAIN_SETS,
        help="set heads left at zero besides USS (their rows then only keep the GoEmotions "
        "outputs, with --kd)",
    )
    p.add_argument(
        "--contrast-copies",
        type=int,
        default=0,
        help="copies of each contrast_lines.py line (spoken-style variants) in the table",
    )
    p.add_argument(
        "--contrast-set-heads",
        type=int,
        default=0,
        help="1: the contrast lines teach every taught set head too",
    )
    p.add_argument(
        "--contrast-kd",
        type=int,
        default=0,
        help="1: the contrast lines' GoEmotions label outputs are held at the start's (--kd), "
        "so only the frustration output and the set heads learn from them",
    )
    p.add_argument(
        "--contrast-plain",
        type=int,
        default=0,
        help="1: contrast_lines.PLAIN_CALM / PLAIN_FRUSTRATED join the contrast lines (stop 31: "
        "problems and needs stated plainly, calm and upset)",
    )
    p.add_argument(
        "--contrast-idioms",
        type=int,
        default=0,
        help="1: contrast_lines.IDIOM_FRUSTRATED / IDIOM_CALM join the contrast lines (stop 33: "
        "fed-up idioms and flat demands, and calm lines with the same surface words)",
    )
    p.add_argument(
        "--call-phrase-copies",
        type=int,
        default=4,
        help="copies of each call_phrases.py line; 0 leaves them out (their frustrated lines are "
        "all service problems and their calm ones pleasantries, so held by --kd they keep the "
        "start's lean toward refund / cancel vocabulary)",
    )
    p.add_argument(
        "--start",
        type=Path,
        default=HERE / "model.onnx",
        help="the graph whose weights the run starts from (and --write / --interpolate rebuild): "
        "the session-1 graph; since stop 31 models/words/model.onnx is a multi-task export, so "
        "pass `git show efe0fdd:models/words/model.onnx` saved to a file",
    )
    p.add_argument("--set-share", type=float, default=0.5)
    p.add_argument("--checks", type=int, default=2, help="dev checks per epoch")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    p.add_argument("--smoke", action="store_true", help="a few rows: check the path")
    p.add_argument("--write", type=Path, help="write a model folder from --checkpoint instead")
    p.add_argument("--checkpoint", type=Path)
    p.add_argument(
        "--interpolate",
        type=float,
        nargs="*",
        help="score (1-a) x start + a x --checkpoint on dev for each a (WiSE-FT)",
    )
    p.add_argument(
        "--combiner-labels",
        action="store_true",
        help="--write: fit the shipped combiner's form (with the frustration labels' log-sum-exp)",
    )
    p.add_argument("--fp32", action="store_true", help="--write: keep the float graph")
    p.add_argument(
        "--weight-asymmetric",
        action="store_true",
        help="--write: int8 weights on an asymmetric grid (the start's symmetric grid would "
        "round the tuned changes away)",
    )
    p.add_argument("--score", default="ge", help="ge or ge+sets:T (chosen on dev)")
    args = p.parse_args()
    if args.write:
        write_folder(args)
    elif args.interpolate:
        interpolate(args)
    else:
        train(args)


if __name__ == "__main__":
    main()
