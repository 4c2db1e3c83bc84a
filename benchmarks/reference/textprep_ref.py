#!/usr/bin/python3
"""Times the Python references of the text-preprocessing benchmarks on the
workloads of benchmarks/textprep_test.go (rebuilt here exactly) and prints
one line per case: "name value unit". Run from benchmarks/ with Debian's
python3 (python3-nltk 3.8, python3-stemmer 2.2, wordnet-base):

    /usr/bin/python3 reference/textprep_ref.py
"""
import gzip
import os
import shutil
import sys
import time
import unicodedata

import Stemmer
from nltk.stem import PorterStemmer, SnowballStemmer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tokenize", "lemma", "data"))
from gen_data import open_wordnet  # noqa: E402

TEMPLATE = ("The 3 quick brown foxes jumped over 1,250 lazy dogs in 1999; "
            "Ångström's café served crème brûlée for $4.50.  Η γρήγορη καφέ αλεπού.\t"
            "Съешь же ещё этих мягких французских булок. 敏捷的棕色狐狸跳过了懒狗。 😀👍\n")
TEXT = TEMPLATE * 4500
NBYTES = len(TEXT.encode("utf-8"))


def vocabulary():
    words = []
    for name in ("snowball_english.tsv.gz", "snowball_porter.tsv.gz"):
        with gzip.open(os.path.join(ROOT, "tokenize", "stem", "testdata", name), "rt", encoding="utf-8") as f:
            words += [line.split("\t", 1)[0] for line in f]
    assert len(words) == 59845, len(words)
    return words


def timed(fn, reps):
    """Runs fn reps times and returns the total wall-clock and CPU seconds
    (time.process_time: less disturbed by other work on a shared machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(reps):
        fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main():
    words = vocabulary()
    n = len(words)

    def words_case(name, fn, reps=3):
        wall, cpu = timed(fn, reps)
        print("%s %.0f words/s" % (name, reps * n / wall))
        print("%s %.0f words/cpu-s" % (name, reps * n / cpu), flush=True)

    def text_case(name, fn, reps=20):
        wall, cpu = timed(fn, reps)
        print("%s %.2f MB/s" % (name, reps * NBYTES / wall / 1e6))
        print("%s %.2f MB/cpu-s" % (name, reps * NBYTES / cpu / 1e6), flush=True)

    p = PorterStemmer()
    words_case("porter-nltk nltk", lambda: [p.stem(w) for w in words])
    po = PorterStemmer(PorterStemmer.ORIGINAL_ALGORITHM)
    words_case("porter-original nltk", lambda: [po.stem(w) for w in words])
    st = Stemmer.Stemmer("english")
    st.maxCacheSize = 0  # every word is new to the stemmer, as in the Go benchmark
    words_case("english pystemmer-c", lambda: st.stemWords(words))
    ss = SnowballStemmer("english")
    words_case("english nltk", lambda: [ss.stem(w) for w in words])

    wn, tmp = open_wordnet()
    try:
        import nltk.stem.wordnet
        nltk.stem.wordnet.wn = wn
        wnl = nltk.stem.wordnet.WordNetLemmatizer()
        wnl.lemmatize("warm", "n")
        words_case("lemma-noun-verb nltk", lambda: [(wnl.lemmatize(w, "n"), wnl.lemmatize(w, "v")) for w in words])
    finally:
        shutil.rmtree(tmp)

    text_case("lower cpython", lambda: TEXT.lower())
    text_case("casefold cpython", lambda: TEXT.casefold())
    text_case("nfc cpython", lambda: unicodedata.normalize("NFC", TEXT))
    text_case("nfd cpython", lambda: unicodedata.normalize("NFD", TEXT))
    text_case("nfkc cpython", lambda: unicodedata.normalize("NFKC", TEXT))

    def strip_accents():
        d = unicodedata.normalize("NFD", TEXT)
        return unicodedata.normalize("NFC", "".join(c for c in d if unicodedata.category(c) != "Mn"))
    text_case("strip-accents cpython", strip_accents)


if __name__ == "__main__":
    main()
