"""The review diff: exactly the figures a return changes against the approved ones, with the
cell they came from, baseline (2021) and past-year changes flagged and listed first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from etl.measures.review_diff import (
    FACT_COLUMNS,
    REVISION_COLUMNS,
    UNIT_COLUMNS,
    diff_figures,
    diff_units,
    review_diff,
)
from tests.builders import units_return
from tests.test_approved_figures import FIRST, upload
from tests.test_refresh import _school

CC = "cong_chuc"


def facts(submission_id: int, rows: list[tuple[int, str, int, int, str]]) -> pd.DataFrame:
    """Fact rows (unit, status, year, value, cell) of one submission."""
    return pd.DataFrame(
        [
            (submission_id * 100 + i, submission_id, unit, CC, status, year, value, "Biểu 01", cell)
            for i, (unit, status, year, value, cell) in enumerate(rows)
        ],
        columns=FACT_COLUMNS,
    )


def test_one_baseline_one_past_year_one_new_key_and_n_unchanged() -> None:
    n = 7
    same = [(10 + i, "assigned", 2024, 50 + i, f"D{10 + i}") for i in range(n)]
    approved = pd.concat(
        [
            facts(1, [(1, "assigned", 2021, 120, "D7"), (1, "assigned", 2023, 118, "G7")]),
            facts(2, [(1, "assigned", 2021, 119, "D7"), *same]),  # the later one is current
        ],
        ignore_index=True,
    )
    new = facts(
        3,
        [
            (1, "assigned", 2021, 121, "D7"),  # baseline change (old 119: the current value)
            (1, "assigned", 2023, 117, "G7"),  # past-year change
            (2, "present", 2024, 30, "K8"),  # a new key
            *same,
        ],
    )
    names = {1: "Sở Y tế", 2: "Trường B"}
    diff = diff_figures(new, approved, names, dt.date(2024, 6, 30), 3)
    assert diff.unchanged == n
    assert len(diff.rows) == 3
    base, past, fresh = diff.rows
    assert (base.unit_name, base.year, base.old, base.new, base.cell) == (
        "Sở Y tế",
        2021,
        119,
        121,
        "D7",
    )
    assert base.baseline and base.past_year and base.sheet == "Biểu 01"
    assert (past.year, past.old, past.new, past.cell) == (2023, 118, 117, "G7")
    assert past.past_year and not past.baseline
    assert (fresh.unit_id, fresh.old, fresh.new, fresh.status) == (2, None, 30, "present")
    assert not fresh.baseline and not fresh.past_year
    assert diff.baseline_rows == (base,)


def test_the_latest_row_of_a_key_in_the_return_counts_and_nothing_approved() -> None:
    new = facts(3, [(1, "assigned", 2024, 5, "D7"), (1, "assigned", 2024, 6, "D9")])
    diff = diff_figures(new, facts(1, [])[:0], {}, None)
    assert [(r.new, r.cell, r.old, r.past_year) for r in diff.rows] == [(6, "D9", None, False)]
    assert diff_figures(new[:0], new, {}, None).rows == ()


def test_review_diff_reads_the_return_against_the_approved_figures(
    engine: Engine, ingest: Callable[..., Any]
) -> None:
    upload(ingest, engine, units_return(FIRST), "02.xlsx")
    changed = [_school("Trường C", 41, 40, 85, 80, 3, "Đã phê duyệt")]  # 2021: 40 → 41
    waiting = upload(ingest, engine, units_return(changed), "02b.xlsx", "cho_duyet")
    diff = review_diff(engine, waiting)
    assert [(r.unit_name, r.year, r.old, r.new, r.baseline) for r in diff.rows] == [
        ("Trường C", 2021, 40, 41, True)
    ]
    assert diff.rows[0].sheet and diff.rows[0].cell
    assert diff.unchanged > 0


def revisions(submission_id: int, rows: list[tuple[int, str, str, str]]) -> pd.DataFrame:
    """unit_revision rows (unit, field, value, cell) of one submission."""
    return pd.DataFrame(
        [
            (submission_id * 100 + i, submission_id, unit, field, value, "Biểu 02", cell)
            for i, (unit, field, value, cell) in enumerate(rows)
        ],
        columns=REVISION_COLUMNS,
    )


def test_unit_changes_are_old_and_new_attributes_in_submission_order() -> None:
    units = pd.DataFrame(
        [
            (1, "Trường A", "UBND quận Ninh Kiều", "Giáo dục và Đào tạo", None, None, None, 1),
            (2, "Trường M", None, None, None, None, None, 5),
            (3, "Trường Z", None, None, "Nhóm 1", "2020-01-01", None, 1),
        ],
        columns=UNIT_COLUMNS,
    ).astype(object)
    approved = pd.concat(
        [
            revisions(2, [(1, "sector", "Y tế", "B5")]),
            revisions(7, [(1, "autonomy", "Nhóm 2", "B5")]),  # later than the return
        ]
    )
    mine = revisions(
        5,
        [
            (1, "sector", "Văn hóa", "B6"),  # Y tế → Văn hóa
            (1, "autonomy", "Nhóm 3", "B6"),  # the later approved Nhóm 2 still wins
            (1, "parent", "UBND quận Ninh Kiều", "B6"),  # as it is
            (2, "sector_if_empty", "Văn hóa", "B9"),  # a new unit without a sector
            (3, "sector_if_empty", "Y tế", "B9"),
            (3, "valid_to", "2024-03-15", "B9"),
        ],
    )
    changes = diff_units(units, approved, mine, submission_id=5)
    assert [(c.unit_id, c.field, c.old, c.new, c.cell, c.new_unit) for c in changes] == [
        (1, "sector", "Y tế", "Văn hóa", "B6", False),
        (2, "sector", None, "Văn hóa", "B9", True),
        (3, "sector", None, "Y tế", "B9", False),
        (3, "valid_to", None, "2024-03-15", "B9", False),
    ]
    assert diff_units(units, approved, mine.iloc[:0]) == ()
