#!/usr/bin/python3
"""Make the evaluation fixture: vectors trained by gensim 4.2.0 on
embed/sotu/sample.txt, and gensim's own scores for them on embed/sotu's
analogy and similarity files. Run by hand from this folder with Debian's
/usr/bin/python3 (python3-gensim); tests never run it.
"""
import json

import numpy as np
from gensim.models import Word2Vec, KeyedVectors
from gensim.models.word2vec import LineSentence

sents = list(LineSentence('../../sotu/sample.txt'))
m = Word2Vec(sents, vector_size=12, window=5, min_count=3, epochs=30, workers=1, seed=1, sg=1)
# Write the vectors with 6 significant digits, then score what was written.
with open('sample.vec', 'w') as f:
    f.write('%d %d\n' % (len(m.wv.index_to_key), m.wv.vector_size))
    for w in m.wv.index_to_key:
        f.write(w + ' ' + ' '.join('%.6g' % x for x in m.wv[w]) + '\n')
kv = KeyedVectors.load_word2vec_format('sample.vec')
out = {}
for restrict in (300000, 1000):
    acc, sections = kv.evaluate_word_analogies('../../sotu/analogies.txt', restrict_vocab=restrict)
    total = next(s for s in sections if s['section'] == 'Total accuracy')
    out['analogies_%d' % restrict] = {'accuracy': acc, 'correct': len(total['correct']),
                                      'total': len(total['correct']) + len(total['incorrect'])}
# Top answer of every asked question, by 3CosAdd and 3CosMul, leaving out
# the three question words (as evaluate_word_analogies does).
preds = []
vn = kv.get_normed_vectors()
for line in open('../../sotu/analogies.txt'):
    if line.startswith(':'):
        continue
    a, b, c, d = line.split()
    if not all(w in kv.key_to_index for w in (a, b, c, d)):
        continue
    add = [w for w, _ in kv.most_similar(positive=[b, c], negative=[a], topn=5) if w not in (a, b, c)][0]
    # gensim's most_similar_cosmul uses epsilon 1e-6; Levy and Goldberg's
    # 3CosMul (and goformer) use 0.001, computed here with numpy.
    ia, ib, ic = (kv.key_to_index[w] for w in (a, b, c))
    cos = lambda i: (1 + vn @ vn[i]) / 2
    scores = cos(ib) * cos(ic) / (cos(ia) + 0.001)
    scores[[ia, ib, ic]] = -np.inf
    mul = kv.index_to_key[int(np.argmax(scores))]
    preds.append([a, b, c, add, mul])
out['predictions'] = preds
pearson, spearman, oov = kv.evaluate_word_pairs('../../sotu/similarity.txt')
out['similarity'] = {'pearson': pearson[0], 'spearman': spearman[0], 'oov_percent': oov}
with open('gensim_scores.json', 'w') as f:
    json.dump(out, f, indent=1)
print(out)
