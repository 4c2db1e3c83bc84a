"""The set-up every PyTorch side of the comparisons shares (import it from
the scripts beside it): limit torch, and the BLAS under it, to the threads
goformer gets, say which torch runs on stderr, and seed torch."""
import sys

import torch


def limit(threads):
    """Run torch and its BLAS (through threadpoolctl, when installed) on
    threads threads, print the torch version and thread count to stderr,
    and seed torch with 0."""
    torch.set_num_threads(threads)
    try:
        import threadpoolctl

        threadpoolctl.threadpool_limits(threads)
    except ImportError:
        pass
    print(f"# torch {torch.__version__} threads={torch.get_num_threads()}", file=sys.stderr)
    torch.manual_seed(0)
