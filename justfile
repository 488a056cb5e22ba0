# tikdb tasks. `just` alone runs the tests and the linter, as CI does.
# (`just` itself comes with the dev dependencies: `uv run --dev just <recipe>`.)

default: test lint

# Build the warehouse from data/raw/ into data/warehouse/.
build *ARGS:
    uv run tikdb build {{ARGS}}

# Run the SQL assertions against the published warehouse.
check *ARGS:
    uv run tikdb check {{ARGS}}

# The whole test suite (what CI runs).
test *ARGS:
    uv run --dev pytest {{ARGS}}

# Lint and format check.
lint:
    uv run --dev ruff check tikdb tests benchmarks
    uv run --dev ruff format --check tikdb tests benchmarks

# Format the code.
fmt:
    uv run --dev ruff format tikdb tests benchmarks
    uv run --dev ruff check --fix tikdb tests benchmarks

# Regenerate the committed sample under data/raw/: 10 exports, 4 days apart, of the posts
# of the 40 days before each (tikdb generate replaces only the exports it wrote).
sample:
    uv run tikdb generate data/raw --posts 3000 --seed 2025 --snapshots 10 --every 4d --window 40d

# Benchmark build/check against the floor; writes benchmarks/results.md (takes minutes).
bench *ARGS:
    uv run --dev python benchmarks/bench.py {{ARGS}}

# Benchmark builds from snapshot history (cold, and one export added to a warm cache);
# writes its section of benchmarks/results.md (takes a quarter of an hour with the 1M case).
bench-history *ARGS:
    uv run --dev python benchmarks/history.py {{ARGS}}
