#!/usr/bin/python3
"""Train gensim 4.2.0 (Debian python3-gensim) Word2Vec or FastText and report
its training speed; used by embeddings_compare.py.

    /usr/bin/python3 embeddings_gensim.py CORPUS OUT.vec --model word2vec|fasttext
        [--sg 1] [--dim 100] [--window 5] [--neg 5] [--epochs 5] [--min-count 5]
        [--sample 1e-4] [--lr 0.025] [--threads 2] [--seed 1] [--bucket 2000000]

Prints one JSON line: raw corpus words, training seconds (train() only) and
wall seconds (reading, vocabulary, training and saving).
"""
import argparse
import json
import logging
import time

from gensim.models import FastText, Word2Vec
from gensim.models.word2vec import LineSentence


def main():
    p = argparse.ArgumentParser()
    p.add_argument('corpus')
    p.add_argument('out')
    p.add_argument('--model', default='word2vec')
    p.add_argument('--sg', type=int, default=1)
    p.add_argument('--dim', type=int, default=100)
    p.add_argument('--window', type=int, default=5)
    p.add_argument('--neg', type=int, default=5)
    p.add_argument('--epochs', type=int, default=5)
    p.add_argument('--min-count', type=int, default=5)
    p.add_argument('--sample', type=float, default=1e-4)
    p.add_argument('--lr', type=float, default=0.025)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--bucket', type=int, default=2000000)
    p.add_argument('--minn', type=int, default=3)
    p.add_argument('--maxn', type=int, default=6)
    a = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    t0 = time.time()
    sents = list(LineSentence(a.corpus))
    common = dict(vector_size=a.dim, window=a.window, negative=a.neg, epochs=a.epochs,
                  min_count=a.min_count, sample=a.sample, alpha=a.lr, workers=a.threads,
                  sg=a.sg, seed=a.seed)
    if a.model == 'word2vec':
        m = Word2Vec(**common)
    else:
        m = FastText(min_n=a.minn, max_n=a.maxn, bucket=a.bucket, **common)
    m.build_vocab(sents)
    t1 = time.time()
    m.train(sents, total_examples=m.corpus_count, epochs=m.epochs)
    t2 = time.time()
    m.wv.save_word2vec_format(a.out)
    t3 = time.time()
    words = sum(len(s) for s in sents)
    print(json.dumps({'words': words, 'epochs': a.epochs, 'train_s': t2 - t1, 'wall_s': t3 - t0}))


if __name__ == '__main__':
    main()
