#!/usr/bin/python3
"""Writes pylower.tsv.gz: every code point that Python 3.11's str.lower
changes, as "XXXX<TAB>YYYY ZZZZ" hex lines, the fixture behind
TestLowerMatchesPython (the Porter stemmer lower-cases as nltk does, with
str.lower). Run by hand with Debian's /usr/bin/python3; CI never runs it.
"""
import gzip
import os
import unicodedata

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pylower.tsv.gz")
with gzip.GzipFile(out, "wb", compresslevel=9, mtime=0) as f:
    f.write(("# unicodedata " + unicodedata.unidata_version + "\n").encode())
    for c in range(0x110000):
        if 0xD800 <= c < 0xE000:
            continue
        s = chr(c)
        low = s.lower()
        if low != s:
            f.write(("%04X\t%s\n" % (c, " ".join("%04X" % ord(x) for x in low))).encode())
