"""Entry point for ``python -m zego_helpers``; see :mod:`zego_helpers.cli`.

The kit's commands need the libraries in ``requirements.txt``, which ``make venv``
(or ``make lab``) installs into the kit's own ``.venv``. Run with another Python (say
``python3 -m zego_helpers doctor`` from a plain shell), the first missing library
would end the command with a long traceback; instead it says what to do.
"""

import shlex
import sys


def _missing_library_message(error: ModuleNotFoundError) -> str:
    """What to do when this Python lacks one of the kit's libraries."""
    again = shlex.join([".venv/bin/zego-kit", *sys.argv[1:]])
    return (
        f"error: this Python ({sys.executable}) lacks the library {error.name!r} the kit needs.\n"
        "The kit's commands run from its own environment, .venv. In the kit's folder, create it "
        "once with `make venv` (or `make lab`), then run:\n"
        f"  {again}"
    )


try:
    from .cli import main

    code = main()
except ModuleNotFoundError as error:
    if (error.name or "zego_helpers").partition(".")[0] == "zego_helpers":
        raise  # a module of the kit itself is missing: a broken checkout, not the venv
    print(_missing_library_message(error), file=sys.stderr)
    code = 2
raise SystemExit(code)
