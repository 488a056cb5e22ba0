"""The bad-input corpus (tests/corpus/): the exact outcome of every malformed input.

Each case is a real file written by ``tests/corpus/make_corpus.py``. A case either builds,
with its bad records in ``rejects`` (line or record index, reason, message, raw text) and
everything else loaded, the accounting in ``import_log`` holding; or it stops with one
``Error: <file>: <problem>`` line and exit code 2, leaving a previously built warehouse in
the same ``--out`` byte-identical.

Tests marked ``xfail(strict=True, reason="BUG: ...")`` state what a demanding user should
get where tikdb currently does something else; they start failing (XPASS) once it is fixed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

import pytest
from conftest import make_row, query, run_build, slide_url
from typer.testing import CliRunner

from tikdb.cli import app
from tikdb.contract import COLUMNS
from tikdb.errors import InputError
from tikdb.outputs.warehouse import check_published as check_warehouse
from tikdb.pipeline.guards import PublishGuards
from tikdb.pipeline.publish import LOCK_NAME

CORPUS = Path(__file__).resolve().parent / "corpus"
CSV = CORPUS / "csv"
OCR = CORPUS / "ocr"
OCR_MASTER = OCR / "master.csv"
NO_OCR = OCR / "no-such-folder"
HEADER_NAMES = ",".join(COLUMNS)
BAD_QUOTING = (
    'a quote (") appears inside an unquoted field or right after a closing quote; '
    'quote the whole field and double the quotes inside it ("")'
)
UNTERMINATED = "a quoted field opens on this line and is never closed before the end of the file"
BAD_METRIC = '{} "{}" is not a whole number >= 0 (or a rate for engagement_rate)'

sys.path.insert(0, str(CORPUS))
import make_corpus  # noqa: E402

runner = CliRunner()


# --- helpers --------------------------------------------------------------------------------


def post_id(n: int) -> int:
    """The video id of make_row(n)."""
    return int(make_row(n)["post_url"].rsplit("/", 1)[1])


def physical_line(path: Path, number: int) -> str:
    """Line `number` (1-based) of a CRLF file, without its line end."""
    return path.read_bytes().split(b"\r\n")[number - 1].decode("utf-8")


def build_case(tmp_path: Path, csv_path: Path, ocr: Path | None = None, **options):
    return run_build(tmp_path, csv_path, ocr, **options)


def log(db: Path) -> dict:
    """The import_log row of the (only) build, after checking that its accounting holds,
    both within the row and against the published tables."""
    rows = query(db, "SELECT * FROM import_log")
    assert len(rows) == 1
    names = [r[0] for r in query(db, "SELECT column_name FROM (DESCRIBE import_log)")]
    row = dict(zip(names, rows[0], strict=True))
    assert row["csv_records"] == row["csv_loaded"] + row["csv_duplicates"] + row["csv_rejected"]
    assert row["slide_parts"] == row["slides_loaded"] + row["slides_rejected"]
    assert row["ocr_records"] == row["ocr_loaded"] + row["ocr_duplicates"] + row["ocr_rejected"]
    tables = query(
        db,
        "SELECT (SELECT count(*) FROM posts), "
        "(SELECT count(*) FROM rejects WHERE entity = 'post' AND reason = 'duplicate_post'), "
        "(SELECT count(*) FROM rejects WHERE entity = 'post' AND reason <> 'duplicate_post'), "
        "(SELECT count(*) FROM slides), (SELECT count(*) FROM rejects WHERE entity = 'slide'), "
        "(SELECT count(*) FROM post_ocr), "
        "(SELECT count(*) FROM rejects WHERE entity = 'ocr_record' AND reason = 'ocr_duplicate'), "
        "(SELECT count(*) FROM rejects WHERE entity = 'ocr_record' AND reason <> 'ocr_duplicate'), "
        "(SELECT count(*) FROM rejects WHERE entity = 'ocr_file')",
    )
    assert tables == [
        (
            row["csv_loaded"],
            row["csv_duplicates"],
            row["csv_rejected"],
            row["slides_loaded"],
            row["slides_rejected"],
            row["ocr_loaded"],
            row["ocr_duplicates"],
            row["ocr_rejected"],
            row["ocr_files_rejected"],
        )
    ]
    return row


def counts(db: Path) -> tuple[int, int, int, int]:
    """(csv_records, csv_loaded, csv_duplicates, csv_rejected), accounting checked."""
    row = log(db)
    return row["csv_records"], row["csv_loaded"], row["csv_duplicates"], row["csv_rejected"]


def post_lines(db: Path) -> list[int]:
    return [r[0] for r in query(db, "SELECT csv_line FROM posts ORDER BY csv_line")]


def rejects(db: Path) -> list[tuple]:
    """(input, entity, line, record_index, slide_index, reason) of every reject."""
    return query(
        db,
        "SELECT input, entity, line, record_index, slide_index, reason FROM rejects "
        "ORDER BY input, entity, line, record_index, slide_index",
    )


def one_reject(db: Path) -> tuple:
    """(source_file, line, reason, message, raw_text, kept_line) of the only reject."""
    got = query(db, "SELECT source_file, line, reason, message, raw_text, kept_line FROM rejects")
    assert len(got) == 1, got
    return got[0]


def posts_table(db: Path) -> list[tuple]:
    # Without the columns that say which file and build observed the post (they differ
    # between the variants of a file by design); csv_line stays last.
    return query(
        db,
        "SELECT * EXCLUDE (snapshot, first_seen_at, last_seen_at, observations) "
        "FROM posts ORDER BY csv_line",
    )


def snapshot(out: Path) -> dict[str, str]:
    """Every file under the warehouse (following links) with its sha256, and every link
    with its target; the build lock is left out."""
    files = {}
    for root, dirs, names in os.walk(out, followlinks=True):
        for name in dirs + names:
            path = Path(root) / name
            rel = str(path.relative_to(out))
            if path.is_symlink():
                files[rel + " ->"] = os.readlink(path)
            if name in names and name != LOCK_NAME:
                files[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def cli_build(csv_path: Path, out: Path, *options: str, ocr: Path | None = None):
    with_ocr = [] if ocr is None else ["--ocr", str(ocr)]
    args = ["build", "--csv", str(csv_path), *with_ocr, "--out", str(out), *options]
    return runner.invoke(app, args)


@pytest.fixture(scope="module")
def good_warehouse(tmp_path_factory) -> Path:
    """A warehouse built from csv/good_master.csv, to be copied by each test."""
    tmp = tmp_path_factory.mktemp("good")
    result = run_build(tmp, CSV / "good_master.csv")
    assert result.table_rows["posts"] == 4
    return result.out_dir


@pytest.fixture
def published(tmp_path, good_warehouse) -> Path:
    out = tmp_path / "wh"
    shutil.copytree(good_warehouse, out, symlinks=True)
    return out


@pytest.fixture(scope="module")
def reference_posts(tmp_path_factory) -> list[tuple]:
    """The posts table built from csv/crlf.csv (rows 1-3, the plain real format)."""
    tmp = tmp_path_factory.mktemp("crlf")
    return posts_table(run_build(tmp, CSV / "crlf.csv").db_path)


# --- the corpus is what the generator writes ------------------------------------------------


def test_the_committed_corpus_is_exactly_what_make_corpus_writes():
    expected = make_corpus.expected_files()
    on_disk = {
        str(p.relative_to(CORPUS)): p.read_bytes()
        for folder in (CSV, OCR)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
    assert sorted(on_disk) == sorted(expected)
    stale = [name for name, data in expected.items() if on_disk[name] != data]
    assert stale == [], "rerun: uv run python tests/corpus/make_corpus.py"


# --- (b) unusable inputs: one line, exit code 2, the old warehouse untouched ----------------

ERROR_CASES = {
    "empty": ("csv/empty.csv", "{p}: the file is empty (0 bytes). Export the master CSV again."),
    "header_only": (
        "csv/header_only.csv",
        "{p}: has a header but no records. Export the master CSV again; nothing was published.",
    ),
    "missing_column": (
        "csv/missing_column.csv",
        '{p}: column "views" missing (header has 14 columns). The header must name: '
        + HEADER_NAMES
        + ".",
    ),
    "renamed_column": (
        "csv/renamed_column.csv",
        '{p}: column "views" missing (header has 15 columns; found unknown column "view_count"). '
        "The header must name: " + HEADER_NAMES + ".",
    ),
    "duplicate_column": (
        "csv/duplicate_column.csv",
        '{p}: column "views" appears twice in the header (columns 6 and 16). Remove one of them.',
    ),
    "directory": ("csv", "{p}: is a directory, not a CSV file. Pass the CSV file itself."),
    "no_such_file": (
        "csv/no-such-file.csv",
        "{p}: no such file. Pass the master CSV with --csv PATH.",
    ),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_an_unusable_csv_is_one_line_exit_2_and_the_warehouse_is_untouched(published, case):
    rel, message = ERROR_CASES[case]
    path = CORPUS / rel
    before = snapshot(published)
    result = cli_build(path, published)
    assert result.exit_code == 2, result.output
    assert result.stderr == "Error: " + message.format(p=path) + "\n"
    assert result.stdout == ""
    assert snapshot(published) == before
    assert sorted(p.name for p in published.iterdir() if p.name.startswith(".tikdb-staging-")) == []


def test_an_export_with_a_trailing_comma_on_every_row_is_not_published(published):
    """Every record is a reject, so the blocking checks pass on an empty warehouse; the
    reject-rate guard refuses to publish it (exit 1, one line, the warehouse as it was)."""
    path = CSV / "trailing_comma_every_row.csv"
    before = snapshot(published)
    result = cli_build(path, published)
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        f"Error: {published}: not published: 4 of 4 csv records were rejected (100%), more "
        "than --refuse-reject-rate 0.5 allows; nothing was published. Fix the input, or pass "
        "--refuse-reject-rate 1 to publish it anyway.\n"
    )
    assert result.stdout == ""
    assert snapshot(published) == before
    assert not [p for p in published.iterdir() if p.name.startswith(".tikdb-staging-")]


def test_the_trailing_comma_export_is_refused_on_a_first_build_too(tmp_path):
    out = tmp_path / "wh"
    result = cli_build(CSV / "trailing_comma_every_row.csv", out)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {out}: not published: 4 of 4 csv records ")
    assert not os.path.lexists(out / "tikdb.duckdb")
    assert not [p for p in out.iterdir() if p.name.startswith((".v-", ".tikdb-staging-"))]


def test_the_trailing_comma_export_publishes_only_when_both_guards_are_lifted(published):
    path = CSV / "trailing_comma_every_row.csv"
    before = snapshot(published)
    # Past the reject-rate guard, the shrink guard: 4 published posts, 0 new ones.
    result = cli_build(path, published, "--refuse-reject-rate", "1")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {published}: not published: the new build has 0 posts, 100% fewer than the "
        "4 of the published build, more than --max-shrink 0.2 allows; nothing was published. "
        "Check the input, or pass --allow-shrink to publish it anyway.\n"
    )
    assert snapshot(published) == before
    result = cli_build(path, published, "--refuse-reject-rate", "1", "--allow-shrink")
    assert result.exit_code == 0, result.output
    assert query(
        published / "tikdb.duckdb",
        "SELECT csv_records, csv_loaded, csv_duplicates, csv_rejected FROM import_log "
        "ORDER BY started_at DESC LIMIT 1",
    ) == [(4, 0, 0, 4)]
    assert {r[5] for r in rejects(published / "tikdb.duckdb")} == {"wrong_field_count"}


def test_a_file_passed_as_the_ocr_folder_is_exit_2(published):
    before = snapshot(published)
    result = cli_build(CSV / "good_master.csv", published, ocr=OCR_MASTER)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {OCR_MASTER}: is a file; --ocr expects the OCR folder "
        "(with by_va/<VA>/ocr_posts.json).\n"
    )
    assert snapshot(published) == before


def test_a_utf16_export_is_exit_2_naming_line_1(published):
    path = CSV / "utf16.csv"
    before = snapshot(published)
    result = cli_build(path, published)
    assert result.exit_code == 2
    assert result.stderr == (
        f'Error: {path}: is UTF-16 text (Excel "Unicode text"); re-save it as UTF-8 '
        '("CSV UTF-8") and build again.\n'
    )
    assert result.stderr.count("\n") == 1
    assert snapshot(published) == before


def test_a_utf16_export_is_named_as_such_with_the_fix(published):
    result = cli_build(CSV / "utf16.csv", published)
    assert "UTF-16" in result.stderr
    assert "not a CSV export" not in result.stderr


def test_cr_only_line_ends_are_a_one_line_input_error(published):
    path = CSV / "cr_line_ends.csv"
    before = snapshot(published)
    result = cli_build(path, published)
    assert snapshot(published) == before  # holds today: the staging area is removed
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {path}: ")
    assert result.stderr.count("\n") == 1


def test_a_header_name_with_a_newline_still_gives_a_one_line_error(published):
    path = CSV / "header_newline_in_name.csv"
    result = cli_build(path, published)
    assert result.exit_code == 2
    assert result.stderr.startswith(f'Error: {path}: column "created_date" missing')
    assert result.stderr.count("\n") == 1


def _as_nobody(fn):
    """Run fn() in a forked child that has dropped root for uid/gid 65534; return its result.

    A fork, not subprocess.run(preexec_fn=...): the interpreter may live under /root
    (mode 0700), which an unprivileged user cannot exec. fn's result must be JSON.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            payload = {"ok": fn()}
        except BaseException:
            payload = {"error": traceback.format_exc()}
        with contextlib.suppress(BaseException):
            os.write(write_end, json.dumps(payload).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    payload = json.loads(data)
    assert "error" not in payload, payload.get("error")
    return payload["ok"]


@pytest.fixture
def unreadable(good_warehouse):
    """(csv path, out dir) in a world-readable temp dir: a copy of the good warehouse in
    out, writable by anyone, and a CSV nobody but root can read."""
    with tempfile.TemporaryDirectory(prefix="tikdb-unreadable-") as tmp:
        root = Path(tmp)
        root.chmod(0o755)
        path = root / "master.csv"
        shutil.copy(CSV / "good_master.csv", path)
        out = root / "wh"
        shutil.copytree(good_warehouse, out, symlinks=True)
        out.chmod(0o777)
        (out / LOCK_NAME).chmod(0o666)
        path.chmod(0o000)
        yield path, out


def _unprivileged(fn):
    return _as_nobody(fn) if os.geteuid() == 0 else fn()


def _cli_unreadable(path: Path, out: Path) -> tuple[int, str, str]:
    def invoke():
        result = CliRunner().invoke(app, ["build", "--csv", str(path), "--out", str(out)])
        return [result.exit_code, result.stdout, result.stderr]

    return tuple(_unprivileged(invoke))


def test_an_unreadable_csv_is_exit_2_and_the_warehouse_is_untouched(unreadable):
    path, out = unreadable
    before = snapshot(out)
    code, stdout, _stderr = _cli_unreadable(path, out)
    assert (code, stdout) == (2, "")
    assert snapshot(out) == before

    def library_build():
        try:
            run_build(out.parent, path, out=out)
        except InputError as exc:
            return str(exc)
        return "built"

    # tikdb's own reader names the file and the fix.
    assert _unprivileged(library_build) == (
        f"{path}: cannot be read (Permission denied). Check its permissions."
    )
    assert snapshot(out) == before


def test_an_unreadable_csv_is_one_line_naming_the_file(unreadable):
    path, out = unreadable
    assert _cli_unreadable(path, out) == (
        2,
        "",
        f"Error: {path}: cannot be read (Permission denied). Check its permissions.\n",
    )


def test_a_missing_ocr_folder_is_exit_2_and_the_warehouse_is_untouched(published):
    before = snapshot(published)
    result = cli_build(CSV / "good_master.csv", published, ocr=NO_OCR)
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"Error: {NO_OCR}: no such folder. Pass the OCR folder with --ocr DIR, "
        "or leave --ocr out to build without OCR.\n"
    )
    assert result.stdout == ""
    assert snapshot(published) == before


