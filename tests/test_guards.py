"""The publish guards: a build whose checks pass is still refused when it is much worse
than the published one (an input mostly rejected, far fewer posts)."""

from __future__ import annotations

import pytest
from conftest import make_row, ocr_record, query, run_build, write_csv, write_ocr
from test_publish import tree

from tikdb.errors import InputError
from tikdb.pipeline import versions
from tikdb.pipeline.guards import PublishGuards, PublishRefusedError


def posts_csv(tmp_path, n: int, bad_metrics: tuple[int, ...] = ()):
    """A CSV of n posts; the rows numbered in bad_metrics have a likes value that is not
    a number (a bad_metric reject)."""
    rows = [make_row(i, **({"likes": "lots"} if i in bad_metrics else {})) for i in range(1, n + 1)]
    return write_csv(tmp_path / f"master-{n}-{len(bad_metrics)}.csv", rows)


@pytest.fixture
def ten(tmp_path):
    """A warehouse whose published build has 10 posts."""
    return run_build(tmp_path, posts_csv(tmp_path, 10)).out_dir


def published_posts(out) -> int:
    return query(out / "tikdb.duckdb", "SELECT count(*) FROM posts")[0][0]


def test_far_fewer_posts_are_refused_and_the_warehouse_is_byte_identical(tmp_path, ten):
    before = tree(ten)
    with pytest.raises(PublishRefusedError) as caught:
        run_build(tmp_path, posts_csv(tmp_path, 7), out=ten)
    assert str(caught.value) == (
        f"{ten}: not published: the new build has 7 posts, 30% fewer than the 10 of the "
        "published build, more than --max-shrink 0.2 allows; nothing was published. Check "
        "the input, or pass --allow-shrink to publish it anyway."
    )
    assert caught.value.exit_code == 1
    assert tree(ten) == before


def test_a_shrink_up_to_the_threshold_is_published(tmp_path, ten):
    run_build(tmp_path, posts_csv(tmp_path, 8), out=ten)  # 20% fewer: not more than 0.2
    assert published_posts(ten) == 8


@pytest.mark.parametrize(
    "guards",
    [PublishGuards(allow_shrink=True), PublishGuards(max_shrink=0.3)],
    ids=["allow-shrink", "max-shrink-0.3"],
)
def test_a_deliberate_shrink_is_published(tmp_path, ten, guards):
    run_build(tmp_path, posts_csv(tmp_path, 7), out=ten, guards=guards)
    assert published_posts(ten) == 7


def test_the_shrink_is_measured_against_the_published_build(tmp_path, ten):
    run_build(tmp_path, posts_csv(tmp_path, 20), out=ten)
    versions.rollback(ten)  # back to the 10-post build
    run_build(tmp_path, posts_csv(tmp_path, 9), out=ten)  # 10% fewer than 10 (55% than 20)
    assert published_posts(ten) == 9


def test_a_first_build_has_no_shrink_guard(tmp_path):
    one = run_build(tmp_path, posts_csv(tmp_path, 1))
    assert one.table_rows["posts"] == 1


def test_a_reject_rate_up_to_the_threshold_is_published_past_it_refused(tmp_path, ten):
    # 5 of 10 CSV records rejected (a bad metric): 0.5 is not more than 0.5.
    half = posts_csv(tmp_path, 10, bad_metrics=(1, 2, 3, 4, 5))
    with pytest.raises(PublishRefusedError, match="--max-shrink"):
        run_build(tmp_path, half, out=ten)  # 5 posts: past the reject rate, the shrink
    run_build(tmp_path, half, out=ten, guards=PublishGuards(allow_shrink=True))
    assert published_posts(ten) == 5
    before = tree(ten)
    worse = posts_csv(tmp_path, 10, bad_metrics=(1, 2, 3, 4, 5, 6))
    with pytest.raises(PublishRefusedError) as caught:
        run_build(tmp_path, worse, out=ten, guards=PublishGuards(allow_shrink=True))
    assert str(caught.value) == (
        f"{ten}: not published: 6 of 10 csv records were rejected (60%), more than "
        "--refuse-reject-rate 0.5 allows; nothing was published. Fix the input, or pass "
        "--refuse-reject-rate 1 to publish it anyway."
    )
    assert tree(ten) == before
    lower = PublishGuards(refuse_reject_rate=0.4, allow_shrink=True)
    with pytest.raises(PublishRefusedError, match=r"5 of 10 csv records .* \(50%\)"):
        run_build(tmp_path, half, out=ten, guards=lower)


