"""The report's growth section: on a warehouse with history it shows the warehouse's
numbers; on a warehouse of one snapshot it says what it needs."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import make_row, query, write_csv

from tikdb.outputs.report import build_report
from tikdb.pipeline.build import BuildOptions, build
from tikdb.pipeline.inputs import snapshot_files
from tikdb.synthetic import generate


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("growth")
    # Exports every 2 days over 34 days: posts old enough to repost, with a 3-day value.
    generate(tmp / "raw", 1500, seed=11, snapshots=18, every=timedelta(days=2))
    options = BuildOptions(
        None,
        tmp / "raw" / "october_ocr_data",
        tmp / "wh",
        threads=2,
        snapshots=snapshot_files(tmp / "raw" / "snapshots"),
        snapshots_dir=tmp / "raw" / "snapshots",
    )
    return build(options).db_path


def metric(page: str, name: str) -> list[str]:
    return re.findall(rf'data-metric="{re.escape(name)}"[^>]*>([^<]*)<', page)


def growth_section(page: str) -> str:
    return page.split("<h2>Growth over time</h2>", 1)[1].split("<h2>", 1)[0]


def test_the_growth_section_shows_the_warehouses_numbers(db):
    page = growth_section(build_report(db))
    assert metric(page, "growth.snapshots") == ["18"]
    ages = query(
        db,
        "SELECT median(views_1d), median(views_3d), median(views_7d), median(views_30d) "
        "FROM post_growth WHERE va_id = (SELECT va_id FROM va_performance "
        "WHERE va_id IS NOT NULL ORDER BY total_views DESC LIMIT 1)",
    )[0]
    first = [metric(page, f"growth.{a}")[0] for a in ("1d", "3d", "7d", "30d")]
    assert [f.split(" (")[0] for f in first] == [
        "–" if m is None else f"{round(m):,}" for m in ages
    ]
    outliers = query(
        db,
        "SELECT outlier_score + 1 FROM outliers WHERE outlier_score IS NOT NULL "
        "ORDER BY outlier_score DESC, post_id LIMIT 10",
    )
    assert metric(page, "outlier.times") == [f"{x:.1f}" for (x,) in outliers]
    candidates = query(
        db,
        "SELECT outlier_score + 1 FROM repost_candidates ORDER BY outlier_score DESC, post_id LIMIT 10",
    )
    assert candidates, "the fixture should have repost candidates"
    assert metric(page, "candidate.times") == [f"{x:.1f}" for (x,) in candidates]


def test_a_va_report_shows_the_growth_of_that_vas_posts(db):
    va = query(db, "SELECT va_id FROM repost_candidates WHERE va_id IS NOT NULL LIMIT 1")[0][0]
    page = growth_section(build_report(db, va=va))
    mine = query(
        db,
        "SELECT outlier_score + 1 FROM outliers WHERE outlier_score IS NOT NULL AND va_id = ? "
        "ORDER BY outlier_score DESC, post_id LIMIT 10",
        [va],
    )
    assert mine and metric(page, "outlier.times") == [f"{x:.1f}" for (x,) in mine]


def test_one_snapshot_says_growth_needs_several(tmp_path):
    csv_path = write_csv(tmp_path / "master.csv", [make_row(n) for n in range(1, 5)])
    db = build(BuildOptions(csv_path, None, tmp_path / "wh", threads=2)).db_path
    page = growth_section(build_report(db))
    assert metric(page, "growth.snapshots") == ["1"]
    assert "Growth needs several snapshots of the same posts" in page
    assert "<h3>" not in page