def test_without_ocr_the_build_has_no_ocr_and_says_nothing(tmp_path):
    out = tmp_path / "wh"
    result = cli_build(CSV / "good_master.csv", out)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    row = log(out / "tikdb.duckdb")
    assert (row["ocr_path"], row["ocr_found"], row["ocr_files"], row["ocr_records"]) == (
        None,
        False,
        0,
        0,
    )
    assert row["warnings"] == []
    assert post_lines(out / "tikdb.duckdb") == [2, 3, 4, 5]


# --- (a) the file's format varies but every record loads ------------------------------------


@pytest.mark.parametrize(
    "case", ["bom", "lf", "no_final_line_end", "reordered_columns", "header_case_and_spaces"]
)
def test_format_variants_load_exactly_like_the_plain_file(tmp_path, reference_posts, case):
    db = build_case(tmp_path, CSV / f"{case}.csv").db_path
    assert counts(db) == (3, 3, 0, 0)
    assert rejects(db) == []
    assert posts_table(db) == reference_posts


def test_reference_posts_are_rows_1_to_3(reference_posts):
    got = [(r[0], r[-1]) for r in reference_posts]  # post_id, csv_line
    assert got == [(post_id(1), 2), (post_id(2), 3), (post_id(3), 4)]


def test_an_extra_column_is_ignored_with_a_warning(tmp_path, reference_posts):
    path = CSV / "extra_column.csv"
    result = build_case(tmp_path, path)
    assert posts_table(result.db_path) == reference_posts
    assert result.warnings[-1] == f'{path}: ignored unknown column(s) "bookmarks"'
    assert log(result.db_path)["csv_ignored_columns"] == ["bookmarks"]


