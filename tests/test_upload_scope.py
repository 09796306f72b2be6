"""An uploader's file is checked against its units before anything else is said (issue 15.4):
another unit's stored file is refused like any foreign file (no "duplicate", no id); the
header's `Đơn vị báo cáo` must name one of the account's units (or is taken from the account);
the tracker shows the account that sent a return. Refusals from the upload page are audited
like those through the API (issue 11.5), without a figure."""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

from sqlalchemy import Engine, text

from etl.core.vocabulary import IngestStatus
from etl.ingest.staging import OwnUnit, names_own_unit
from etl.storage import accounts
from tests.builders import TITLE_01, form01, workbook_bytes
from tests.conftest import table_counts

PASSWORD = "mat-khau-rat-dai-1"


def titled(unit: str | None) -> list[list[Any]]:
    """Biểu 01's title block with `Đơn vị báo cáo: unit` (row 5, cell A5), or without it."""
    rows = [list(r) for r in TITLE_01]
    if unit is None:
        return [r for r in rows if not str(r[0] or "").startswith("Đơn vị báo cáo")]
    return [
        [f"Đơn vị báo cáo: {unit}"] if str(r[0] or "").startswith("Đơn vị báo cáo") else r
        for r in rows
    ]


def return_of(unit: str, quota: int, header: str | None) -> bytes:
    return workbook_bytes(form01([[1, unit, 40, 40, 39, quota]], title=titled(header)))


def unit_id(engine: Engine, name: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT id FROM unit WHERE name = :n"), {"n": name}).scalar_one()


def stored_units(engine: Engine, ingest: Any) -> tuple[int, int]:
    """`Sở Nội vụ` and `Sở Y tế`, stored by the Department (an unscoped upload)."""
    assert ingest(return_of("Sở Nội vụ", 38, "Sở Nội vụ")).status == "accepted"
    assert ingest(return_of("Sở Y tế", 30, "Sở Y tế")).status == "accepted"
    return unit_id(engine, "Sở Nội vụ"), unit_id(engine, "Sở Y tế")


def codes(result: Any) -> set[str]:
    return {p.code for p in result.errors}


def test_another_units_stored_file_is_refused_like_any_foreign_file(engine, ingest):
    noi_vu, _y_te = stored_units(engine, ingest)
    theirs = return_of("Sở Y tế", 31, "Sở Y tế")
    assert ingest(theirs).status == IngestStatus.ACCEPTED  # stored by the Department
    before = table_counts(engine)
    for dry_run in (True, False):
        again = ingest(theirs, allowed_units={noi_vu}, dry_run=dry_run)  # byte for byte
        fresh = ingest(return_of("Sở Y tế", 29, "Sở Y tế"), allowed_units={noi_vu}, dry_run=dry_run)
        assert again.status == fresh.status == IngestStatus.REFUSED
        assert again.submission_id is None
        assert codes(again) == codes(fresh) == {"unit-not-allowed", "reporting-unit-not-allowed"}
        assert [p.message_vi for p in again.errors] == [p.message_vi for p in fresh.errors]
    assert table_counts(engine) == before
    # the Department (unscoped) is still told at once that it is stored
    assert ingest(theirs).status == IngestStatus.DUPLICATE


def test_own_file_again_is_a_duplicate(engine, ingest):
    noi_vu, _y_te = stored_units(engine, ingest)
    mine = return_of("Sở Nội vụ", 37, "Sở Nội vụ")
    first = ingest(mine, allowed_units={noi_vu}, approve=False)
    assert first.status == IngestStatus.ACCEPTED
    for dry_run in (True, False):
        again = ingest(mine, allowed_units={noi_vu}, dry_run=dry_run)
        assert (again.status, again.submission_id) == (IngestStatus.DUPLICATE, first.submission_id)


def test_a_spoofed_reporting_unit_is_refused_naming_the_cell(engine, ingest):
    _noi_vu, y_te = stored_units(engine, ingest)
    before = table_counts(engine)
    spoofed = ingest(return_of("Sở Y tế", 28, "Sở Nội vụ"), allowed_units={y_te})
    assert spoofed.status == IngestStatus.REFUSED
    (problem,) = spoofed.errors
    assert (problem.code, problem.sheet, problem.cell) == (
        "reporting-unit-not-allowed",
        "Biểu 01",
        "A5",
    )
    assert problem.value == "Sở Nội vụ"
    assert "(ô A5) ghi «Sở Nội vụ»" in problem.message_vi
    assert "tài khoản này («Sở Y tế»)" in problem.message_vi
    assert table_counts(engine) == before


def reporting_unit(engine: Engine, submission_id: int) -> str | None:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT reporting_unit FROM submission WHERE id = :i"), {"i": submission_id}
        ).scalar_one()


