"""``tikdb generate``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tikdb.cli.app import app, call


@app.command()
def generate(
    out_dir: Annotated[Path, typer.Argument(metavar="OUT_DIR", help="Where to write the dataset.")],
    posts: Annotated[int, typer.Option(min=1, metavar="N", help="Number of posts.")] = 2000,
    seed: Annotated[int, typer.Option(metavar="S", help="Random seed; same seed, same files.")] = 0,
) -> None:
    """Write a realistic generated dataset in the real export layout.

    Example: tikdb generate /tmp/sample --posts 45077 --seed 1
    """
    from tikdb.synthetic import generate as run_generate

    result = call(lambda: run_generate(out_dir, posts, seed))
    typer.echo(
        f"wrote {result.posts} posts, {result.slides} slides, {result.ocr_records} OCR "
        f"records to {out_dir}"
    )