def test_an_extra_column_with_newlines_does_not_shift_the_lines(tmp_path, reference_posts):
    path = CSV / "extra_column_multiline.csv"
    result = build_case(tmp_path, path)
    assert counts(result.db_path) == (3, 3, 0, 0)
    assert post_lines(result.db_path) == [2, 3, 6]
    assert [r[:-1] for r in posts_table(result.db_path)] == [r[:-1] for r in reference_posts]
    assert result.warnings[-1] == f'{path}: ignored unknown column(s) "notes"'


def test_blank_lines_are_not_records_but_keep_line_numbers(tmp_path):
    db = build_case(tmp_path, CSV / "blank_lines.csv").db_path
    assert counts(db) == (3, 3, 0, 0)
    assert log(db)["csv_blank_lines"] == 4  # lines 3, 5, 6 and 8
    assert post_lines(db) == [2, 4, 7]


def test_multiline_captions_keep_their_text_and_the_line_numbers(tmp_path):
    db = build_case(tmp_path, CSV / "multiline_captions.csv").db_path
    assert counts(db) == (4, 4, 0, 0)
    got = query(db, "SELECT csv_line, hashtags, sound FROM posts ORDER BY csv_line")
    assert got[1:3] == [
        (
            3,
            "first line #fyp\nsecond line, with a comma\n\nfourth after a blank",
            make_row(2)["sound"],
        ),
        (7, "windows line end\r\nnext\r\n", "som original\n"),
    ]
    assert [r[0] for r in got] == [2, 3, 7, 11]


def test_backslashes_are_ordinary_characters(tmp_path):
    db = build_case(tmp_path, CSV / "backslashes.csv").db_path
    assert counts(db) == (4, 4, 0, 0)
    got = query(db, "SELECT hashtags, sound FROM posts WHERE csv_line IN (3, 4) ORDER BY csv_line")
    assert got == [
        ("¯\\_(ツ)_/¯", "C:\\x"),
        ("ends in a backslash, inside quotes \\", 'say \\"hi\\"'),
    ]


