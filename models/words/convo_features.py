"""Sentence embeddings and head logits of the shipped encoder, once, for every set and split.

The conversational head (convo_head.py) is trained on the shipped fine-tuned encoder's mean-pooled
sentence embedding, so the encoder is run once per text here and the result cached:

    .venv/bin/python -m models.words.convo_features [--data ../shared/data]
        [--out out/convo]

For each (set, split) it writes `OUT/<set>__<split>.npz` with `pooled` [n, 384] (float32, the
int8 graph's mean-pooled embedding, the input of its head), `logits` [n, 29] (the head's raw
logits before the temperature), `labels` [n] and the `texts` it scored. Training texts get a
spoken-style rendering half of the time (spoken_style.spoken_variant, seeded), as the encoder's
own training did. About 100k texts: 25 minutes on two heavily shared cores.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np

from models.words.convo_data import ALL_SETS, EVAL_ONLY_SETS, load_split
from models.words.spoken_style import asr_style, read_split, spoken_variant

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
POOLED = "/net/Div_output_0"  # mean pooling over the mask, the head's input
HEAD = "/net/head/Gemm_output_0"  # 29 raw logits: frustration, then the 28 GoEmotions labels


def feature_graph(src: Path, dst: Path) -> Path:
    """A copy of the int8 graph that also outputs the pooled embedding and the raw head logits
    (the same nodes, so the same numbers the shipped outputs are computed from)."""
    import onnx

    model = onnx.load(str(src))
    names = {o.name for o in model.graph.output}
    for name, width in ((POOLED, 384), (HEAD, 29)):
        if name not in names:
            model.graph.output.append(
                onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, ["batch", width])
            )
    dst.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(dst))
    return dst


class Embedder:
    def __init__(self, graph: Path, tokenizer: Path, threads: int = 2) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(graph), opts, providers=["CPUExecutionProvider"])
        self.tok = Tokenizer.from_file(str(tokenizer))
        self.tok.no_padding()
        self.tok.enable_truncation(max_length=128)

    def __call__(self, texts: list[str], batch: int = 64) -> tuple[np.ndarray, np.ndarray]:
        from app.scoring.words import pad_batch

        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        pooled = np.zeros((len(texts), 384), dtype=np.float32)
        logits = np.zeros((len(texts), 29), dtype=np.float64)
        for start in range(0, len(order), batch):
            idx = order[start : start + batch]
            ids, mask = pad_batch(self.tok.encode_batch([texts[i] for i in idx]))
            p, h = self.session.run([POOLED, HEAD], {"input_ids": ids, "attention_mask": mask})
            pooled[idx], logits[idx] = p, h
        return pooled, logits


def all_splits(data: Path) -> dict[str, tuple[list[str], list[int]]]:
    """Every (set, split) the head is trained, tuned or judged on: name -> texts, labels."""
    out: dict[str, tuple[list[str], list[int]]] = {}
    rng = random.Random(13)
    for name in ALL_SETS:
        for split in ("test",) if name in EVAL_ONLY_SETS else ("train", "dev", "test"):
            part = load_split(name, split, data)
            texts = part.texts
            if split == "train":
                texts = [spoken_variant(t, rng) if rng.random() < 0.5 else t for t in texts]
            out[f"{name}__{split}"] = (texts, part.labels)
    ge = data / "goemotions" / "original"
    dev, test = read_split(ge, "dev"), read_split(ge, "test")
    out["goemotions__dev"] = (dev.texts, dev.frustrated)
    out["goemotions_asr__dev"] = ([asr_style(t) for t in dev.texts], dev.frustrated)
    out["goemotions__test"] = (test.texts, test.frustrated)
    # the ASR-style and filler renderings of test are scored by benchmarks/words_accuracy.py
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    p.add_argument("--out", type=Path, default=ROOT / "out" / "convo")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    graph = feature_graph(HERE / "model.onnx", args.out / "features.onnx")
    embed = Embedder(graph, HERE / "tokenizer.json", args.threads)
    counts = {}
    for key, (texts, labels) in all_splits(args.data).items():
        path = args.out / f"{key}.npz"
        if path.is_file():
            counts[key] = len(texts)
            continue
        t0 = time.time()
        pooled, logits = embed(texts)
        np.savez_compressed(
            path, pooled=pooled, logits=logits, labels=np.array(labels), texts=np.array(texts)
        )
        counts[key] = len(texts)
        print(f"{key}: {len(texts)} texts, {sum(labels)} positive, {time.time() - t0:.0f}s")
    (args.out / "counts.json").write_text(json.dumps(counts, indent=1))


if __name__ == "__main__":
    main()
