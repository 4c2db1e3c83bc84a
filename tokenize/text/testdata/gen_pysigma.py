#!/usr/bin/python3
"""Writes pysigma.tsv.gz, the fixture behind TestLowerFinalSigmaMatchesPython:
for every code point c assigned in Python 3.11's Unicode (14.0), whether
str.lower turns the capital sigma into final sigma in "Α"+c+"Σ", "ΑΣ"+c and
c+"Σ", as runs "first<TAB>last<TAB>flags" (hex code points; flags is three
0/1 digits). Python, like Rust's str::to_lowercase, skips case-ignorable
characters greedily on both sides of the sigma. Run by hand with
/usr/bin/python3; CI never runs it."""
import gzip
import os
import unicodedata

runs = []
for c in range(0x110000):
    if 0xD800 <= c < 0xE000 or unicodedata.category(chr(c)) == "Cn":
        continue
    s = chr(c)
    flags = "".join("1" if t.lower().endswith("ς") or "ς" in t.lower() else "0"
                    for t in ("Α" + s + "Σ", "ΑΣ" + s, s + "Σ"))
    if runs and runs[-1][1] == c - 1 and runs[-1][2] == flags:
        runs[-1][1] = c
    else:
        runs.append([c, c, flags])
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pysigma.tsv.gz")
with gzip.GzipFile(out, "wb", compresslevel=9, mtime=0) as f:
    f.write(("# unicodedata %s\n" % unicodedata.unidata_version).encode())
    for a, b, fl in runs:
        f.write(("%X\t%X\t%s\n" % (a, b, fl)).encode())
