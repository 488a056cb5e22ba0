"""``python -m tikdb.cli``: the same as the ``tikdb`` command."""

from tikdb.cli import main

main()
