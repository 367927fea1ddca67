"""``python -m tconv``: the same as the ``tconv`` command."""

from .cli import main

raise SystemExit(main())