def test_doubled_quotes_are_literal_quotes(tmp_path):
    db = build_case(tmp_path, CSV / "doubled_quotes.csv").db_path
    assert counts(db) == (3, 3, 0, 0)
    got = query(db, "SELECT hashtags, sound FROM posts WHERE csv_line = 3")
    assert got == [('she said "hi", twice ""', '"')]


def test_a_1_mib_caption_loads_byte_identical(tmp_path):
    path = CSV / "caption_1mib.csv"
    caption = make_corpus.big_caption()
    assert len(caption.encode("utf-8")) == 2**20
    db = build_case(tmp_path, path).db_path
    assert counts(db) == (3, 3, 0, 0)
    got = query(db, "SELECT hashtags FROM posts WHERE csv_line = 3")[0][0]
    assert got.encode("utf-8") == caption.encode("utf-8")
    assert post_lines(db) == [2, 3, 4 + caption.count("\n")]


def test_whole_floats_and_thousands_separators_are_counts(tmp_path):
    db = build_case(tmp_path, CSV / "metric_whole_float.csv").db_path
    assert counts(db) == (3, 3, 0, 0)
    assert query(db, "SELECT views FROM posts WHERE csv_line = 3") == [(12,)]
    db = build_case(tmp_path / "b", CSV / "metric_thousands.csv").db_path
    assert counts(db) == (3, 3, 0, 0)
    assert query(db, "SELECT views FROM posts WHERE csv_line = 3") == [(52400,)]


def test_url_variants_load_under_their_canonical_url(tmp_path):
    db = build_case(tmp_path, CSV / "url_variants.csv").db_path
    assert counts(db) == (5, 5, 0, 0)
    got = query(db, "SELECT csv_line, post_id, post_url FROM posts ORDER BY csv_line")
    assert got == [(n + 1, post_id(n), make_row(n)["post_url"]) for n in range(1, 6)]


def test_va_names_are_case_folded_and_placeholders_mean_no_va(tmp_path):
    db = build_case(tmp_path, CSV / "va_names.csv").db_path
    assert counts(db) == (6, 6, 0, 0)
    got = query(db, "SELECT csv_line, va_id FROM posts ORDER BY csv_line")
    assert got == [(2, "carla"), (3, None), (4, None), (5, "carla"), (6, "carla"), (7, None)]
    # Each spelling is used once: the tie goes to a spelling that is not all capitals,
    # then to the alphabetically first one.
    assert query(db, "SELECT va_id, display_name, spellings, posts FROM vas") == [
        ("carla", "Carla", ["CARLA", "Carla", "carla"], 3)
    ]
    assert query(db, "SELECT account, va_id, va_count, posts FROM accounts") == [
        ("miriam00glow", "carla", 1, 6)
    ]


def test_slide_lists_skip_empty_parts_trim_and_reject_non_urls(tmp_path):
    path = CSV / "slide_lists.csv"
    result = build_case(tmp_path, path)
    db = result.db_path
    assert counts(db) == (4, 4, 0, 0)
    row = log(db)
    assert (row["slide_parts"], row["slides_loaded"], row["slides_rejected"]) == (22, 19, 3)
    s = [slide_url(200 + i) for i in range(13)]
    slides = query(db, "SELECT post_id, slide_index, slide_url FROM slides ORDER BY 1, 2")
    assert [r for r in slides if r[0] == post_id(2)] == [
        (post_id(2), 1, s[0]),
        (post_id(2), 2, s[1]),
        (post_id(2), 4, s[2]),
    ]
    assert [r[1:] for r in slides if r[0] == post_id(3)] == [(i + 1, u) for i, u in enumerate(s)]
    assert [r[1:] for r in slides if r[0] == post_id(4)] == [(1, s[3])]
    got = query(
        db,
        "SELECT entity, line, slide_index, post_id, reason, message, raw_text FROM rejects "
        "ORDER BY line, slide_index",
    )
    assert got == [
        ("slide", 3, 3, post_id(2), "slide_not_url", "slide 3 is not an image URL", "not a url"),
        (
            "slide",
            5,
            2,
            post_id(4),
            "slide_not_url",
            "slide 2 is not an image URL",
            "https://p16-sign.tiktokcdn-us.com/a b.jpeg",
        ),
        (
            "slide",
            5,
            3,
            post_id(4),
            "slide_not_url",
            "slide 3 is not an image URL",
            f"ftp-less/{s[4]}",
        ),
    ]
    assert query(db, "SELECT csv_line, slide_count FROM posts ORDER BY 1") == [
        (2, 2),
        (3, 3),
        (4, 13),
        (5, 1),
    ]
    # 13 slides load as 13 slides; the warn check reports the post, the error checks pass.
    report = check_warehouse(db)
    assert report.ok
    by_name = {r.name: r for r in report.results}
    assert by_name["posts__slide_count_max"].offending_rows == 1
    assert by_name["posts__slide_count_max"].sample == [[post_id(3), 13]]
    assert by_name["posts__slide_count"].passed
    assert by_name["import_log__slide_accounting"].passed


# --- (a) one bad record, rejected at its line; the others load ------------------------------

