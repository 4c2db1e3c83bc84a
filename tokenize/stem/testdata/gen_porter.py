#!/usr/bin/python3
"""Writes porter_nltk.tsv.gz: nltk 3.8's PorterStemmer output in its three
modes on a large word list, the fixture behind TestPorterMatchesNLTK.

Run by hand with Debian's python3 (python3-nltk 3.8, snowball-data,
wamerican); CI never runs it:

    /usr/bin/python3 tokenize/stem/testdata/gen_porter.py

Each line is: word, NLTK_EXTENSIONS stem, MARTIN_EXTENSIONS stem,
ORIGINAL_ALGORITHM stem, NLTK_EXTENSIONS stem with to_lowercase=False,
separated by tabs. A column that equals the NLTK_EXTENSIONS column is
written as "=" to keep the file small.

The words are the union of
  - /usr/share/snowball/data/porter/voc.txt and english/voc.txt (BSD-3),
  - /usr/share/dict/words from Debian's wamerican (SCOWL, see LICENSE.scowl),
  - each of those in Title and UPPER case for the first 3000 words,
  - 30000 random strings (seed 1) built from letters, suffix fragments the
    rules look for, upper-case and non-ASCII letters (é, ß, ı, İ, Σ, ς, ÿ),
    digits, apostrophes and a literal "*d" (nltk's step 1b quirk).
"""

import gzip
import os
import random

from nltk.stem.porter import PorterStemmer

HERE = os.path.dirname(os.path.abspath(__file__))


def read_words(path):
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def random_words(n, seed):
    rng = random.Random(seed)
    pieces = (
        list("abcdefghijklmnopqrstuvwxyz")
        + list("aeiouyyy")
        + [
            "ational", "tional", "enci", "anci", "izer", "abli", "bli", "alli",
            "entli", "eli", "ousli", "ization", "ation", "ator", "alism",
            "iveness", "fulness", "ousness", "aliti", "iviti", "biliti",
            "fulli", "logi", "icate", "ative", "alize", "iciti", "ical", "ful",
            "ness", "al", "ance", "ence", "er", "ic", "able", "ible", "ant",
            "ement", "ment", "ent", "sion", "tion", "ion", "ou", "ism", "ate",
            "iti", "ous", "ive", "ize", "sses", "ies", "ied", "ss", "s", "eed",
            "ed", "ing", "at", "bl", "iz", "ll", "ss", "zz", "tt", "e", "y",
            "*d", "'", "1", "9",
        ]
        + ["A", "E", "Y", "S", "ING", "ED"]
        + ["é", "ß", "ı", "İ", "Σ", "ς", "ÿ", "ñ", "ö", "σ", "ά"]
    )
    out = []
    for _ in range(n):
        k = rng.randint(1, 7)
        out.append("".join(rng.choice(pieces) for _ in range(k)))
    return out


def word_list():
    """Returns the fixture's words, without duplicates, in a fixed order."""
    words = []
    for path in (
        "/usr/share/snowball/data/porter/voc.txt",
        "/usr/share/snowball/data/english/voc.txt",
        "/usr/share/dict/words",
    ):
        ws = read_words(path)
        words += ws
        words += [w.title() for w in ws[:3000]]
        words += [w.upper() for w in ws[:3000]]
    words += random_words(30000, 1)
    words += ["", "y", "yy", "yyyyyyy", "ay", "ayyyyy", "a*ded", "İİİ", "ΣΑΣ", "ΟΔΟΣ", "dies"]

    seen = set()
    uniq = []
    for w in words:
        if w not in seen and "\t" not in w and "\n" not in w:
            seen.add(w)
            uniq.append(w)
    return uniq


def main():
    uniq = word_list()
    nltk = PorterStemmer(PorterStemmer.NLTK_EXTENSIONS)
    martin = PorterStemmer(PorterStemmer.MARTIN_EXTENSIONS)
    orig = PorterStemmer(PorterStemmer.ORIGINAL_ALGORITHM)

    out = os.path.join(HERE, "porter_nltk.tsv.gz")
    with gzip.GzipFile(out, "wb", compresslevel=9, mtime=0) as f:
        for w in uniq:
            a = nltk.stem(w)
            cols = [w, a]
            for b in (martin.stem(w), orig.stem(w), nltk.stem(w, to_lowercase=False)):
                cols.append("=" if b == a else b)
            f.write(("\t".join(cols) + "\n").encode("utf-8"))
    print(out, len(uniq), "words")


if __name__ == "__main__":
    main()
