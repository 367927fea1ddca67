"""How many images of a batch the fast engines process at once: enough to fill, not overflow, the caches.

The GEMM engines stream their temporaries (im2col copies, products, accumulators) through NumPy operations that
run at memory speed when the temporaries are larger than the caches and several times faster when they fit.
Chunking the batch so that one chunk's temporaries take about :data:`CACHE_BYTES` was measured on the benchmark
layers (docs/benchmarks.md) with 1, 4, 16 and 64 MiB: 4 MiB was fastest or within noise of the fastest on every
layer (1 MiB L2 per core, 32 MiB shared L3 on the benchmark machine), and up to 1.7× faster than 64 MiB.
"""

from __future__ import annotations

CACHE_BYTES = 4 << 20


def chunk_size(batch: int, per_image_bytes: int) -> int:
    """Images per chunk: as many as fit in :data:`CACHE_BYTES`, at least one, at most the batch.

    >>> chunk_size(16, 1 << 20), chunk_size(16, 64 << 20), chunk_size(2, 1)
    (4, 1, 2)
    """
    return max(1, min(batch, CACHE_BYTES // max(1, per_image_bytes)))