SINGLE_REJECTS = {
    # case: (line, reason, message or None to check separately)
    "short_row": (
        3,
        "wrong_field_count",
        "record has 14 fields, expected 15 (too few); check the separators and quoting of this "
        "record",
    ),
    "long_row": (
        4,
        "wrong_field_count",
        "record has 17 fields, expected 15 (too many); check the separators and quoting of this "
        "record",
    ),
    "stray_quote": (3, "bad_quoting", BAD_QUOTING),
    "text_after_closing_quote": (3, "bad_quoting", BAD_QUOTING),
    "unterminated_quote_at_end": (4, "unterminated_quote", UNTERMINATED),
    "metric_non_numeric": (3, "bad_metric", BAD_METRIC.format("views", "abc")),
    "metric_negative": (3, "bad_metric", BAD_METRIC.format("likes", "-5")),
    "metric_fraction": (3, "bad_metric", BAD_METRIC.format("comments", "12.5")),
    # A value quoted in a message is cut after 200 characters; raw_text keeps it whole.
    "metric_very_long": (
        3,
        "bad_metric",
        BAD_METRIC.format("views", "9" * 200 + "… (5,000 characters)"),
    ),
    "date_bad_month": (
        3,
        "bad_created_at",
        'created_date/created_time "2025-13-01 08:34:00" is not a YYYY-MM-DD HH:MM:SS time',
    ),
    "date_us_format": (
        3,
        "bad_created_at",
        'created_date/created_time "10/01/2025 08:34:00" is not a YYYY-MM-DD HH:MM:SS time',
    ),
    "date_future": (
        3,
        "created_at_out_of_range",
        "created_at 2099-10-01 08:34:00 is before 2016 or in the future",
    ),
    "url_short_link": (
        3,
        "short_link",
        "post_url is a short link (https://www.tiktok.com/t/ZTabc123/) that cannot be resolved "
        "offline; export the full /@account/video/<id> URL",
    ),
    "url_empty": (3, "missing_post_url", "post_url is empty; every post needs its TikTok URL"),
    "account_mismatch": (
        3,
        "account_mismatch",
        'account "someone.else" differs from the handle "miriam02glow" in post_url',
    ),
    "url_video_id_leading_zeros": (
        3,
        "bad_video_id",
        "video id 0000000000000000042 in post_url is not a TikTok video id (19 digits with no "
        "leading zero, at most 9223372036854775807): "
        "https://www.tiktok.com/@miriam02glow/video/0000000000000000042",
    ),
    "url_video_id_too_big": (
        3,
        "bad_video_id",
        "video id 9300000000000000000 in post_url is not a TikTok video id (19 digits with no "
        "leading zero, at most 9223372036854775807): "
        "https://www.tiktok.com/@miriam02glow/video/9300000000000000000",
    ),
    "url_not_a_post": (
        3,
        "bad_post_url",
        "post_url is not a TikTok post URL with a 19-digit video id: "
        "https://www.tiktok.com/@miriam02glow",
    ),
}


@pytest.mark.parametrize("case", list(SINGLE_REJECTS))
def test_one_bad_record_is_rejected_at_its_line_and_the_rest_load(tmp_path, case):
    line, reason, message = SINGLE_REJECTS[case]
    path = CSV / f"{case}.csv"
    db = build_case(tmp_path, path).db_path
    n_lines = len(path.read_bytes().rstrip(b"\r\n").split(b"\r\n"))
    good_lines = [n for n in range(2, n_lines + 1) if n != line]
    assert counts(db) == (len(good_lines) + 1, len(good_lines), 0, 1)
    assert post_lines(db) == good_lines
    raw = physical_line(path, line)
    assert one_reject(db) == (str(path), line, reason, message, raw, None)
    assert rejects(db) == [("csv", "post", line, None, None, reason)]


def test_invalid_utf8_is_rejected_with_the_byte_and_its_position(tmp_path):
    path = CSV / "invalid_utf8.csv"
    db = build_case(tmp_path, path).db_path
    assert counts(db) == (3, 2, 0, 1)
    assert post_lines(db) == [2, 4]
    bad = path.read_bytes().split(b"\r\n")[2]
    position = bad.index(b"\xe9") + 1
    assert one_reject(db) == (
        str(path),
        3,
        "invalid_utf8",
        f"invalid UTF-8 byte 0xe9 at byte {position} of the record; re-export the file as UTF-8",
        bad.decode("utf-8", errors="replace"),  # the raw text keeps U+FFFD for the bad byte
        None,
    )


def test_an_unterminated_quote_mid_file_swallows_the_rest_into_one_reject(tmp_path):
    path = CSV / "unterminated_quote_mid_file.csv"
    db = build_case(tmp_path, path).db_path
    assert counts(db) == (2, 1, 0, 1)
    assert post_lines(db) == [2]
    text = path.read_bytes().decode("utf-8")
    raw = text.split("\r\n", 2)[2].removesuffix("\r\n")  # lines 3-5, to the end of the file
    spans = " (this record spans lines 3-5)"
    assert one_reject(db) == (str(path), 3, "unterminated_quote", UNTERMINATED + spans, raw, None)
    assert query(db, "SELECT line, last_line FROM rejects") == [(3, 5)]


def test_a_bad_quote_spanning_lines_is_rejected_at_its_first_line(tmp_path):
    path = CSV / "bad_quote_swallows_next_row.csv"
    db = build_case(tmp_path, path).db_path
    assert post_lines(db) == [2, 5]
    assert rejects(db) == [("csv", "post", 3, None, None, "bad_quoting")]
    src, line, reason, message, raw, _kept = one_reject(db)
    spans = " (this record spans lines 3-4)"
    assert (line, reason, message) == (3, "bad_quoting", BAD_QUOTING + spans)
    assert raw == physical_line(path, 3) + "\r\n" + physical_line(path, 4)


def test_a_good_record_after_a_bad_quote_is_covered_by_the_reject_and_says_so(tmp_path):
    # Per RFC 4180 the unclosed quote on line 3 pairs with the first quote on line 4, so
    # lines 3-4 are one malformed record: line 4 cannot be loaded on its own without
    # guessing, so the reject covers it and its message and last_line say so.
    db = build_case(tmp_path, CSV / "bad_quote_swallows_next_row.csv").db_path
    assert 4 not in post_lines(db)
    assert query(db, "SELECT line, last_line FROM rejects") == [(3, 4)]
    assert query(db, "SELECT message FROM rejects")[0][0].endswith("(this record spans lines 3-4)")


def test_cr_cr_lf_line_ends_keep_the_line_numbers(tmp_path):
    db = build_case(tmp_path, CSV / "crcrlf_line_ends.csv").db_path
    assert counts(db) == (3, 3, 0, 0)
    assert post_lines(db) == [2, 3, 4]


def test_cr_cr_lf_line_ends_do_not_leak_a_cr_into_the_last_field(tmp_path):
    result = build_case(tmp_path, CSV / "crcrlf_line_ends.csv")
    assert query(result.db_path, "SELECT DISTINCT source FROM posts") == [("current_metrics",)]
    assert [w for w in result.warnings if "unknown source" in w] == []


def test_a_quoted_last_field_before_cr_cr_lf_loads_without_the_cr(tmp_path):
    db = build_case(tmp_path, CSV / "quote_then_bare_cr.csv").db_path
    assert post_lines(db) == [2, 3, 4]
    assert query(db, "SELECT source FROM posts WHERE csv_line = 3") == [
        ("current_metrics, sheet 2",)
    ]


def test_a_bare_cr_after_a_closing_quote_is_one_reject(tmp_path):
    db = build_case(tmp_path, CSV / "quote_then_cr_mid_record.csv").db_path
    assert post_lines(db) == [2, 4]
    assert rejects(db) == [("csv", "post", 3, None, None, "bad_quoting")]


