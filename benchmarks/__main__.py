"""``python -m benchmarks [--rounds N] [--only TEXT] [--no-memory] [--onnx-bound S] [--json FILE]``."""

import sys

from tconv.bench import main

raise SystemExit(main(sys.argv[1:]))
