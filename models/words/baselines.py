"""The two comparison approaches, on the same data as the shipped model: TF-IDF + logistic
regression, and a frozen all-MiniLM-L6-v2 (mean pooled, normalised) + logistic regression.
Both see the training text twice (clean and ASR-style); C is chosen on dev."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from tokenizers import Tokenizer
from torch import nn

from models.words.spoken_style import asr_style
from models.words.train_common import batches, load_encoder, log, make_tokenizer, report


@torch.no_grad()
def frozen_embeddings(encoder: nn.Module, tok: Tokenizer, texts: list[str], device: str):
    encoder.eval()
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), encoder.config.hidden_size), dtype=np.float32)
    for idx, ids, mask in batches(tok, texts, 512, order):
        ids, mask = ids.to(device), mask.to(device)
        hid = encoder(
            input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)
        ).last_hidden_state
        m = mask.unsqueeze(-1).float()
        pooled = torch.nn.functional.normalize((hid * m).sum(1) / m.sum(1), dim=-1)
        out[idx] = pooled.cpu().numpy()
    return out


def logistic_on_dev(x_tr, y_tr, x_dev, y_dev, grid=(0.3, 1.0, 3.0, 10.0)):
    best = None
    for c in grid:
        clf = LogisticRegression(C=c, max_iter=2000).fit(x_tr, y_tr)
        auc = roc_auc_score(y_dev, clf.decision_function(x_dev))
        if best is None or auc > best[0]:
            best = (auc, c, clf)
    log(f"  chose C={best[1]} (dev AUC {best[0]:.4f})")
    return best[2]


def comparisons(args, data: dict, device: str) -> dict:
    """The two other approaches, same train data (clean + ASR-style copy), C chosen on dev."""
    y_tr = np.array(data["train"].frustrated * 2)
    tr_texts = data["train"].texts + [asr_style(t) for t in data["train"].texts]
    y_dev, y_te = np.array(data["dev"].frustrated), np.array(data["test"].frustrated)
    res: dict = {}
    log("TF-IDF (1-2 grams) + logistic regression")
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=200_000)
    clf = logistic_on_dev(
        vec.fit_transform(tr_texts), y_tr, vec.transform(data["dev"].texts), y_dev
    )
    res["tfidf_lr"] = {
        "test_clean": report(
            "test clean", y_te, clf.decision_function(vec.transform(data["test"].texts))
        ),
        "test_asr": report(
            "test ASR-style", y_te, clf.decision_function(vec.transform(data["test_asr"]))
        ),
    }
    log("frozen all-MiniLM-L6-v2 (mean pooled) + logistic regression")
    enc = load_encoder(args.encoder).to(device)
    tok = make_tokenizer(args.encoder, args.max_len)
    clf = logistic_on_dev(
        frozen_embeddings(enc, tok, tr_texts, device),
        y_tr,
        frozen_embeddings(enc, tok, data["dev"].texts, device),
        y_dev,
    )
    res["frozen_minilm_lr"] = {
        "test_clean": report(
            "test clean",
            y_te,
            clf.decision_function(frozen_embeddings(enc, tok, data["test"].texts, device)),
        ),
        "test_asr": report(
            "test ASR-style",
            y_te,
            clf.decision_function(frozen_embeddings(enc, tok, data["test_asr"], device)),
        ),
    }
    return res
