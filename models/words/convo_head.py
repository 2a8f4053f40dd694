"""Train the conversational head on the shipped encoder and mix it with the GoEmotions score.

The shipped encoder stays as it is (int8, fine-tuned on GoEmotions). A second head, a logistic
regression, reads its mean-pooled sentence embedding and is trained on the conversational and
social sets of convo_data.py (cached by convo_features.py); each set has the same total weight,
half on its positives and half on its negatives. Its logit is mixed with the shipped score's
logit, z = (1 - t) * previous / sd + t * head / sd, t chosen on dev, then Platt-scaled on the dev
mix: the six sets' dev splits and GoEmotions dev (clean and ASR-style at half weight each). The
thresholds come from the same dev mix. Ship rule, fixed before test was read: some t must be
better than the shipped score on every dev split; the script says whether one is (session 6 of
MODEL_CARD.md: none was). Test splits are read once, at the end, for the report.

    .venv/bin/python -m models.words.convo_features   # once: the embeddings
    .venv/bin/python -m models.words.convo_head [--write DIR]

`--write DIR` writes a complete model folder, whether or not the rule passed (for comparison
with benchmarks/words_accuracy.py --candidate DIR): the graph with the head and the mix built in
(output `frustration` is the new score, `frustration_goemotions` the old head, `conversational`
the new head alone), config.json (the app's combiner is the identity: the graph is calibrated;
`previous_combiner` and `base_graph_sha256` record what it was built on), thresholds.json,
metrics.json and SHA256SUMS. Needs scikit-learn and onnx (requirements-train.txt). One or two
minutes on two cores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.neural_network import MLPClassifier

from models.words.convo_data import EVAL_ONLY_SETS, TRAIN_SETS

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TEMPERATURE = 1.15  # baked into the shipped graph's frustration output
# relative weight of each training set in the head's loss (each set's examples share it)
SET_WEIGHT = {
    "empathetic_dialogues": 1.0,
    "carer_emotion": 0.5,
    "isear": 0.5,
    "complaints_twitter": 1.0,
    "airline_tweets": 1.0,
    "uss_satisfaction": 1.0,
}
DEV_KEYS = [f"{s}__dev" for s in TRAIN_SETS] + ["goemotions__dev", "goemotions_asr__dev"]
TEST_KEYS = (
    ["goemotions__test"]
    + [f"{s}__test" for s in TRAIN_SETS]
    + [f"{s}__test" for s in EVAL_ONLY_SETS]
)


def load(folder: Path, key: str) -> dict[str, np.ndarray]:
    with np.load(folder / f"{key}.npz") as z:
        return {k: z[k] for k in ("pooled", "logits", "labels")}


def previous_z(logits: np.ndarray, config: dict) -> np.ndarray:
    """The pre-sigmoid score shipped before this head: the GoEmotions combiner (config.json)."""
    spec = config["combiner"]
    names = list(config["outputs"]["emotions"])
    cols = [1 + names.index(n) for n in spec["labels"]]
    z = spec["w_frustration_logit"] * logits[:, 0] / TEMPERATURE + spec["bias"]
    if cols:
        z = z + spec["w_logsumexp_label_logits"] * np.logaddexp.reduce(logits[:, cols], axis=1)
    return z


def set_weights(
    keys: list[str], parts: dict[str, dict], multiplier: dict[str, float], balance: bool = False
) -> np.ndarray:
    """Every set gets the same total weight (times its multiplier), shared by its examples; with
    `balance`, shared half and half by its positives and negatives (so a set's base rate, which
    ranges from 4 % to 62 % here, cannot be learned from its style)."""
    w = []
    for key in keys:
        y = parts[key]["labels"]
        m = multiplier.get(key.split("__")[0], 1.0)
        ww = np.full(len(y), m / len(y))
        if balance and 0 < y.sum() < len(y):
            ww = np.where(y == 1, m / (2 * y.sum()), m / (2 * (len(y) - y.sum())))
        w.append(ww)
    out = np.concatenate(w)
    return out * len(out) / out.sum()


def fit_head(kind: str, x: np.ndarray, y: np.ndarray, w: np.ndarray):
    if kind.startswith("lr"):
        c = float(kind.split(":")[1])
        return LogisticRegression(C=c, max_iter=2000).fit(x, y, sample_weight=w)
    hidden = int(kind.split(":")[1])
    # MLPClassifier has no sample weights here: resample by weight instead (seeded)
    rng = np.random.default_rng(13)
    idx = rng.choice(len(y), size=len(y), p=w / w.sum())
    return MLPClassifier(
        hidden_layer_sizes=(hidden,),
        alpha=1e-2,
        max_iter=60,
        early_stopping=True,
        random_state=13,
    ).fit(x[idx], y[idx])


def head_z(model, x: np.ndarray) -> np.ndarray:
    p = np.clip(model.predict_proba(x)[:, 1], 1e-7, 1 - 1e-7)
    return np.log(p) - np.log1p(-p)


def weighted_f1_cut(y: np.ndarray, s: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    order = np.argsort(-s)
    tp = np.cumsum((w * y)[order])
    pp = np.cumsum(w[order])
    f1 = 2 * tp / (pp + (w * y).sum())
    i = int(np.argmax(f1))
    return float(s[order][i]), float(f1[i])


def weighted_precision_cut(y: np.ndarray, s: np.ndarray, w: np.ndarray, target: float) -> float:
    order = np.argsort(-s)
    prec = np.cumsum((w * y)[order]) / np.cumsum(w[order])
    ok = np.nonzero(prec >= target)[0]
    return float(s[order][ok.max()]) if len(ok) else float(s.max())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--features", type=Path, default=ROOT / "out" / "convo")
    p.add_argument("--heads", default="lr:0.01,lr:0.1")
    p.add_argument("--write", type=Path, help="write a complete model folder here")
    args = p.parse_args()
    config = json.loads((HERE / "config.json").read_text())
    if "previous_combiner" in config:
        raise SystemExit("models/words already holds a conversational head; run on the old one")

    train_keys = [f"{s}__train" for s in TRAIN_SETS]
    parts = {k: load(args.features, k) for k in train_keys + DEV_KEYS + TEST_KEYS}
    x_tr = np.concatenate([parts[k]["pooled"] for k in train_keys]).astype(np.float64)
    y_tr = np.concatenate([parts[k]["labels"] for k in train_keys])
    w_tr = set_weights(train_keys, parts, SET_WEIGHT, balance=True)
    mean, std = x_tr.mean(axis=0), x_tr.std(axis=0) + 1e-6

    def feats(key: str) -> np.ndarray:
        return (parts[key]["pooled"] - mean) / std

    report: dict = {"heads": {}, "train_sizes": {k: len(parts[k]["labels"]) for k in train_keys}}
    best, best_dev, best_kind = None, -1.0, ""
    for kind in args.heads.split(","):
        model = fit_head(kind, (x_tr - mean) / std, y_tr, w_tr)
        aucs = {
            k: roc_auc_score(parts[k]["labels"], head_z(model, feats(k)))
            for k in DEV_KEYS
            if not k.startswith("goemotions")
        }
        dev = float(np.mean(list(aucs.values())))
        report["heads"][kind] = {"dev_mean_auc_six_sets": dev, **aucs}
        print(
            f"head {kind}: dev mean AUC (six sets) {dev:.4f}",
            {k: round(v, 4) for k, v in aucs.items()},
        )
        if dev > best_dev:
            best, best_dev, best_kind = model, dev, kind
    print(f"chosen head: {best_kind}")

    # the mix: z = (1 - t) * previous / sd + t * head / sd (sd over dev), t chosen on dev, then
    # a Platt scaling on the dev mix; t = 0 is the previous score
    zp = {k: previous_z(parts[k]["logits"], config) for k in DEV_KEYS + TEST_KEYS}
    zc = {k: head_z(best, feats(k)) for k in DEV_KEYS + TEST_KEYS}
    sp = float(np.std(np.concatenate([zp[k] for k in DEV_KEYS])))
    sc = float(np.std(np.concatenate([zc[k] for k in DEV_KEYS])))

    def dev_aucs(t: float) -> dict[str, float]:
        return {
            k: roc_auc_score(parts[k]["labels"], (1 - t) * zp[k] / sp + t * zc[k] / sc)
            for k in DEV_KEYS
        }

    base = dev_aucs(0.0)
    grid = {}
    for t in np.round(np.arange(0.05, 0.95, 0.05), 2):
        aucs = dev_aucs(float(t))
        # GoEmotions clean and ASR-style are two renderings of one set: half weight each
        mean_auc = float(np.average(list(aucs.values()), weights=[1] * 6 + [0.5, 0.5]))
        worst = min(aucs[k] - base[k] for k in DEV_KEYS)
        grid[float(t)] = {"dev_mean_auc": mean_auc, "worst_dev_gain": worst}
        print(f"t={t:.2f}: dev mean AUC {mean_auc:.4f}, worst change on one dev split {worst:+.4f}")
    t_best = max(grid, key=lambda t: grid[t]["dev_mean_auc"])
    passing = [t for t in grid if grid[t]["worst_dev_gain"] > 0]
    print(
        f"best dev mean at t={t_best}; t with no dev split worse than before: {passing or 'none'}"
    )
    t_mix = max(passing, key=lambda t: grid[t]["dev_mean_auc"]) if passing else t_best

    def mixed(key: str) -> np.ndarray:
        return (1 - t_mix) * zp[key] / sp + t_mix * zc[key] / sc

    x_dev = np.concatenate([mixed(k) for k in DEV_KEYS])[:, None]
    y_dev = np.concatenate([parts[k]["labels"] for k in DEV_KEYS])
    dev_mult = {"goemotions": 0.5, "goemotions_asr": 0.5}  # two copies of one set
    w_dev = set_weights(DEV_KEYS, parts, dev_mult)
    platt = LogisticRegression(C=1.0).fit(x_dev, y_dev, sample_weight=w_dev)
    scale, bias = float(platt.coef_[0][0]), float(platt.intercept_[0])
    a_prev, a_conv = scale * (1 - t_mix) / sp, scale * t_mix / sc
    print(f"mix t={t_mix}: {a_prev:.4f} * previous + {a_conv:.4f} * conversational + {bias:.4f}")

    def new_score(key: str) -> np.ndarray:
        return 1 / (1 + np.exp(-(a_prev * zp[key] + a_conv * zc[key] + bias)))

    def prev_score(key: str) -> np.ndarray:
        return 1 / (1 + np.exp(-zp[key]))

    s_dev = np.concatenate([new_score(k) for k in DEV_KEYS])
    elevated, f1 = weighted_f1_cut(y_dev, s_dev, w_dev)
    high = weighted_precision_cut(y_dev, s_dev, w_dev, 0.75)
    print(f"thresholds on dev: elevated {elevated:.3f} (weighted F1 {f1:.3f}), high {high:.3f}")

    table = {}
    for split_keys, name in ((DEV_KEYS, "dev"), (TEST_KEYS, "test")):
        print(f"\n{name}: ROC AUC previous -> new")
        for k in split_keys:
            y = parts[k]["labels"]
            a, b = roc_auc_score(y, prev_score(k)), roc_auc_score(y, new_score(k))
            table[k] = {"previous": round(a, 4), "new": round(b, 4)}
            print(f"  {k:<36} {a:.4f} -> {b:.4f}  ({b - a:+.4f})")
    ship = bool(passing)
    print(
        "\nship rule (better than before on every dev split): "
        + ("passed" if ship else "FAILED - the candidate is for comparison only, do not ship it")
    )
    report.update(
        chosen_head=best_kind,
        mix_grid=grid,
        mix_t=t_mix,
        passes_ship_rule_on_dev=ship,
        combiner={"w_previous": a_prev, "w_conversational": a_conv, "bias": bias},
        thresholds={"elevated": elevated, "high": high, "dev_weighted_f1": f1},
        auc=table,
    )
    if args.write:
        write_folder(args.write, best, mean, std, (a_prev, a_conv, bias), config, report)


def head_layers(model, mean: np.ndarray, std: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The head as (weight [in, out], bias [out]) layers on the raw pooled embedding, with the
    standardisation folded into the first layer; ReLU between layers (MLP) or none (LR)."""
    if isinstance(model, LogisticRegression):
        w, b = model.coef_.T, model.intercept_
        layers = [(w, b)]
    else:
        layers = list(zip(model.coefs_, model.intercepts_, strict=True))
    w0, b0 = layers[0]
    layers[0] = (w0 / std[:, None], b0 - (mean / std) @ w0)
    return [(w.astype(np.float32), b.astype(np.float32)) for w, b in layers]


