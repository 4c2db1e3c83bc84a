#!/usr/bin/python3
"""Generates the SentencePiece BPE fixtures of tokenize/unigram.

Run from the repository root with Debian's python3-sentencepiece 0.1.97 and
Go (for markunused):

    /usr/bin/python3 tokenize/unigram/testdata/generate_bpe.py

It trains BPE models (model_type=bpe) with sentencepiece's own trainer on
the committed sotu_small.txt, writes a copy of one with a few merged pieces
marked UNUSED (markunused/, since sentencepiece's trainer cannot), and
records what sentencepiece makes of the varied texts of generate.py, the
hard-case corpus of tokenize/testdata/hard (literal special tokens, ties,
long runs, Unicode) and a slice of the training sentences, in
expected_bpe.json.gz. CI never runs it; the outputs are committed.
"""
import gzip
import json
import os
import subprocess
import sys

import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, HERE)
from generate import SPECIAL, immutable  # noqa: E402

# Merged pieces of sotu_bpe_bytefb marked UNUSED in sotu_bpe_unused.
UNUSED = ["▁the", "ing", "▁of", "er", "ation"]


def train(name, corpus, **kw):
    prefix = os.path.join(HERE, name)
    args = dict(input=corpus, model_prefix=prefix, model_type="bpe", num_threads=2)
    args.update(kw)
    spm.SentencePieceTrainer.train(**args)
    os.remove(prefix + ".vocab")
    return prefix + ".model"


def main():
    small = os.path.join(HERE, "sotu_small.txt")
    train("sotu_bpe_1k", small, vocab_size=1000)
    # identity normalization keeps the file small (no character map).
    train("sotu_bpe_bytefb", small, vocab_size=800, byte_fallback=True,
          split_digits=True, user_defined_symbols=["<sep>", "[MASK]"],
          control_symbols=["<cls>"], normalization_rule_name="identity")
    subprocess.run(["go", "run", "./tokenize/unigram/testdata/markunused",
                    os.path.join(HERE, "sotu_bpe_bytefb.model"),
                    os.path.join(HERE, "sotu_bpe_unused.model")] + UNUSED,
                   check=True, cwd=ROOT)

    with gzip.open(os.path.join(ROOT, "tokenize/testdata/hard/corpus.json.gz")) as f:
        hard = [d for d in json.load(f) if len(d) <= 3000]
    with open(small, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f][::50]
    texts = SPECIAL + hard + lines
    expected = {}
    for name in ["sotu_bpe_1k", "sotu_bpe_bytefb", "sotu_bpe_unused"]:
        sp = spm.SentencePieceProcessor(model_file=os.path.join(HERE, name + ".model"))
        rows = []
        for t in texts:
            r = {"text": t}
            r.update(immutable(sp, t))
            r["decoded"] = sp.decode(r["ids"])
            rows.append(r)
        expected[name] = rows
    with gzip.open(os.path.join(HERE, "expected_bpe.json.gz"), "wt", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    sys.exit(main())
