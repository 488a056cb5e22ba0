"""The ``tikdb`` command line: the only layer that prints and picks exit codes.

One module per command group; each registers its commands on the app in ``app.py``.
"""

from __future__ import annotations

from tikdb.cli import (  # noqa: F401  (they register commands)
    analyst,
    build,
    check,
    export,
    generate,
    history,
    pull,
)
from tikdb.cli.app import app


def main() -> None:
    app(prog_name="tikdb")
