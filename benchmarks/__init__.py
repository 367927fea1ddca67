"""The benchmark suite: ``python -m benchmarks`` (the same as ``tconv bench``); results in docs/benchmarks.md."""
