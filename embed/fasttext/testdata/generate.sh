#!/bin/sh
# Rebuild the fastText fixtures with Debian's fasttext 0.9.2 (CLI and
# python3-fasttext). Run by hand from this folder; tests never run it.
#   apt-get install fasttext python3-fasttext
set -eu
head -n 400 ../../sotu/sample.txt > corpus.txt
# A tiny skip-gram model: dim 8, 500 buckets, n-grams of 3-5 characters.
fasttext skipgram -input corpus.txt -output tiny -dim 8 -bucket 500 -minn 3 -maxn 5 \
    -minCount 3 -epoch 2 -thread 1 -seed 7 -verbose 0
rm -f tiny.vec
# A tiny model without n-grams (word2vec mode).
fasttext cbow -input corpus.txt -output nongram -dim 4 -maxn 0 -minCount 10 \
    -epoch 1 -thread 1 -verbose 0
rm -f nongram.vec
# A quantized classifier (.ftz) to check the clear error.
awk '{print (NR % 2 ? "__label__a " : "__label__b ") $0}' corpus.txt > labelled.txt
fasttext supervised -input labelled.txt -output clf -dim 4 -epoch 1 -verbose 0
fasttext quantize -input labelled.txt -output clf -qnorm -verbose 0
rm -f clf.bin clf.vec labelled.txt
# In-vocabulary and out-of-vocabulary words, vectors at full precision
# (python3-fasttext, the same C++ library) and as print-word-vectors
# prints them (5 significant digits).
printf '%s\n' the of congress united president war peace government \
    presidentially unconstitutionality zzzz q naïveté 日本語 '</s>' > words.txt
/usr/bin/python3 - <<'PY'
import fasttext, json
for name in ('tiny', 'nongram'):
    m = fasttext.load_model(name + '.bin')
    words = [w.rstrip('\n') for w in open('words.txt', encoding='utf-8')]
    out = {w: [float(x) for x in m.get_word_vector(w)] for w in words}
    out['#words'] = m.get_words(include_freq=False)[:20]
    out['#subwords'] = {w: list(m.get_subwords(w)[0]) for w in words}
    out['#subword_ids'] = {w: [int(i) for i in m.get_subwords(w)[1]] for w in words}
    with open(name + '.json', 'w', encoding='utf-8') as f:
        json.dump(out, f, ensure_ascii=False, indent=0)
PY
fasttext print-word-vectors tiny.bin < words.txt > tiny.printed.txt
rm -f corpus.txt
