#!/usr/bin/python3
"""Writes lemmas_nltk.tsv.gz, the fixture behind TestLemmatizeMatchesNLTK:
nltk 3.8's WordNetLemmatizer().lemmatize(word, pos) for pos n, v, a, r and s
on a large word list, as "word<TAB>n<TAB>v<TAB>a<TAB>r<TAB>s" lines, sorted, where a
lemma equal to the word is written as "=".

The words (seeded, reproducible) are: every WordNet lemma and every form in
the exception lists; Debian's wamerican word list (SCOWL, see
../../stem/testdata/LICENSE.scowl); regular inflections (-s, -es, -ies, -ed,
-ing with and without a doubled consonant, -er, -est, -men, -ves) of 12,000
sampled lemmas; and 3,000 random strings, some of them long chains of
suffixes. Run by hand with Debian's python3; CI never runs it:

    /usr/bin/python3 tokenize/lemma/testdata/gen_lemmas.py
"""
import gzip
import os
import random
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "data"))
from gen_data import open_wordnet  # noqa: E402

import nltk.stem.wordnet  # noqa: E402
from nltk.stem import WordNetLemmatizer  # noqa: E402


def inflections(w, rng):
    out = [w + "s", w + "es", w + "ed", w + "ing", w + "er", w + "est", w + "d", w + "r", w + "st"]
    if w.endswith("y"):
        out += [w[:-1] + "ies", w[:-1] + "ied", w[:-1] + "ier", w[:-1] + "iest"]
    if w.endswith("e"):
        out += [w[:-1] + "ing", w[:-1] + "ed"]
    if w.endswith("man"):
        out.append(w[:-3] + "men")
    if w.endswith("f") or w.endswith("fe"):
        out.append(w.rsplit("f", 1)[0] + "ves")
    if len(w) > 2 and w[-1] not in "aeiouywx":
        out += [w + w[-1] + "ing", w + w[-1] + "ed", w + w[-1] + "er"]
    return out


def main():
    wn, tmp = open_wordnet()
    try:
        nltk.stem.wordnet.wn = wn
        wnl = WordNetLemmatizer()
        rng = random.Random(11)
        lemmas = sorted(wn._lemma_pos_offset_map)
        words = list(lemmas)
        for pos in "nvar":
            words += sorted(wn._exception_map[pos])
        with open("/usr/share/dict/words", encoding="utf-8") as f:
            words += [line.strip() for line in f if line.strip()]
        for w in rng.sample(lemmas, 12000):
            words += inflections(w, rng)
        pieces = ["s", "es", "ses", "ves", "xes", "zes", "ches", "shes", "men", "ies",
                  "ed", "ing", "er", "est", "e", "y", "a", "o", "x", "ch", "man", "_", "-",
                  "é", "ß", "İ", "Σ", "1"]
        for i in range(3000):
            k = rng.randint(1, 6) if i < 2900 else rng.randint(20, 60)
            words.append(rng.choice(["", "b", "run", "go", "child", "wom", "happ"]) +
                         "".join(rng.choice(pieces) for _ in range(k)))
        words = sorted(w for w in set(words) if "\t" not in w and "\n" not in w)
        out = os.path.join(HERE, "lemmas_nltk.tsv.gz")
        with gzip.GzipFile(out, "wb", compresslevel=9, mtime=0) as f:
            for w in words:
                cols = [w]
                for pos in "nvars":
                    lemma = wnl.lemmatize(w, pos)
                    cols.append("=" if lemma == w else lemma)
                f.write(("\t".join(cols) + "\n").encode("utf-8"))
        print(out, len(words), "words")
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
