"""The expected failures of tikdb.

The CLI turns a ``TikdbError`` into one line on stderr and its ``exit_code``;
anything else is a bug and keeps its traceback.
"""


class TikdbError(Exception):
    """An expected failure, with a message that says what, where and what to do next."""

    exit_code = 1


class InputError(TikdbError):
    """The input files or the command line are unusable (exit code 2)."""

    exit_code = 2


class BuildError(TikdbError):
    """The build failed; nothing was published (exit code 1)."""

    exit_code = 1


class BuildLockedError(TikdbError):
    """Another build holds the warehouse lock (exit code 1)."""

    exit_code = 1
