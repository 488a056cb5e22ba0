"""The data contract: the master CSV's columns, the known sources, the default paths and
the names of what a build publishes, and the defaults of publishing.

Imports nothing heavy, so the generator, the benchmark, the readers and the commands
agree on these facts without loading Polars or DuckDB.
"""

from __future__ import annotations

from pathlib import Path

# The master CSV's header, in order (matched by name, case and spaces ignored).
COLUMNS = (
    "created_date",
    "created_time",
    "account",
    "va",
    "post_url",
    "views",
    "likes",
    "comments",
    "shares",
    "engagement",
    "engagement_rate",
    "hashtags",
    "sound",
    "slides",
    "source",
)
# An optional column after those: the post's video id as a sheet holds it. post_url
# stays the key; a row whose video_id is not the id in its post_url is an id_mismatch
# reject (a spreadsheet number keeps only ~16 of its 19 digits, so it is never trusted).
ID_COLUMN = "video_id"
OPTIONAL_COLUMNS = (ID_COLUMN,)
# The scrape sources of the real export; another value is a warning, not an error.
SOURCES = ("old_clean", "current_metrics", "sept_scrape", "oct_scrape")

CSV_NAME = "MASTER_TIKTOK_DATABASE.csv"
OCR_DIR_NAME = "october_ocr_data"
DEFAULT_RAW = Path("data/raw")
DEFAULT_CSV = DEFAULT_RAW / CSV_NAME
DEFAULT_OCR = DEFAULT_RAW / OCR_DIR_NAME
DEFAULT_OUT = Path("data/warehouse")
# tikdb generate marks what it writes, so that generated data (the shipped sample) is never
# overwritten by it unasked, nor mixed into a build of real exports: a folder it wrote holds
# this file, and each snapshot it wrote says {"generated": GENERATED_ORIGIN} in its sidecar.
GENERATED_MARKER = ".tikdb-generated"
GENERATED_ORIGIN = "tikdb generate"

# Inside a warehouse directory.
DB_NAME = "tikdb.duckdb"
PARQUET_DIR = "parquet"
# The sha256 of every published file, written by the build beside them (sha256sum format).
CHECKSUMS_NAME = "SHA256SUMS"
DEFAULT_DB = DEFAULT_OUT / DB_NAME

# The tables a build publishes (the analytics views of sql/views/ come on top).
PUBLISHED_TABLES = (
    "posts",
    "metrics_history",
    "snapshots",
    "slides",
    "vas",
    "accounts",
    "post_ocr",
    "rejects",
    "import_log",
    "check_results",
)
# Tables carried over from the previous warehouse into each new build.
HISTORY_TABLES = ("import_log", "check_results")
# The builds kept for `tikdb rollback`: the most recent ones, plus the published one.
DEFAULT_KEEP = 3
# The publish guards (tikdb/pipeline/guards.py): a build is not published when an input
# has more than this share of its records rejected ...
DEFAULT_REFUSE_REJECT_RATE = 0.5
# ... or when it has more than this share fewer posts than the published build.
DEFAULT_MAX_SHRINK = 0.2