def write_folder(out: Path, model, mean, std, comb, config: dict, report: dict) -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    out.mkdir(parents=True, exist_ok=True)
    g_model = onnx.load(str(HERE / "model.onnx"))
    g = g_model.graph
    for node in g.node:  # the old calibrated head becomes "frustration_goemotions"
        for i, name in enumerate(node.output):
            if name == "frustration":
                node.output[i] = "frustration_goemotions"
    for o in g.output:
        if o.name == "frustration":
            o.name = "frustration_goemotions"
    inits, nodes = [], []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    x = "/net/Div_output_0"
    layers = head_layers(model, mean, std)
    for i, (w, b) in enumerate(layers):
        mm = f"/convo/MatMul_{i}"
        nodes.append(helper.make_node("MatMul", [x, const(f"convo.w{i}", w)], [mm]))
        nodes.append(helper.make_node("Add", [mm, const(f"convo.b{i}", b)], [f"/convo/Add_{i}"]))
        x = f"/convo/Add_{i}"
        if i < len(layers) - 1:
            nodes.append(helper.make_node("Relu", [x], [f"/convo/Relu_{i}"]))
            x = f"/convo/Relu_{i}"
    axes1 = const("convo.axis1", np.array([1], dtype=np.int64))
    nodes.append(helper.make_node("Squeeze", [x, axes1], ["/convo/z"]))
    nodes.append(helper.make_node("Sigmoid", ["/convo/z"], ["conversational"]))
    # the previous score's logit: w_f * head0 / T + w_l * logsumexp(label logits) + b
    spec = config["combiner"]
    names = list(config["outputs"]["emotions"])
    head = "/net/head/Gemm_output_0"
    col0 = const("convo.col0", np.array(0, dtype=np.int64))
    nodes.append(helper.make_node("Gather", [head, col0], ["/prev/f"], axis=1))
    w_f = np.float32(spec["w_frustration_logit"] / TEMPERATURE)
    nodes.append(helper.make_node("Mul", ["/prev/f", const("prev.wf", w_f)], ["/prev/fw"]))
    z_prev = "/prev/fw"
    if spec["labels"]:
        cols = np.array([1 + names.index(n) for n in spec["labels"]], dtype=np.int64)
        nodes.append(
            helper.make_node("Gather", [head, const("prev.cols", cols)], ["/prev/l"], axis=1)
        )
        nodes.append(
            helper.make_node("ReduceLogSumExp", ["/prev/l"], ["/prev/lse"], axes=[1], keepdims=0)
        )
        w_l = np.float32(spec["w_logsumexp_label_logits"])
        nodes.append(helper.make_node("Mul", ["/prev/lse", const("prev.wl", w_l)], ["/prev/lw"]))
        nodes.append(helper.make_node("Add", ["/prev/fw", "/prev/lw"], ["/prev/fl"]))
        z_prev = "/prev/fl"
    nodes.append(
        helper.make_node("Add", [z_prev, const("prev.b", np.float32(spec["bias"]))], ["/prev/z"])
    )
    a_prev, a_conv, bias = comb
    nodes.append(
        helper.make_node("Mul", ["/prev/z", const("mix.wp", np.float32(a_prev))], ["/mix/p"])
    )
    nodes.append(
        helper.make_node("Mul", ["/convo/z", const("mix.wc", np.float32(a_conv))], ["/mix/c"])
    )
    nodes.append(helper.make_node("Add", ["/mix/p", "/mix/c"], ["/mix/pc"]))
    nodes.append(helper.make_node("Add", ["/mix/pc", const("mix.b", np.float32(bias))], ["/mix/z"]))
    nodes.append(helper.make_node("Sigmoid", ["/mix/z"], ["frustration"]))
    g.node.extend(nodes)
    g.initializer.extend(inits)
    for name in ("frustration", "conversational"):
        g.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, ["batch"]))
    onnx.checker.check_model(g_model)
    onnx.save(g_model, str(out / "model.onnx"))

    new_config = dict(config)
    new_config["previous_combiner"] = config["combiner"]
    new_config["base_graph_sha256"] = hashlib.sha256((HERE / "model.onnx").read_bytes()).hexdigest()
    new_config["combiner"] = {
        "w_frustration_logit": 1.0,
        "w_logsumexp_label_logits": 0.0,
        "bias": 0.0,
        "labels": [],
        "note": "identity: the graph's frustration output is already the calibrated score",
    }
    new_config["conversational_head"] = {
        "head": report["chosen_head"],
        "combiner": report["combiner"],
        "fitted_on": "dev splits of the six conversational sets + GoEmotions dev (clean, ASR)",
        "trained_on": list(TRAIN_SETS),
    }
    new_config["outputs"] = {
        "frustration": "calibrated probability (GoEmotions score + conversational head)",
        "frustration_goemotions": "the GoEmotions head alone (temperature 1.15)",
        "conversational": "the conversational head alone",
        "emotions": config["outputs"]["emotions"],
    }
    (out / "config.json").write_text(json.dumps(new_config, indent=2) + "\n")
    th = report["thresholds"]
    (out / "thresholds.json").write_text(
        json.dumps(
            {
                "elevated": round(th["elevated"], 3),
                "high": round(th["high"], 3),
                "elevated_rule": "best weighted F1 on the dev mix (six conversational sets + "
                "GoEmotions dev clean and ASR-style, each set weighted equally)",
                "high_rule": "lowest cut-off with weighted precision >= 0.75 on the same dev mix",
                "dev_weighted_f1_at_elevated": round(th["dev_weighted_f1"], 4),
            },
            indent=2,
        )
        + "\n"
    )
    metrics = (
        json.loads((HERE / "metrics.json").read_text()) if (HERE / "metrics.json").is_file() else {}
    )
    metrics["conversational_head"] = report
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    if out.resolve() != HERE:
        shutil.copy(HERE / "tokenizer.json", out / "tokenizer.json")
    listed = [
        line.split(maxsplit=1)[1].strip()
        for line in (HERE / "SHA256SUMS").read_text().splitlines()
        if line.strip()
    ]
    lines = [
        f"{hashlib.sha256((out / n).read_bytes()).hexdigest()}  {n}"
        for n in listed
        if (out / n).is_file()
    ]
    (out / "SHA256SUMS").write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
