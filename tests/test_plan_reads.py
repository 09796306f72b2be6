"""The plans' reads for the administration page (etl.storage.plan_reads) and the review queue's
counts, on SQLite and (with TEST_DATABASE_URL) PostgreSQL: every target row with its return and
review, and the targets in force agreeing with what the figures use."""

from __future__ import annotations

import math

from etl.core.forms import FORM_00
from etl.core.vocabulary import ReviewStatus
from etl.measures.cache import load_dataset
from etl.storage import plan_reads, review_reads, reviews
from tests.builders import city_targets, form00, form01, workbook_bytes

CC, NLV = FORM_00.column("measure").choices


def _unit_plan(count: int, doc: str) -> bytes:
    return workbook_bytes(form00([[1, "Sở Nội vụ", CC, 2021, None, count, doc]]))


def _figures_targets(engine) -> set[tuple]:
    """The targets the figures use: (scope unit id, measure, pct, count) of each."""
    targets = load_dataset(engine).targets
    return {
        (
            None if _missing(r["scope_unit_id"]) else int(r["scope_unit_id"]),
            r["measure"],
            None if _missing(r["pct"]) else float(r["pct"]),
            None if _missing(r["count"]) else int(r["count"]),
        )
        for r in targets.to_dict("records")
    }


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _read(engine) -> tuple[list[plan_reads.TargetRecord], list[plan_reads.TargetRecord]]:
    with engine.connect() as conn:
        history = plan_reads.target_history(conn)
    return history, plan_reads.in_force(history)


def _as_set(rows: list[plan_reads.TargetRecord]) -> set[tuple]:
    return {(r.scope_unit_id, r.measure, r.pct, r.count) for r in rows}


def test_history_lists_every_target_with_its_return_and_review(engine, ingest):
    ingest(workbook_bytes(form01([[1, "Sở Nội vụ", 40, 40, 39, 38]])))  # the unit, approved
    first = ingest(city_targets("5%", "10%"), "ke_hoach_1.xlsx", auto_period=False)
    later = ingest(city_targets("6%", "10%"), "ke_hoach_2.xlsx", approve=False, uploader="qt")
    refused = ingest(_unit_plan(3, "QĐ 9"), "ke_hoach_3.xlsx", approve=False)
    unit = ingest(_unit_plan(4, "QĐ 10"), "ke_hoach_4.xlsx", auto_period=False)
    with engine.begin() as conn:
        reviews.return_(conn, refused.submission_id, "duyet", "Sai số")

    history, in_force = _read(engine)
    assert [r.submission_id for r in history] == [
        unit.submission_id,
        refused.submission_id,
        later.submission_id,
        later.submission_id,
        first.submission_id,
        first.submission_id,
    ]
    newest = history[0]
    assert newest.scope_name == "Sở Nội vụ" and newest.count == 4 and newest.pct is None
    assert newest.doc_ref == "QĐ 10" and newest.file_name == "ke_hoach_4.xlsx"
    assert newest.review_status == ReviewStatus.DA_DUYET and newest.sheet == FORM_00.sheet_name
    assert history[1].review_status == ReviewStatus.TRA_LAI and history[1].reviewed_by == "duyet"
    waiting = history[2]
    assert waiting.review_status == ReviewStatus.CHO_DUYET and waiting.uploader == "qt"
    assert waiting.reviewed_by is None and waiting.reviewed_at is None  # nobody decided yet
    assert waiting.scope_unit_id is None and waiting.pct == 6 and waiting.base_year == 2021
    assert [r.measure for r in history[2:4]] == ["cong_chuc", "nguoi_lam_viec"]  # sheet order

    # in force: the latest approved row of each scope and measure, as the figures read them
    assert _as_set(in_force) == _figures_targets(engine)
    assert {(r.scope_unit_id is None, r.measure, r.pct, r.count) for r in in_force} == {
        (True, "cong_chuc", 5.0, None),
        (True, "nguoi_lam_viec", 10.0, None),
        (False, "cong_chuc", None, 4),
    }
    assert in_force[0].scope_unit_id is None  # the city first

    with engine.begin() as conn:
        reviews.approve(conn, later.submission_id, "duyet")
    _, in_force = _read(engine)
    assert _as_set(in_force) == _figures_targets(engine)
    assert {r.submission_id for r in in_force if r.scope_unit_id is None} == {later.submission_id}


def test_no_plan_no_history(engine):
    assert _read(engine) == ([], [])


def test_review_status_counts_take_every_accepted_return(engine, ingest):
    ingest(city_targets(), "ke_hoach.xlsx", auto_period=False, approve=False)  # no period
    ingest(workbook_bytes(form01([[1, "Sở Nội vụ", 40, 40, 39, 38]])))
    returned = ingest(workbook_bytes(form01([[1, "Sở Nội vụ", 40, 40, 39, 37]])), approve=False)
    with engine.begin() as conn:
        reviews.return_(conn, returned.submission_id, "duyet", "Sai")
    with engine.connect() as conn:
        counts = review_reads.review_status_counts(conn)
    assert counts == {"cho_duyet": 1, "da_duyet": 1, "tra_lai": 1}