def test_a_bare_cr_in_an_unquoted_field_is_one_reject(tmp_path):
    db = build_case(tmp_path, CSV / "bare_cr_unquoted.csv").db_path
    assert post_lines(db) == [2, 4]
    assert rejects(db) == [("csv", "post", 3, None, None, "bad_line_end")]


def test_duplicate_ids_keep_the_last_line_and_name_it(tmp_path):
    path = CSV / "duplicate_ids.csv"
    db = build_case(tmp_path, path).db_path
    assert counts(db) == (4, 3, 1, 0)
    assert post_lines(db) == [3, 4, 5]
    assert query(db, "SELECT views, likes FROM posts WHERE post_id = ?", [post_id(1)]) == [
        (2500, 90)
    ]
    assert one_reject(db) == (
        str(path),
        2,
        "duplicate_post",
        f"video id {post_id(1)} appears again on line 4, which was kept (the last line wins)",
        physical_line(path, 2),
        4,
    )


# --- OCR ------------------------------------------------------------------------------------


def ocr_case(tmp_path: Path, case: str, **options):
    result = build_case(tmp_path, OCR_MASTER, OCR / case, **options)
    db = result.db_path
    assert post_lines(db) == [2, 3, 4, 5]
    return db


# The reject-rate guard off, for cases that reject most of an input on purpose.
ALL_REJECTS_PUBLISHED = PublishGuards(refuse_reject_rate=1)


def ocr_file(case: str, va: str) -> str:
    return str(OCR / case / "by_va" / va / "ocr_posts.json")


def ocr_rejects(db: Path) -> list[tuple]:
    """(entity, source_file, record_index, post_id, reason, message) of every reject."""
    return query(
        db,
        "SELECT entity, source_file, record_index, post_id, reason, message FROM rejects "
        "ORDER BY source_file, record_index",
    )


def ocr_counts(db: Path) -> tuple[int, int, int, int, int, int]:
    """(files, files rejected, records, loaded, duplicates, rejected), accounting checked."""
    row = log(db)
    return (
        row["ocr_files"],
        row["ocr_files_rejected"],
        row["ocr_records"],
        row["ocr_loaded"],
        row["ocr_duplicates"],
        row["ocr_rejected"],
    )


def loaded_ocr(db: Path) -> list[tuple]:
    return query(db, "SELECT post_id, ocr_text, text_key, record_index FROM post_ocr ORDER BY 1")


def test_ocr_invalid_json_rejects_the_file_and_loads_the_others(tmp_path):
    db = ocr_case(tmp_path, "ocr_invalid_json")
    assert ocr_counts(db) == (2, 1, 1, 1, 0, 0)
    got = query(db, "SELECT entity, source_file, record_index, reason, raw_text FROM rejects")
    path = Path(ocr_file("ocr_invalid_json", "Carla"))
    assert got == [("ocr_file", str(path), None, "ocr_invalid_json", path.read_text("utf-8"))]
    message = query(db, "SELECT message FROM rejects")[0][0]
    assert message == "is not valid JSON (Unterminated string starting at: line 12 column 5)"
    assert loaded_ocr(db) == [(post_id(2), "fine", "ocr_text", 0)]


def test_ocr_invalid_json_message_reads_correctly(tmp_path):
    db = ocr_case(tmp_path, "ocr_invalid_json")
    message = query(db, "SELECT message FROM rejects")[0][0]
    assert " at at " not in message


def test_ocr_nan_rejects_the_record_and_names_the_key(tmp_path):
    db = ocr_case(tmp_path, "ocr_nan")
    assert ocr_counts(db) == (1, 0, 3, 2, 0, 1)
    carla = ocr_file("ocr_nan", "Carla")
    assert ocr_rejects(db) == [
        (
            "ocr_record",
            carla,
            2,
            post_id(3),
            "ocr_bad_value",
            '"ocr_text" is NaN, which is not valid JSON',
        ),
    ]
    assert loaded_ocr(db) == [
        (post_id(1), "hello", "ocr_text", 0),
        (post_id(2), "pandas", "ocr_text", 1),
    ]


def test_ocr_nan_in_views_loads_the_text_with_null_views(tmp_path):
    db = ocr_case(tmp_path, "ocr_nan")
    got = query(
        db, "SELECT post_id, ocr_text, ocr_views FROM post_ocr WHERE post_id = ?", [post_id(2)]
    )
    assert got == [(post_id(2), "pandas", None)]


def test_ocr_not_an_array_rejects_the_file(tmp_path):
    db = ocr_case(tmp_path, "ocr_not_array")
    assert ocr_counts(db) == (2, 1, 1, 1, 0, 0)
    got = query(db, "SELECT entity, source_file, record_index, reason FROM rejects")
    assert got == [("ocr_file", ocr_file("ocr_not_array", "Carla"), None, "ocr_not_array")]
    assert loaded_ocr(db) == [(post_id(2), "fine", "ocr_text", 0)]


def test_ocr_shape_messages_use_json_type_names(tmp_path):
    db = ocr_case(tmp_path, "ocr_not_array")
    assert query(db, "SELECT message FROM rejects") == [
        ("holds a JSON object, expected an array of OCR records",)
    ]
    db = ocr_case(tmp_path / "b", "ocr_missing_keys", guards=ALL_REJECTS_PUBLISHED)
    got = query(db, "SELECT message FROM rejects WHERE reason = 'ocr_bad_record'")
    assert got == [("is a JSON string, expected an object",)]


def test_ocr_not_utf8_rejects_the_file_naming_the_byte(tmp_path):
    db = ocr_case(tmp_path, "ocr_not_utf8")
    assert ocr_counts(db) == (2, 1, 1, 1, 0, 0)
    path = Path(ocr_file("ocr_not_utf8", "Carla"))
    position = path.read_bytes().index(b"\xe9") + 1
    assert ocr_rejects(db) == [
        (
            "ocr_file",
            str(path),
            None,
            None,
            "ocr_unreadable",
            f"is not UTF-8 (invalid byte 0xe9 at byte {position})",
        )
    ]


