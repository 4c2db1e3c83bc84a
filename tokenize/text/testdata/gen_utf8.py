#!/usr/bin/python3
"""Writes utf8_replace.tsv.gz: random byte strings (seed 7) and Python's
bytes.decode("utf-8", errors="replace") of each, both hex-encoded, the
fixture behind TestToValidUTF8MatchesPython. Run by hand with
/usr/bin/python3; CI never runs it."""
import gzip
import os
import random

rng = random.Random(7)
# Bytes chosen to hit every row of Unicode's table 3-7 and its edges.
alphabet = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2,
            0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
cases = []
for _ in range(20000):
    n = rng.randint(1, 8)
    cases.append(bytes(rng.choice(alphabet) for _ in range(n)))
for s in ["é", "€", "😀", "\ud7ff", "\ue000", "\U0010ffff"]:
    b = s.encode("utf-8", "surrogatepass")
    for k in range(1, len(b) + 1):
        cases.append(b[:k])
        cases.append(b"x" + b[:k] + b"y")
cases += [b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe0\x80\xaf", b"\xc0\xaf"]
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "utf8_replace.tsv.gz")
with gzip.GzipFile(out, "wb", compresslevel=9, mtime=0) as f:
    for b in dict.fromkeys(cases):
        f.write(("%s\t%s\n" % (b.hex(), b.decode("utf-8", "replace").encode("utf-8").hex())).encode())
