#!/usr/bin/python3
"""Writes english_libstemmer.tsv.gz: the Snowball English (Porter2) stems
that libstemmer 2.2 (Debian's python3-stemmer, PyStemmer) gives for the
word list of gen_porter.py, the fixture behind TestEnglishMatchesLibstemmer.

Run by hand with Debian's python3; CI never runs it:

    /usr/bin/python3 tokenize/stem/testdata/gen_english.py

Each line is the word and its stem, separated by a tab; a stem equal to
the word is written as "=".
"""

import gzip
import os

import Stemmer

from gen_porter import HERE, word_list


def main():
    st = Stemmer.Stemmer("english")
    out = os.path.join(HERE, "english_libstemmer.tsv.gz")
    words = word_list()
    with gzip.GzipFile(out, "wb", compresslevel=9, mtime=0) as f:
        for w in words:
            s = st.stemWord(w)
            f.write(("%s\t%s\n" % (w, "=" if s == w else s)).encode("utf-8"))
    print(out, len(words), "words")


if __name__ == "__main__":
    main()
