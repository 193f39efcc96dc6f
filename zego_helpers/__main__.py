"""Entry point for ``python -m zego_helpers``; see :mod:`zego_helpers.cli`."""

from .cli import main

raise SystemExit(main())
