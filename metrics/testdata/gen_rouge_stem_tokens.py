#!/usr/bin/python3
"""Writes rouge_stem_tokens.json: the tokens rouge-score's default tokenizer
gives with use_stemmer=True, for every text of rouge_score.json.

rouge_score.json holds no case whose score changes with stemming, so this
file checks the stemmed tokens directly. rouge-score is not installable on
this machine; its tokenizer (rouge_score/tokenize.py, 0.1.2) is the
three regular-expression steps below, and its stemmer is nltk's
PorterStemmer() (NLTK_EXTENSIONS) applied to tokens longer than 3
characters. Run with Debian's Python (python3-nltk 3.8):
    /usr/bin/python3 metrics/testdata/gen_rouge_stem_tokens.py
CI never runs this; the output is committed.
"""
import json
import os
import re

import nltk
from nltk.stem import porter

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "rouge_score.json")) as f:
    src = json.load(f)

stemmer = porter.PorterStemmer()


def tokenize(text):
    text = text.lower()
    text = re.sub(r"[^a-z0-9]+", " ", text)
    tokens = re.split(r"\s+", text)
    tokens = [stemmer.stem(x) if len(x) > 3 else x for x in tokens]
    return [x for x in tokens if re.match(r"^[a-z0-9]+$", x)]


texts = []
for c in src["cases"]:
    for k in ("target", "prediction"):
        if k in c:
            texts.append(c[k])
    texts.extend(c.get("targets", []))
texts.append("Connections, connected and connecting: the runners were running generously; "
             "skies, dying, news and innings are irregular. Relational conditional rationalization!")
seen = set()
cases = []
for t in texts:
    if t in seen:
        continue
    seen.add(t)
    cases.append({"text": t, "tokens": tokenize(t)})
out = {
    "tool": "rouge-score 0.1.2 default tokenizer with nltk PorterStemmer (NLTK_EXTENSIONS)",
    "nltk_version": nltk.__version__,
    "generator": "gen_rouge_stem_tokens.py (texts of rouge_score.json)",
    "cases": cases,
}
with open(os.path.join(here, "rouge_stem_tokens.json"), "w") as f:
    json.dump(out, f, ensure_ascii=False, indent=0)
