"""Step timing: the one way a build reports how long each of its steps took."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

# Told each step's name and seconds as it ends (SQL models, check rules, Parquet files...);
# steps that run at once overlap.
StepListener = Callable[[str, float], None]


class Steps:
    """``with steps("name"):`` tells the listener the block's seconds when it ends.

    A step that raises is not reported: its error is what the user sees.
    """

    def __init__(self, listener: StepListener | None = None) -> None:
        self.listener = listener

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        if self.listener:
            self.listener(name, time.perf_counter() - started)


UNTIMED = Steps()
