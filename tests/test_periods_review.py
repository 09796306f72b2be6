"""Periods, the review of returns, the cut-off date of a return, and migration 0004 (SQLite and,
with TEST_DATABASE_URL, PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from etl.core import clock
from etl.core.vocabulary import ReviewStatus
from etl.storage import accounts, db, periods, review_reads, reviews
from tests.builders import b01_as_of, city_targets, form01, workbook_bytes
from tests.conftest import open_period, table_counts

H1_2024 = dt.date(2024, 6, 30)
Y2023 = dt.date(2023, 12, 31)


def _return(value: int, unit: str = "Sở Nội vụ") -> bytes:
    return workbook_bytes(form01([[1, unit, 40, 40, 39, value]]))


# ---------------------------------------------------------------- periods


def test_periods_add_list_close_reopen(engine):
    with engine.begin() as conn:
        p = periods.add(
            conn, name="Năm 2023", as_of=Y2023, deadline=dt.date(2024, 1, 15), actor="a"
        )
        periods.add(conn, name="6 tháng", as_of=H1_2024, deadline=dt.date(2024, 7, 15), actor="a")
    assert (p.name, p.as_of, p.state, p.created_by, p.closed_at) == (
        "Năm 2023", Y2023, "mo", "a", None
    )  # fmt: skip
    with engine.begin() as conn:
        assert [x.as_of for x in periods.list_periods(conn)] == [Y2023, H1_2024]
        assert periods.find_for_as_of(conn, H1_2024).name == "6 tháng"
        assert periods.find_for_as_of(conn, dt.date(2024, 6, 29)) is None
        closed = periods.close(conn, p.id, "a")
        assert closed.state == "dong" and closed.closed_at is not None
        assert periods.reopen(conn, p.id, "a").state == "mo"
        assert periods.get(conn, 999) is None
    for kwargs in (
        {"as_of": dt.date(2014, 12, 31), "deadline": dt.date(2015, 1, 15)},  # before 2015
        {"as_of": Y2023, "deadline": dt.date(2024, 1, 15)},  # a duplicate cut-off
        {"as_of": dt.date(2025, 6, 30), "deadline": dt.date(2025, 6, 1)},  # deadline before
    ):
        with pytest.raises(periods.PeriodError), engine.begin() as conn:
            periods.add(conn, name="x", actor="a", **kwargs)
    actions = [e["action"] for e in accounts.read_audit(engine)]
    assert sorted(actions) == ["period.add", "period.add", "period.close", "period.open"]


def test_default_names():
    assert periods.default_name(Y2023) == "Năm 2023"
    assert periods.default_name(H1_2024) == "6 tháng đầu năm 2024"
    assert periods.default_name(dt.date(2024, 3, 31)) == "Kỳ tính đến 31/03/2024"


def test_default_cut_off_moves_only_with_a_closed_period_or_approved_returns(engine, ingest):
    with engine.begin() as conn:
        assert periods.default_cut_off(conn) is None
    open_period(engine, Y2023)
    open_period(engine, H1_2024)
    with engine.begin() as conn:
        assert periods.default_cut_off(conn) is None  # open, nothing approved
        periods.close(conn, periods.find_for_as_of(conn, Y2023).id, "a")
        assert periods.default_cut_off(conn) == Y2023
    waiting = ingest(_return(38), approve=False)  # dated 30/06/2024
    assert waiting.review_status == "cho_duyet" and waiting.period == "6 tháng đầu năm 2024"
    with engine.begin() as conn:
        assert periods.default_cut_off(conn) == Y2023  # a waiting return does not move it
        reviews.approve(conn, waiting.submission_id, "duyet")
        assert periods.default_cut_off(conn) == H1_2024


# ---------------------------------------------------------------- review


def test_review_flow_and_refusals(engine, ingest):
    first = ingest(_return(38), approve=False)
    second = ingest(_return(37), "sau.xlsx", approve=False)
    with engine.begin() as conn:
        assert reviews.status_of(conn, first.submission_id) == ReviewStatus.CHO_DUYET
        assert reviews.approved_submission_ids(conn) == set()
        queue = reviews.queue(conn, ReviewStatus.CHO_DUYET)
        assert [r.id for r in queue] == [second.submission_id, first.submission_id]
        assert queue[0].period == "6 tháng đầu năm 2024" and queue[0].uploader == "cli"
        reviews.approve(conn, first.submission_id, "duyet")
        reviews.return_(conn, second.submission_id, "duyet", "  Sai số năm 2024 ")
    with engine.begin() as conn:
        assert reviews.approved_submission_ids(conn) == {first.submission_id}
        ids = conn.execute(text(review_reads.approved_ids_sql())).scalars().all()
        assert ids == [first.submission_id]
        returned = reviews.queue(conn, ReviewStatus.TRA_LAI)
        assert [(r.id, r.comment) for r in returned] == [(second.submission_id, "Sai số năm 2024")]
        assert reviews.queue(conn, period_id=999) == []
    cases = [
        (lambda c: reviews.approve(c, first.submission_id, "x"), "conflict"),
        (lambda c: reviews.return_(c, second.submission_id, "x", "lại"), "conflict"),
        (lambda c: reviews.approve(c, 999, "x"), "not-found"),
        (lambda c: reviews.return_(c, first.submission_id, "x", "  "), "comment-required"),
    ]
    for action, code in cases:
        with pytest.raises(reviews.ReviewError) as raised, engine.begin() as conn:
            action(conn)
        assert raised.value.code == code and raised.value.vi
    third = ingest(_return(36), "ba.xlsx", approve=False)
    with engine.begin() as conn:
        periods.close(conn, periods.find_for_as_of(conn, H1_2024).id, "a")
    with pytest.raises(reviews.ReviewError) as raised, engine.begin() as conn:
        reviews.approve(conn, third.submission_id, "x")
    assert raised.value.code == "period-closed"
    audit = [(e["action"], e["target"]) for e in accounts.read_audit(engine)]
    assert ("review.approve", str(first.submission_id)) in audit
    assert ("review.return", str(second.submission_id)) in audit


def test_review_rows_are_append_only(engine, ingest):
    result = ingest(_return(38))
    for sql in ("UPDATE review SET status = 'tra_lai'", "DELETE FROM review"):
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(text(sql))
    with engine.begin() as conn:
        assert [h["status"] for h in reviews.history(conn, result.submission_id)] == [
            "cho_duyet",
            "da_duyet",
        ]


def test_a_review_changes_the_data_version_and_reloads_everything(engine, ingest):
    first = ingest(_return(38), approve=False)
    before = db.data_version(engine)
    with engine.begin() as conn:
        reviews.approve(conn, first.submission_id, "duyet")
    after = db.data_version(engine)
    assert after != before and after.review > (before.review or 0)
    assert after.submission == before.submission
    snapshot = db.read_snapshot(engine, since=before)
    assert snapshot.since is None  # an older submission reviewed: not only added
    assert list(snapshot.frames["review"]["status"]) == ["cho_duyet", "da_duyet"]
    assert list(snapshot.frames["period"]["name"]) == ["6 tháng đầu năm 2024"]
    later = ingest(_return(37, "Sở Y tế"), "b.xlsx", approve=False)
    added = db.read_snapshot(engine, since=after, shown_before=snapshot.shown)
    assert added.since == after  # a new submission with its own review row: only added
    assert added.added == frozenset()  # it waits: the approved figures do not move
    assert list(added.frames["review"]["submission_id"]) == [later.submission_id]


# ---------------------------------------------------------------- the cut-off date


@pytest.mark.parametrize(
    ("as_of", "code"),
    [
        ("31/12/9999", "as-of-future"),
        ("29/02/1900", "as-of-invalid"),
        ("01/01/2010", "as-of-too-early"),
        ("31/03/2024", "period-not-found"),
    ],
)
def test_a_bad_cut_off_date_is_refused_naming_its_cell(engine, ingest, as_of, code):
    open_period(engine, H1_2024)
    before = table_counts(engine)
    result = ingest(b01_as_of(as_of), auto_period=False)
    assert result.status == "refused"
    assert [(p.code, p.where) for p in result.errors] == [(code, "Biểu 01!A2")]
    assert "A2" in result.errors[0].message_vi
    assert table_counts(engine) == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM review")).scalar_one() == 0
    if code == "period-not-found":  # the open periods are named
        assert "6 tháng đầu năm 2024 (30/06/2024)" in result.errors[0].message_vi


def test_the_future_is_counted_from_today_in_vietnam_with_a_grace(engine, ingest, monkeypatch):
    open_period(engine, H1_2024)
    monkeypatch.setattr(clock, "vn_today", lambda: dt.date(2024, 6, 10))  # 20 days before
    refused = ingest(_return(38), auto_period=False)
    assert [p.code for p in refused.errors] == ["as-of-future"]
    assert "10/06/2024" in refused.errors[0].message_vi
    assert ingest(_return(38), auto_period=False, as_of_grace_days=30).status == "accepted"
    monkeypatch.setenv("AS_OF_GRACE_DAYS", "25")
    assert ingest(_return(37), "b.xlsx", auto_period=False).status == "accepted"


def test_vn_today_is_utc_plus_7():
    now = dt.datetime.now(dt.UTC) + dt.timedelta(hours=7)
    assert clock.vn_today() in (now.date(), (now - dt.timedelta(seconds=5)).date())


def test_a_return_without_a_cut_off_date_has_no_period(engine, ingest):
    plan = ingest(city_targets(), auto_period=False, approve=False)
    assert plan.status == "accepted" and plan.period is None
    assert plan.review_status == "cho_duyet"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT period_id FROM submission")).scalar_one() is None


# ---------------------------------------------------------------- migration 0004


def _alembic(engine, revision: str, *, down: bool = False) -> None:
    with engine.begin() as conn:
        cfg = db.alembic_config(engine.url.render_as_string(hide_password=False))
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def test_upgrade_from_0003_approves_stored_returns_and_gives_them_periods(
    engine, ingest, tmp_path: Path
):
    """Returns stored under 0003 (here: stored, then the schema taken down to 0003) come out of
    the upgrade approved, in periods from their cut-off dates, the figures unchanged, and the
    data_change triggers of 0003 still at work."""
    from etl import service

    for name, content in (("a.xlsx", b01_as_of("31/12/2023")), ("b.xlsx", _return(38))):
        assert ingest(content, name).status == "accepted"
    summary = service.summary(engine, as_of=H1_2024)
    _alembic(engine, "0003", down=True)
    with engine.begin() as conn:
        assert db.schema_revision(engine) == "0003"
        subs = conn.execute(text("SELECT id, as_of FROM submission ORDER BY id")).all()
    assert len(subs) == 2
    _alembic(engine, "head")
    with engine.begin() as conn:
        rows = conn.execute(
            text("SELECT name, as_of, deadline, state, created_by FROM period ORDER BY as_of")
        ).all()
        assert [(r.name, r.state, r.created_by) for r in rows] == [
            ("Năm 2023", "dong", "migration"),
            ("6 tháng đầu năm 2024", "mo", "migration"),
        ]
        assert str(rows[0].deadline)[:10] == "2024-01-15"
        linked = conn.execute(
            text(
                "SELECT s.id, p.as_of FROM submission s JOIN period p ON p.id = s.period_id "
                "ORDER BY s.id"
            )
        ).all()
        assert [str(r.as_of)[:10] for r in linked] == ["2023-12-31", "2024-06-30"]
        review_rows = conn.execute(
            text("SELECT submission_id, status, actor, comment FROM review ORDER BY id")
        ).all()
        assert [tuple(r) for r in review_rows] == [
            (subs[0].id, "da_duyet", "migration", "Duyệt khi nâng cấp"),
            (subs[1].id, "da_duyet", "migration", "Duyệt khi nâng cấp"),
        ]
        assert reviews.approved_submission_ids(conn) == {s.id for s in subs}
        assert periods.default_cut_off(conn) == H1_2024
    assert service.summary(engine, as_of=H1_2024) == summary
    # 0003's triggers are intact: a deletion is still logged
    with engine.begin() as conn:
        before = conn.execute(text("SELECT COUNT(*) FROM data_change")).scalar_one()
        conn.execute(text("DELETE FROM fact WHERE id = (SELECT MAX(id) FROM fact)"))
        after = conn.execute(text("SELECT COUNT(*) FROM data_change")).scalar_one()
    assert after > before
    with pytest.raises(DatabaseError, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM review"))


def test_upgrade_of_an_empty_database_makes_no_period(engine):
    _alembic(engine, "0003", down=True)
    _alembic(engine, "head")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM period")).scalar_one() == 0
        assert conn.execute(text("SELECT COUNT(*) FROM review")).scalar_one() == 0


def test_period_review_counts(engine, ingest):
    """The admin page's counts per period: by the latest review row of each return."""
    waiting = ingest(_return(38), approve=False)
    ingest(_return(37), "b.xlsx")  # approved
    returned = ingest(_return(36), "c.xlsx", approve=False)
    with engine.begin() as conn:
        reviews.return_(conn, returned.submission_id, "duyet", "Sai")
        period_id = periods.find_for_as_of(conn, dt.date(2024, 6, 30)).id
        periods.add(
            conn, name="Năm 2024", as_of=dt.date(2024, 12, 31), deadline=dt.date(2025, 1, 15),
            actor="test",
        )  # fmt: skip
    with engine.connect() as conn:
        counts = review_reads.period_review_counts(conn)
    assert counts == {period_id: {"cho_duyet": 1, "da_duyet": 1, "tra_lai": 1}}
    assert waiting.review_status == ReviewStatus.CHO_DUYET
