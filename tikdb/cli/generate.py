"""``tikdb generate``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tikdb.cli.app import app, call, fail


@app.command()
def generate(
    out_dir: Annotated[Path, typer.Argument(metavar="OUT_DIR", help="Where to write the dataset.")],
    posts: Annotated[int, typer.Option(min=1, metavar="N", help="Number of posts.")] = 2000,
    seed: Annotated[int, typer.Option(metavar="S", help="Random seed; same seed, same files.")] = 0,
    snapshots: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="K",
            help="Write K dated exports (OUT_DIR/snapshots/, with sidecars) of the posts "
            "as their views grow, instead of one master CSV.",
        ),
    ] = None,
    every: Annotated[
        str | None,
        typer.Option(
            metavar="DURATION",
            help="With --snapshots: the time between two exports, e.g. 1d, 12h. [default: 1d]",
        ),
    ] = None,
    window: Annotated[
        str | None,
        typer.Option(
            metavar="DURATION",
            help="With --snapshots: each export lists only the posts created in this long "
            "before it, e.g. 40d (a scrape of recent posts). [default: every post]",
        ),
    ] = None,
) -> None:
    """Write a realistic generated dataset in the real export layout.

    Example: tikdb generate /tmp/sample --posts 45077 --snapshots 30 --every 1d
    """
    for name, value in (("--every", every), ("--window", window)):
        if value is not None and snapshots is None:
            raise fail(f"{name} needs --snapshots K. Pass both, or neither.", 2)
    from tikdb.synthetic import generate as run_generate
    from tikdb.synthetic.history import parse_every

    interval = call(lambda: parse_every(every or "1d"))
    recent = call(lambda: parse_every(window, "--window")) if window is not None else None
    result = call(lambda: run_generate(out_dir, posts, seed, snapshots or 0, interval, recent))
    if snapshots:
        typer.echo(
            f"wrote {snapshots} snapshots of {result.posts} posts ({result.slides} slides), "
            f"{result.ocr_records} OCR records to {out_dir}"
        )
        return
    typer.echo(
        f"wrote {result.posts} posts, {result.slides} slides, {result.ocr_records} OCR "
        f"records to {out_dir}"
    )