def test_duplicates_are_not_rejects_for_the_guard(tmp_path):
    rows = [make_row(n) for n in range(1, 4)]
    # Every post three times: 6 of 9 records are duplicates (67%), and every post loads.
    csv_path = write_csv(tmp_path / "thrice.csv", rows * 3)
    result = run_build(tmp_path, csv_path)
    assert result.table_rows["posts"] == 3
    assert result.rejects_by_reason == [("csv", "duplicate_post", 6)]


def test_slides_are_an_input_of_their_own(tmp_path):
    rows = [make_row(n, slides="not a url|nor this") for n in range(1, 4)]
    with pytest.raises(PublishRefusedError) as caught:
        run_build(tmp_path, write_csv(tmp_path / "m.csv", rows))
    assert "6 of 6 slides were rejected (100%)" in str(caught.value)


def test_ocr_records_and_files_are_guarded(tmp_path):
    rows = [make_row(n) for n in range(1, 4)]
    csv_path = write_csv(tmp_path / "m.csv", rows)
    strangers = [ocr_record(make_row(n), "who") for n in (91, 92)]
    ocr = write_ocr(tmp_path / "ocr", {"Carla": [ocr_record(rows[0], "hi"), *strangers]})
    with pytest.raises(PublishRefusedError) as caught:
        run_build(tmp_path, csv_path, ocr)
    assert "2 of 3 OCR records were rejected (66.7%)" in str(caught.value)
    broken = tmp_path / "broken"
    for va in ("Carla", "Kent"):
        (broken / "by_va" / va).mkdir(parents=True)
        (broken / "by_va" / va / "ocr_posts.json").write_text("[{")
    with pytest.raises(PublishRefusedError) as caught:
        run_build(tmp_path, csv_path, broken)
    assert "2 of 2 OCR files were rejected (100%)" in str(caught.value)


@pytest.mark.parametrize(
    ("guards", "message"),
    [
        (
            PublishGuards(refuse_reject_rate=1.5),
            "--refuse-reject-rate 1.5: pass a share between 0 and 1.",
        ),
        (PublishGuards(max_shrink=-0.1), "--max-shrink -0.1: pass a share between 0 and 1."),
    ],
)
def test_thresholds_outside_0_to_1_are_input_errors(tmp_path, guards, message):
    with pytest.raises(InputError) as caught:
        run_build(tmp_path, posts_csv(tmp_path, 1), guards=guards)
    assert str(caught.value) == message
    assert not (tmp_path / "warehouse").exists()


def test_losing_the_slides_or_the_ocr_is_a_shrink_too(tmp_path, ten):
    rows = [make_row(n) for n in range(1, 11)]
    ocr = write_ocr(tmp_path / "ocr", {"Carla": [ocr_record(r, "hook") for r in rows[:5]]})
    run_build(tmp_path, posts_csv(tmp_path, 10), ocr, out=ten)
    before = tree(ten)
    # The same posts without their OCR folder: posts with OCR 5 -> 0.
    with pytest.raises(PublishRefusedError) as caught:
        run_build(tmp_path, posts_csv(tmp_path, 10), out=ten)
    assert str(caught.value) == (
        f"{ten}: not published: the new build has 0 posts with OCR, 100% fewer than the 5 "
        "of the published build, more than --max-shrink 0.2 allows; nothing was published. "
        "Check the input, or pass --allow-shrink to publish it anyway."
    )
    # The same posts with their slides column emptied: slides 20 -> 0.
    no_slides = write_csv(tmp_path / "no-slides.csv", [dict(r, slides="") for r in rows])
    with pytest.raises(PublishRefusedError, match="the new build has 0 slides, 100% fewer"):
        run_build(tmp_path, no_slides, ocr, out=ten)
    assert tree(ten) == before