def test_the_reporting_unit_is_the_header_when_its_own_else_the_accounts(engine, ingest):
    _noi_vu, y_te = stored_units(engine, ingest)
    written = ingest(return_of("Sở Y tế", 27, "SỞ Y TẾ"), allowed_units={y_te})  # own, in capitals
    assert written.status == IngestStatus.ACCEPTED
    assert reporting_unit(engine, written.submission_id) == "SỞ Y TẾ"
    missing = ingest(return_of("Sở Y tế", 26, None), allowed_units={y_te})
    assert missing.status == IngestStatus.ACCEPTED
    assert reporting_unit(engine, missing.submission_id) == "Sở Y tế"  # from the account


def test_which_headers_name_an_accounts_units():
    own = [
        OwnUnit("Phòng Nội vụ", None, "Cờ Đỏ"),  # a district as the units table holds it
        OwnUnit("Sở Y tế", "H13.20", None),
    ]
    for header in ("Sở Y tế", "So Y te", "H13.20", "UBND huyện Cờ Đỏ", "Huyện Cờ Đỏ"):
        assert names_own_unit(header, own), header
    for header in ("Sở Nội vụ", "UBND huyện Thới Lai", "Sở Y tế (tổng hợp) khác", "H13.21", ""):
        assert not names_own_unit(header, own), header


# ---------------------------------------------------------------- through the app


def make_accounts(app) -> Engine:
    engine = app.server.extensions["tgbc_engine"]
    noi_vu, y_te = accounts.resolve_units(engine, ["Sở Nội vụ", "Sở Y tế"])
    accounts.create_account(engine, "donvi_a", PASSWORD, "uploader", unit_ids=[noi_vu])
    accounts.create_account(engine, "donvi_b", PASSWORD, "uploader", unit_ids=[y_te])
    return engine


def post(app, engine: Engine, user: str, content: bytes, name: str):
    token = accounts.create_token(engine, user, f"t-{name}", actor="test")
    return app.server.test_client().post(
        "/api/v1/returns",
        data={"file": (io.BytesIO(content), name)},
        headers={"Authorization": f"Bearer {token}"},
    )


def test_the_api_answers_another_units_file_without_an_id(isolated_app):
    """X's upload of the sample's stored Sở Y tế return: 422 as for any foreign file, no id
    and nothing about the stored submission; Y's own upload of it: a duplicate."""
    from etl.core.settings import load_settings

    engine = make_accounts(isolated_app)
    stored = (load_settings().sample_dir / "2024-06-30_01_so_y_te.xlsx").read_bytes()
    theirs = post(isolated_app, engine, "donvi_a", stored, "y_te.xlsx")
    assert theirs.status_code == 422
    body = theirs.get_json()
    assert (body["id"], body["submission_id"], body["status"]) == (None, None, "refused")
    assert "duplicate" not in json.dumps(body)
    assert {p["code"] for p in body["problems"] if p["severity"] == "error"} == {
        "unit-not-allowed",
        "reporting-unit-not-allowed",
    }
    with engine.connect() as conn:  # every unit of that return: an account of Sở Y tế
        units = (
            conn.execute(
                text(
                    "SELECT DISTINCT f.unit_id FROM fact f JOIN submission s"
                    " ON s.id = f.submission_id WHERE s.sha256 = :h"
                ),
                {"h": hashlib.sha256(stored).hexdigest()},
            )
            .scalars()
            .all()
        )
    accounts.create_account(engine, "so_y_te", PASSWORD, "uploader", unit_ids=list(units))
    own = post(isolated_app, engine, "so_y_te", stored, "y_te.xlsx")
    assert own.status_code == 200 and own.get_json()["result"] == "duplicate"
    assert own.get_json()["id"] is not None