def test_ocr_records_lacking_keys_or_not_objects_are_rejected(tmp_path):
    # 3 of its 4 records are rejects: published only with the reject-rate guard off.
    db = ocr_case(tmp_path, "ocr_missing_keys", guards=ALL_REJECTS_PUBLISHED)
    assert ocr_counts(db) == (1, 0, 4, 1, 0, 3)
    carla = ocr_file("ocr_missing_keys", "Carla")
    got = query(
        db,
        "SELECT entity, source_file, record_index, reason, raw_text FROM rejects "
        "ORDER BY record_index",
    )
    assert [r[:4] for r in got] == [
        ("ocr_record", carla, 0, "ocr_missing_key"),
        ("ocr_record", carla, 1, "ocr_missing_key"),
        ("ocr_record", carla, 3, "ocr_bad_record"),
    ]
    assert got[2][4] == '"not an object"'
    messages = query(db, "SELECT message FROM rejects WHERE record_index < 2 ORDER BY record_index")
    assert messages == [('lacks the key "post_url"',), ('lacks the key "ocr_text"',)]
    assert loaded_ocr(db) == [(post_id(3), "fine", "ocr_text", 2)]


def test_ocr_combined_text_loads_and_the_missing_hash_is_computed(tmp_path):
    db = ocr_case(tmp_path, "ocr_combined_text")
    assert ocr_counts(db) == (1, 0, 2, 2, 0, 0)
    assert rejects(db) == []
    got = query(
        db, "SELECT post_id, ocr_text, text_key, text_hash, file_text_hash FROM post_ocr ORDER BY 1"
    )
    assert got[0] == (
        post_id(1),
        "older file",
        "combined_text",
        hashlib.md5(b"older file").hexdigest(),
        None,
    )


def test_ocr_wrong_text_hash_loads_and_the_warn_check_reports_it(tmp_path):
    db = ocr_case(tmp_path, "ocr_wrong_hash")
    assert ocr_counts(db) == (1, 0, 2, 2, 0, 0)
    assert rejects(db) == []
    wrong = hashlib.md5(b"something else").hexdigest()
    right = hashlib.md5(b"hello").hexdigest()
    got = query(
        db, "SELECT text_hash, file_text_hash FROM post_ocr WHERE post_id = ?", [post_id(1)]
    )
    assert got == [(right, wrong)]
    report = check_warehouse(db)
    assert report.ok
    failed = [(r.name, r.severity, r.offending_rows) for r in report.results if not r.passed]
    assert failed == [("post_ocr__text_hash", "warn", 1)]
    result = {r.name: r for r in report.results}["post_ocr__text_hash"]
    assert result.sample == [[post_id(1), right, wrong, right]]


def test_ocr_of_a_post_not_in_the_csv_is_rejected(tmp_path):
    db = ocr_case(tmp_path, "ocr_unknown_post")
    assert ocr_counts(db) == (1, 0, 2, 1, 0, 1)
    assert ocr_rejects(db) == [
        (
            "ocr_record",
            ocr_file("ocr_unknown_post", "Carla"),
            1,
            post_id(99),
            "ocr_unknown_post",
            f"post {post_id(99)} is not in the master CSV (or was rejected there)",
        )
    ]


def test_ocr_repeated_across_va_folders_keeps_the_newest_run(tmp_path):
    db = ocr_case(tmp_path, "ocr_repeated_across_folders")
    assert ocr_counts(db) == (2, 0, 3, 2, 1, 0)
    carla = ocr_file("ocr_repeated_across_folders", "Carla")
    assert ocr_rejects(db) == [
        (
            "ocr_record",
            ocr_file("ocr_repeated_across_folders", "nan"),
            0,
            post_id(1),
            "ocr_duplicate",
            f"duplicate OCR record for post {post_id(1)}; kept record 0 of {carla}",
        )
    ]
    got = query(db, "SELECT post_id, ocr_text, source_file FROM post_ocr ORDER BY 1")
    assert got == [(post_id(1), "new text", carla), (post_id(2), "fine", carla)]


def test_ocr_video_id_with_leading_zeros_is_rejected_not_loaded_as_a_small_id(tmp_path):
    db = ocr_case(tmp_path, "ocr_video_id_leading_zeros")
    assert ocr_counts(db) == (1, 0, 2, 1, 0, 1)
    url = make_row(1)["post_url"].rsplit("/", 1)[0] + "/0000000000000000042"
    assert ocr_rejects(db) == [
        (
            "ocr_record",
            ocr_file("ocr_video_id_leading_zeros", "Carla"),
            0,
            None,
            "ocr_bad_post_url",
            "video id 0000000000000000042 in post_url is not a TikTok video id (19 digits with "
            f"no leading zero, at most 9223372036854775807): {url}",
        )
    ]
    assert query(db, "SELECT count(*) FROM post_ocr WHERE post_id = 42") == [(0,)]


def test_ocr_numbers_out_of_range_are_record_rejects_not_a_crash(tmp_path):
    db = ocr_case(tmp_path, "ocr_numbers_out_of_range", guards=ALL_REJECTS_PUBLISHED)
    assert ocr_counts(db) == (1, 0, 4, 0, 0, 4)
    carla = ocr_file("ocr_numbers_out_of_range", "Carla")
    got = [(r[1], r[2], r[4], r[5]) for r in ocr_rejects(db)]
    assert got == [
        (
            carla,
            0,
            "ocr_bad_value",
            '"views" is more than 9223372036854775807: 1000000000000000000000000000000',
        ),
        (
            carla,
            1,
            "ocr_bad_value",
            '"thumbnail_count" is more than 9223372036854775807: 9223372036854775808',
        ),
        (
            carla,
            2,
            "ocr_bad_value",
            '"thumbnails_with_text" is more than 9223372036854775807: 1e+30',
        ),
        # 60 characters at most: the first 28, "...", the last 29 (reprlib's cut).
        (
            carla,
            3,
            "ocr_bad_value",
            '"views" is more than 9223372036854775807: 1' + "0" * 27 + "..." + "0" * 29,
        ),
    ]
    raw = query(db, "SELECT raw_text FROM rejects WHERE record_index = 3")[0][0]
    assert '"views": "1' + "0" * 5000 + '"' in raw


def test_ocr_lone_surrogates_are_record_rejects_with_the_escape_in_the_raw_text(tmp_path):
    db = ocr_case(tmp_path, "ocr_lone_surrogate", guards=ALL_REJECTS_PUBLISHED)
    assert ocr_counts(db) == (1, 0, 3, 1, 0, 2)
    carla = ocr_file("ocr_lone_surrogate", "Carla")
    got = [(r[1], r[2], r[4], r[5]) for r in ocr_rejects(db)]
    assert got == [
        (
            carla,
            0,
            "ocr_bad_value",
            '"ocr_text" holds a lone surrogate (\\ud800 at character 6), which is not text',
        ),
        (
            carla,
            1,
            "ocr_bad_value",
            '"va" holds a lone surrogate (\\ud800 at character 1), which is not text',
        ),
    ]
    raw = query(db, "SELECT raw_text FROM rejects WHERE record_index = 0")[0][0]
    assert '"ocr_text": "half \\ud800 pair"' in raw
    assert loaded_ocr(db) == [(post_id(3), "good morning text", "ocr_text", 2)]


