"""The layers of tikdb/, read from its import graph.

Every module under tikdb/ is parsed with ``ast``; every import counts, including those
inside functions (they are how the commands keep start-up light, and they are still
dependencies). An import names the module it loads: ``from tikdb.cli import analyst``
loads ``tikdb.cli.analyst``, ``from tikdb.cli import main`` loads ``tikdb.cli``. The
package a submodule sits in is not counted as imported by the submodule's importers
(Python runs it first, but a package ``__init__`` that imports its own submodules, as
tikdb.cli's registers the commands, is not a cycle of the layers).

The rules: no import cycles; only the commands import
the commands; the readers of raw inputs know nothing of the SQL engine, the build, the
outputs or the commands; the engine knows nothing of the build, the outputs or the
commands; the build and the outputs do not know each other; the data contract, the
errors and the terminal escaping import only the standard library; the generator
imports no engine (Polars, DuckDB, PyArrow) and nothing of tikdb but the contract.
"""

from __future__ import annotations

import ast
import graphlib
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "tikdb"


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, e.g. "tikdb.cli.build"
    target: str  # the module loaded, e.g. "tikdb.pipeline.build" or "rich.table"
    where: str  # "tikdb/cli/build.py:88"

    def __str__(self) -> str:
        return f"{self.where} imports {self.target}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_in(source: str, module: str, is_package: bool, label: str) -> list[Import]:
    """Every import statement of a module's source, wherever it stands."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(Import(module, alias.name, f"{label}:{node.lineno}"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from . import x, from ..engine import y
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                stem = ".".join([*base, node.module] if node.module else base)
            else:
                stem = node.module
            if stem == "__future__":
                continue
            for alias in node.names:
                submodule = f"{stem}.{alias.name}"
                target = submodule if submodule in MODULES else stem
                found.append(Import(module, target, f"{label}:{node.lineno}"))
    return found


def all_imports() -> list[Import]:
    found = []
    for name, path in MODULES.items():
        label = str(path.relative_to(PACKAGE.parent))
        text = path.read_text(encoding="utf-8")
        found += imports_in(text, name, path.name == "__init__.py", label)
    return found


IMPORTS = all_imports()


def within(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def third_party(module: str) -> bool:
    top = module.split(".")[0]
    return top != "tikdb" and top not in sys.stdlib_module_names


def broken(rule) -> str:
    """The imports that break `rule` (a predicate on an Import), one per line."""
    return "\n".join(str(i) for i in IMPORTS if rule(i))


# --- the scanner itself ----------------------------------------------------------------------


def test_the_scan_sees_imports_in_functions_relative_imports_and_submodules():
    source = (
        "from __future__ import annotations\n"
        "import duckdb, rich.table\n"
        "from tikdb.engine import checks\n"
        "from tikdb.errors import InputError\n"
        "def run():\n"
        "    from ..outputs import report\n"
        "    from . import build\n"
        "    if True:\n"
        "        import tikdb.cli.app\n"
    )
    got = imports_in(source, "tikdb.pipeline.files", False, "x.py")
    assert [(i.target, i.where) for i in got] == [
        ("duckdb", "x.py:2"),
        ("rich.table", "x.py:2"),
        ("tikdb.engine.checks", "x.py:3"),
        ("tikdb.errors", "x.py:4"),
        ("tikdb.outputs.report", "x.py:6"),
        ("tikdb.pipeline.build", "x.py:7"),
        ("tikdb.cli.app", "x.py:9"),
    ]


def test_the_scan_covers_every_layer():
    layers = {name.split(".")[1] for name in MODULES if name.count(".") >= 1}
    assert {"cli", "engine", "outputs", "pipeline", "sources", "synthetic"} <= layers
    assert {"contract", "errors", "terminal"} <= layers
    # Imports inside functions are found (the commands import their work lazily).
    assert any(i.source.startswith("tikdb.cli.") and i.target.startswith("tikdb.") for i in IMPORTS)


# --- the rules ---------------------------------------------------------------------------------


def test_no_import_cycles():
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    edges: dict[tuple[str, str], Import] = {}
    for i in IMPORTS:
        if i.target in MODULES and i.target != i.source:
            graph[i.source].add(i.target)
            edges.setdefault((i.source, i.target), i)
    cycle: list[str] = []
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as exc:
        # [a, b, ..., a], each an import of the next: reversed, each imports the next.
        cycle = exc.args[1][::-1]
    steps = [str(edges[(a, b)]) for a, b in zip(cycle, cycle[1:], strict=False)]
    assert not cycle, "import cycle " + " -> ".join(cycle) + ":\n" + "\n".join(steps)


def test_only_the_commands_import_the_commands():
    bad = broken(lambda i: within(i.target, "tikdb.cli") and not within(i.source, "tikdb.cli"))
    assert not bad, f"only tikdb.cli may import tikdb.cli:\n{bad}"


def test_the_readers_know_nothing_of_the_engine_build_outputs_or_commands():
    upper = ("tikdb.engine", "tikdb.pipeline", "tikdb.outputs", "tikdb.cli")
    bad = broken(lambda i: within(i.source, "tikdb.sources") and within(i.target, *upper))
    assert not bad, f"tikdb.sources must not import {', '.join(upper)}:\n{bad}"


def test_the_engine_knows_nothing_of_the_build_outputs_or_commands():
    upper = ("tikdb.pipeline", "tikdb.outputs", "tikdb.cli")
    bad = broken(lambda i: within(i.source, "tikdb.engine") and within(i.target, *upper))
    assert not bad, f"tikdb.engine must not import {', '.join(upper)}:\n{bad}"


def test_the_build_and_the_outputs_do_not_import_each_other():
    bad = broken(
        lambda i: (
            (within(i.source, "tikdb.pipeline") and within(i.target, "tikdb.outputs"))
            or (within(i.source, "tikdb.outputs") and within(i.target, "tikdb.pipeline"))
        )
    )
    assert not bad, f"tikdb.pipeline and tikdb.outputs must not import each other:\n{bad}"


LEAF_MODULES = ("tikdb.contract", "tikdb.errors", "tikdb.terminal")


def test_the_contract_errors_and_terminal_import_only_the_standard_library():
    bad = broken(
        lambda i: i.source in LEAF_MODULES and (third_party(i.target) or within(i.target, "tikdb"))
    )
    assert not bad, f"{', '.join(LEAF_MODULES)} may import only the standard library:\n{bad}"


def test_the_generator_imports_no_engine_and_only_the_contract_of_tikdb():
    engines = ("polars", "duckdb", "pyarrow")
    # The base layer: the contract, and the error types (which import nothing); the
    # snapshot store, whose writer `tikdb generate --snapshots` uses, and the marker of
    # generated files, which the build reads too (they load no engine: test_generate.py
    # checks what importing the generator loads).
    allowed = (
        "tikdb.synthetic",
        "tikdb.contract",
        "tikdb.errors",
        "tikdb.sources.snapshots",
        "tikdb.sources.generated",
    )
    bad = broken(
        lambda i: (
            within(i.source, "tikdb.synthetic")
            and (
                within(i.target, *engines)
                or (within(i.target, "tikdb") and not within(i.target, *allowed))
            )
        )
    )
    assert not bad, (
        f"tikdb.synthetic may not import {', '.join(engines)}, nor tikdb but the contract, "
        f"the errors, the snapshot store and the generated marker:\n{bad}"
    )