def test_the_tracker_shows_the_account_that_sent_a_return(isolated_app):
    from etl.measures import tracking
    from etl.measures.cache import DatasetCache
    from etl.storage import periods, reviews

    engine = make_accounts(isolated_app)
    sent = post(isolated_app, engine, "donvi_b", return_of("Sở Y tế", 30, "Sở Y tế"), "y.xlsx")
    assert sent.status_code == 200, sent.get_json()
    with engine.begin() as conn:
        reviews.approve(conn, sent.get_json()["id"], "test")
    with engine.connect() as conn:
        period = next(p for p in periods.list_periods(conn) if p.as_of.isoformat() == "2024-06-30")
    table = tracking.load_tracker(engine, DatasetCache().get(engine), period)
    row = table[table["name"] == "Sở Y tế"].iloc[0]
    assert (row["state"], row["submitted_by"]) == ("da_duyet", "donvi_b")  # not the sample's


def test_refusals_on_the_upload_page_are_audited(isolated_app):
    """The page's check (what its background job runs) writes one audit entry per refused
    file: actor, file name, sha256, the problem codes, and no figure."""
    import base64

    from flask_login import login_user

    from pages import upload
    from web.auth import User

    engine = make_accounts(isolated_app)
    foreign = return_of("Sở Y tế", 7777, "Sở Y tế")
    own = return_of("Sở Nội vụ", 36, "Sở Nội vụ")
    contents = [
        "data:application/octet-stream;base64," + base64.b64encode(c).decode()
        for c in (foreign, own)
    ]
    last = accounts.read_audit(engine, limit=1)[0]["id"]
    with isolated_app.server.test_request_context():
        login_user(User(accounts.get_account(engine, username="donvi_a")))
        _results, items, _done = upload.on_upload(contents, ["cua_y_te.xlsx", "cua_minh.xlsx"])
        assert [i["status"] for i in items] == ["refused", "checked"]
        entries = [e for e in accounts.read_audit(engine) if e["id"] > last]
        (refused,) = entries  # the passing file is audited when it is stored, not now
        assert (refused["actor"], refused["action"], refused["target"]) == (
            "donvi_a",
            "upload.refused",
            "cua_y_te.xlsx",
        )
        detail = refused["detail"]
        assert detail["sha256"] == hashlib.sha256(foreign).hexdigest()
        assert detail["codes"] == ["reporting-unit-not-allowed", "unit-not-allowed"]
        assert detail["check"] is True and detail["submission_id"] is None
        assert "7777" not in json.dumps(detail)  # no figure of the file
        upload.on_confirm(1, items)
    actions = [e["action"] for e in accounts.read_audit(engine) if e["id"] > last]
    assert sorted(actions) == ["upload.accepted", "upload.refused"]


def test_an_uploaders_tracker_is_not_labelled_the_whole_city(isolated_app):
    """An uploader's tracker lists its own units only: its line names them so, not «Toàn
    thành phố — … 3 đơn vị phải báo cáo», which a reviewer's line says of the whole city."""
    from flask_login import login_user

    from pages.tracker import OWN_UNITS_LABEL, render_tracker
    from tests.test_app import text_of
    from web.auth import User

    engine = make_accounts(isolated_app)
    with isolated_app.server.test_request_context():
        login_user(User(accounts.get_account(engine, username="donvi_a")))
        line = text_of(render_tracker("?as_of=2024-06-30", None))
    assert f"{OWN_UNITS_LABEL} — Kỳ «" in line and "Toàn thành phố" not in line, line[:300]
    with isolated_app.server.test_request_context():
        login_user(User(accounts.get_account(engine, username="admin")))
        line = text_of(render_tracker("?as_of=2024-06-30", None))
    assert "Toàn thành phố — Kỳ «" in line and OWN_UNITS_LABEL not in line
