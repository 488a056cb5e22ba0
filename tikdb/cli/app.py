"""The Typer app, the two consoles, and the one place expected failures become exit codes.

Every command parses options, calls one library function, renders its result and picks
the exit code: 0 success, 1 a build, check or query failed, 2 a usage or input error.
Expected failures (``TikdbError``) print one line, ``Error: ...``, on stderr; anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from tikdb import __version__
from tikdb.errors import TikdbError

T = TypeVar("T")

# The --db option of every command that reads a published warehouse.
DbOption = Annotated[
    Path, typer.Option("--db", metavar="PATH", readable=False, help="The warehouse database.")
]

app = typer.Typer(
    name="tikdb",
    help="Turn the agency's master CSV and OCR JSON into a DuckDB + Parquet warehouse.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help: wraps to the terminal without cutting defaults or paths short.
    rich_markup_mode=None,
)
stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tikdb {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """tikdb: an embedded analytical warehouse for TikTok slideshow exports."""


def fail(message: str, exit_code: int) -> typer.Exit:
    """Print ``Error: message`` on stderr; return the Exit to raise."""
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(exit_code)


def call(fn: Callable[[], T], interrupted: Callable[[], str] | None = None) -> T:
    """Run fn; turn expected failures into one line on stderr and their exit code.

    A failure that carries a report for the command to print first (failed checks) is
    re-raised for the command to handle. On Ctrl-C the line is ``interrupted()``, which
    says what the interruption left behind, or just "interrupted." without it.
    """
    from tikdb.engine.checks import ChecksFailedError

    try:
        return fn()
    except ChecksFailedError:
        raise
    except TikdbError as exc:
        raise fail(str(exc), exc.exit_code) from None
    except KeyboardInterrupt:
        raise fail(interrupted() if interrupted else "interrupted.", 1) from None