def test_ocr_arrays_nested_5000_deep_reject_the_file_and_load_the_others(tmp_path):
    db = ocr_case(tmp_path, "ocr_nested_too_deep")
    assert ocr_counts(db) == (2, 1, 1, 1, 0, 0)
    assert ocr_rejects(db) == [
        (
            "ocr_file",
            ocr_file("ocr_nested_too_deep", "Carla"),
            None,
            None,
            "ocr_invalid_json",
            "nests arrays or objects 5,001 levels deep, too deep for the JSON reader; an OCR "
            "file is an array of flat objects",
        )
    ]
    assert loaded_ocr(db) == [(post_id(2), "fine", "ocr_text", 0)]


# --- a record longer than tikdb loads -------------------------------------------------------


def long_caption_master(tmp_path: Path, size: int) -> tuple[Path, bytes]:
    """A master CSV whose row 2 has a properly quoted caption of ``size`` bytes (commas,
    quotes and newlines inside); returns the file and that row's record."""
    unit = 'so long, "quoted",\n'
    caption = unit * (size // len(unit))
    rows = [make_row(1), make_row(2, hashtags=caption), make_row(3)]
    path = tmp_path / "master.csv"
    data = make_corpus.master(*rows)
    path.write_bytes(data)
    return path, make_corpus.line(rows[1])


def test_a_record_over_the_limit_is_a_reject_and_the_build_goes_on(tmp_path, monkeypatch):
    from tikdb.sources import csv_scan

    monkeypatch.setattr(csv_scan, "CHUNK_BYTES", 1024)
    monkeypatch.setattr(csv_scan, "MAX_RECORD_BYTES", 4096)
    path, record = long_caption_master(tmp_path, 10_000)
    db = build_case(tmp_path, path).db_path
    spans = record.count(b"\n") - 1  # its line end is not inside it
    assert counts(db) == (3, 2, 0, 1)
    assert post_lines(db) == [2, 4 + spans]
    assert one_reject(db) == (
        str(path),
        3,
        "record_too_long",
        f"record is {len(record):,} bytes long, more than the 4,096 bytes one record may "
        "hold; its quotes pair up, so it is a record of its own (no export writes fields "
        f"this long) (this record spans lines 3-{3 + spans})",
        record.removesuffix(b"\r\n").decode(),
        None,
    )


@pytest.mark.slow
def test_a_properly_quoted_72_mb_field_is_one_reject_with_its_raw_text_cut(tmp_path):
    path, record = long_caption_master(tmp_path, 72 * 2**20)
    db = build_case(tmp_path, path).db_path
    assert counts(db) == (3, 2, 0, 1)
    ((reason, message, raw),) = query(db, "SELECT reason, message, raw_text FROM rejects")
    assert reason == "record_too_long"
    length = len(record) - 2  # without its CRLF
    assert message.startswith(f"record is {len(record):,} bytes long, more than the 64 MiB")
    assert message.endswith(f" (raw_text holds its first {4 * 2**20:,} of {length:,} bytes)")
    assert raw.encode() == record[: 4 * 2**20]


def test_ocr_raw_text_over_the_cap_is_cut_and_the_message_says_so(tmp_path, monkeypatch):
    from conftest import ocr_record, write_ocr

    from tikdb.sources import ocr as ocr_module

    monkeypatch.setattr(ocr_module, "MAX_RAW_CHARS", 50)
    root = write_ocr(tmp_path / "ocr", {"Carla": [ocr_record(make_row(99), "who")]})
    broken = root / "by_va" / "Kent" / "ocr_posts.json"
    broken.parent.mkdir()
    broken.write_text("[" + '{"post_url": "x"}, ' * 10)
    db = build_case(tmp_path, OCR_MASTER, root, guards=ALL_REJECTS_PUBLISHED).db_path
    got = query(db, "SELECT entity, message, raw_text FROM rejects ORDER BY source_file")
    record_raw = json.dumps(ocr_record(make_row(99), "who"), ensure_ascii=False)
    assert got == [
        (
            "ocr_record",
            f"post {post_id(99)} is not in the master CSV (or was rejected there) (raw_text "
            f"holds the first 50 of its {len(record_raw):,} characters)",
            record_raw[:50],
        ),
        (
            "ocr_file",
            # JSON ends too early: a value is expected just past the last character.
            f"is not valid JSON (Expecting value: line 1 column {len(broken.read_text()) + 1}) "
            f"(raw_text holds the first 50 of its {len(broken.read_text()):,} characters)",
            broken.read_text()[:50],
        ),
    ]


# --- messages stay short, whatever the input -----------------------------------------------


def test_a_10000_column_header_gives_a_short_warning_and_keeps_every_name(tmp_path):
    path = CSV / "header_10000_columns.csv"
    result = build_case(tmp_path, path)
    extra = [f"extra_{i:05d}" for i in range(1, 9986)]
    assert result.warnings[-1] == (
        f'{path}: ignored unknown column(s) "extra_00001", "extra_00002", "extra_00003", '
        '"extra_00004", "extra_00005" and 9,980 more'
    )
    assert log(result.db_path)["csv_ignored_columns"] == extra
    assert counts(result.db_path) == (3, 3, 0, 0)


def test_unknown_sources_are_five_warnings_at_most_and_each_value_is_cut(tmp_path):
    result = build_case(tmp_path, CSV / "unknown_sources.csv")
    got = [w for w in result.warnings if "unknown source" in w]
    assert got == [
        'unknown source "sheet_1" on 2 post(s)',
        f'unknown source "{"a" * 60}… (100 characters)" on 1 post(s)',
        'unknown source "sheet_2" on 1 post(s)',
        'unknown source "sheet_3" on 1 post(s)',
        'unknown source "sheet_4" on 1 post(s)',
        "and 2 more unknown sources on 2 post(s)",
    ]


def test_a_huge_unknown_header_name_is_cut_in_the_missing_column_error(tmp_path):
    path = tmp_path / "master.csv"
    names = [("v" * 5000 if name == "views" else name) for name in COLUMNS]
    path.write_bytes(make_corpus.master(make_row(1), names=names))
    with pytest.raises(InputError) as caught:
        build_case(tmp_path, path)
    assert str(caught.value) == (
        f'{path}: column "views" missing (header has 15 columns; found unknown column '
        f'"{"v" * 60}… (5,000 characters)"). The header must name: {HEADER_NAMES}.'
    )
