#!/usr/bin/python3
"""Writes the embedded WordNet data of package lemma, read through nltk 3.8's
own WordNetCorpusReader so that the package sees exactly what nltk sees:

  lemmas.txt.gz      every lemma of WordNet 3.0's index files with the parts
                     of speech it has, as "lemma<TAB>letters" lines (n, v, a,
                     r; sorted by lemma);
  exceptions.txt.gz  the morphy exception lists, as "pos<TAB>form<TAB>lemma
                     lemma..." lines, after nltk resolved duplicate forms (the
                     last line wins).

The data is Debian's wordnet-base 1:3.0-37 (/usr/share/wordnet), under the
WordNet licence in LICENSE.wordnet. nltk needs a lexnames file that Debian
does not ship; this script writes the standard 45-line one into a temporary
copy of the directory. Run by hand with Debian's python3 (python3-nltk,
wordnet-base); CI never runs it:

    /usr/bin/python3 tokenize/lemma/data/gen_data.py
"""
import gzip
import os
import shutil
import sys
import tempfile

from nltk.corpus.reader.wordnet import WordNetCorpusReader

HERE = os.path.dirname(os.path.abspath(__file__))
WORDNET = "/usr/share/wordnet"

LEXNAMES = """adj.all 3
adj.pert 3
adv.all 4
noun.Tops 1
noun.act 1
noun.animal 1
noun.artifact 1
noun.attribute 1
noun.body 1
noun.cognition 1
noun.communication 1
noun.event 1
noun.feeling 1
noun.food 1
noun.group 1
noun.location 1
noun.motive 1
noun.object 1
noun.person 1
noun.phenomenon 1
noun.plant 1
noun.possession 1
noun.process 1
noun.quantity 1
noun.relation 1
noun.shape 1
noun.state 1
noun.substance 1
noun.time 1
verb.body 2
verb.change 2
verb.cognition 2
verb.communication 2
verb.competition 2
verb.consumption 2
verb.contact 2
verb.creation 2
verb.emotion 2
verb.motion 2
verb.perception 2
verb.possession 2
verb.social 2
verb.stative 2
verb.weather 2
adj.ppl 3
"""


def open_wordnet():
    """Returns an nltk WordNetCorpusReader on a temporary copy of WORDNET
    with a lexnames file added, and the copy's directory."""
    tmp = tempfile.mkdtemp(prefix="wordnet-")
    for name in os.listdir(WORDNET):
        shutil.copy(os.path.join(WORDNET, name), tmp)
    with open(os.path.join(tmp, "lexnames"), "w") as f:
        for i, line in enumerate(LEXNAMES.splitlines()):
            name, cat = line.split()
            f.write("%02d\t%s\t%s\n" % (i, name, cat))
    return WordNetCorpusReader(tmp, None), tmp


def main():
    wn, tmp = open_wordnet()
    try:
        lemmas = wn._lemma_pos_offset_map
        with gzip.GzipFile(os.path.join(HERE, "lemmas.txt.gz"), "wb", compresslevel=9, mtime=0) as f:
            for lemma in sorted(lemmas):
                poses = lemmas[lemma]
                letters = "".join(p for p in "nvar" if p in poses)
                assert ("s" in poses) == ("a" in poses), lemma
                assert set(poses) <= set("nvars"), (lemma, poses)
                assert "\t" not in lemma and "\n" not in lemma and lemma.strip() == lemma
                f.write(("%s\t%s\n" % (lemma, letters)).encode("utf-8"))
        exc = wn._exception_map
        assert exc["s"] is exc["a"]
        with gzip.GzipFile(os.path.join(HERE, "exceptions.txt.gz"), "wb", compresslevel=9, mtime=0) as f:
            for pos in "nvar":
                for form in sorted(exc[pos]):
                    f.write(("%s\t%s\t%s\n" % (pos, form, " ".join(exc[pos][form]))).encode("utf-8"))
        print(len(lemmas), "lemmas;", {p: len(exc[p]) for p in "nvar"}, "exceptions")
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    sys.exit(main())
