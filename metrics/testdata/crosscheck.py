#!/usr/bin/python3
"""Reference side of metrics/crosscheck_long_test.go (build tag long).

Reads a JSON request on standard input and answers on standard output with
what nltk 3.8 and scikit-learn 1.2.1 (Debian's /usr/bin/python3) compute:
  {"nltk": [{"refs": [[tok...]...], "hyp": [tok...]}...],
   "nltk_corpus": [{"refs": [...], "hyps": [...]}...],
   "sklearn": [{"y_true": [...], "y_pred": [...]}...]}
Errors that the tools raise are returned as {"error": "..."}.
"""
import json
import sys
import warnings

from nltk.translate.bleu_score import SmoothingFunction, corpus_bleu, sentence_bleu
from sklearn.metrics import (accuracy_score, f1_score, matthews_corrcoef,
                             precision_recall_fscore_support)

warnings.simplefilter("ignore")
req = json.load(sys.stdin)
sf = SmoothingFunction()
methods = [getattr(sf, f"method{i}") for i in range(8)]


def attempt(fn):
    try:
        return fn()
    except Exception as e:  # recorded as the tool's answer
        return {"error": f"{type(e).__name__}: {e}"}


out = {"nltk": [], "nltk_corpus": [], "sklearn": []}
for c in req.get("nltk", []):
    out["nltk"].append([attempt(lambda m=m: sentence_bleu(c["refs"], c["hyp"], smoothing_function=m)) for m in methods])
for c in req.get("nltk_corpus", []):
    out["nltk_corpus"].append([attempt(lambda m=m: corpus_bleu(c["refs"], c["hyps"], smoothing_function=m)) for m in methods])
for c in req.get("sklearn", []):
    yt, yp = c["y_true"], c["y_pred"]
    r = {"accuracy": accuracy_score(yt, yp), "mcc": matthews_corrcoef(yt, yp)}
    for avg in ("micro", "macro", "weighted"):
        p, rc, f, _ = precision_recall_fscore_support(yt, yp, average=avg, zero_division=0)
        r[avg] = [p, rc, f, f1_score(yt, yp, average=avg, zero_division=0)]
        r[avg + "_b2"] = precision_recall_fscore_support(yt, yp, average=avg, beta=2, zero_division=0)[2]
    out["sklearn"].append(r)
json.dump(out, sys.stdout)
