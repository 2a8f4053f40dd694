"""Run the shipped int8 graph once over the multi-task table and keep what the top layer needs.

For every text: the hidden states after transformer layer `--below` (the input of the layers
that top_layer.py fine-tunes; fp16, one row per token, no padding stored), and the shipped
graph's own `frustration` and `emotions` outputs (the shipped score on dev comes from these).
Texts are cut at `--max-tokens` (train) or 128 (dev, as the app). The hidden states come from
the very int8 graph that ships, so the fine-tuned top layer learns on what it will see.

    python -m models.words.layer_cache --out /tmp/words_cache [--below 4] [--threads 2]

Writes OUT/{train,dev}_hidden.npy (fp16 [tokens, 384]), OUT/{train,dev}.npz (offsets, lengths,
the table's targets / masks / weights / groups, the shipped outputs) and OUT/{train,dev}.json
(texts). Needs onnx and onnxruntime.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import onnx
from tokenizers import Tokenizer

from app.scoring.words import pad_batch
from models.words.multitask_data import Table, dev_table, train_table

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def hidden_name(layer: int) -> str:
    return f"/net/encoder/encoder/layer.{layer}/output/LayerNorm/LayerNormalization_output_0"


def graph_with_hidden(model: Path, layer: int) -> bytes:
    """The shipped graph with layer `layer`'s output as an extra output `hidden`."""
    m = onnx.load(str(model))
    name = hidden_name(layer)
    if not any(name in n.output for n in m.graph.node):
        raise SystemExit(f"{model}: no tensor {name}")
    m.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    return m.SerializeToString()


def cache(table: Table, out: Path, tag: str, layer: int, max_tokens: int, threads: int) -> None:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.log_severity_level = 3
    sess = ort.InferenceSession(
        graph_with_hidden(HERE / "model.onnx", layer), opts, providers=["CPUExecutionProvider"]
    )
    tok = Tokenizer.from_file(str(HERE / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=max_tokens)
    n = len(table.texts)
    encodings = tok.encode_batch(table.texts)
    lengths = np.array([len(e.ids) for e in encodings], dtype=np.int64)
    offsets = np.r_[0, np.cumsum(lengths)[:-1]]
    hidden = np.lib.format.open_memmap(
        str(out / f"{tag}_hidden.npy"), mode="w+", dtype=np.float16, shape=(int(lengths.sum()), 384)
    )
    ids_flat = np.zeros(int(lengths.sum()), dtype=np.int32)
    frus = np.zeros(n, dtype=np.float32)
    emo = np.zeros((n, 28), dtype=np.float32)
    order = np.argsort(lengths, kind="stable")
    t0 = time.time()
    for b, start in enumerate(range(0, n, 64)):
        idx = order[start : start + 64]
        ids, mask = pad_batch([encodings[i] for i in idx])
        f, e, h = sess.run(
            ["frustration", "emotions", hidden_name(layer)],
            {"input_ids": ids, "attention_mask": mask},
        )
        frus[idx], emo[idx] = f, e
        for row, i in enumerate(idx):
            hidden[offsets[i] : offsets[i] + lengths[i]] = h[row, : lengths[i]]
            ids_flat[offsets[i] : offsets[i] + lengths[i]] = ids[row, : lengths[i]]
        if b % 100 == 0:
            print(f"{tag}: {start + len(idx)}/{n} texts, {time.time() - t0:.0f}s", flush=True)
    hidden.flush()
    np.savez(
        out / f"{tag}.npz",
        offsets=offsets,
        lengths=lengths,
        token_ids=ids_flat,
        frustration=frus,
        emotions=emo,
        **table.arrays(),
    )
    (out / f"{tag}.json").write_text(json.dumps(table.texts))
    print(f"{tag}: {n} texts, {int(lengths.sum())} tokens, {time.time() - t0:.0f}s", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    p.add_argument("--below", type=int, default=4, help="cache the output of this layer (0-5)")
    p.add_argument("--max-tokens", type=int, default=64, help="training texts are cut here")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--only", choices=("train", "dev"))
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.only != "train":
        cache(dev_table(args.data), args.out, "dev", args.below, 128, args.threads)
    if args.only != "dev":
        cache(train_table(args.data), args.out, "train", args.below, args.max_tokens, args.threads)


if __name__ == "__main__":
    main()
