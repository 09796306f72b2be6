"""Storage on SQLite and PostgreSQL: one transaction per file, supersession, duplicates."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from etl import service
from tests.builders import form01, form02, workbook_bytes
from tests.conftest import table_counts

AS_OF = dt.date(2024, 6, 30)


def _return(nv: int, yt: int, *, title_date: str = "30/06/2024") -> bytes:
    title = [["Biểu số 01"], [f"Số liệu tính đến ngày: {title_date}"]]
    return workbook_bytes(
        form01(
            [[1, "Sở Nội vụ", 40, 40, 39, nv, "Đã phê duyệt"], [2, "Sở Y tế", 50, 50, 50, yt]],
            title=title,
        )
    )


def test_accepted_file_is_stored_with_its_cells(engine, ingest):
    result = ingest(_return(38, 49))
    assert result.status == "accepted"
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT u.name, f.year, f.value, f.sheet, f.cell FROM fact f "
                "JOIN unit u ON u.id = f.unit_id WHERE f.year = 2024 ORDER BY u.name"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("Sở Nội vụ", 2024, 38, "Biểu 01", "F6"),
        ("Sở Y tế", 2024, 49, "Biểu 01", "F7"),
    ]


def test_same_file_twice_changes_nothing(engine, ingest):
    content = _return(38, 49)
    assert ingest(content).status == "accepted"
    before = table_counts(engine)
    again = ingest(content, "ten_khac.xlsx")
    assert again.status == "duplicate"
    assert table_counts(engine) == before


def test_later_return_supersedes_only_its_unit_and_year(engine, ingest):
    ingest(_return(38, 49))
    later = workbook_bytes(form01([[1, "Sở Nội vụ", None, None, None, 37]], title=[["Biểu số 01"]]))
    assert ingest(later, "sua.xlsx").status == "accepted"
    figures = service.summary(engine, as_of=AS_OF)["cong_chuc"]
    assert figures["baseline"] == 90  # 2021 untouched: empty cells do not supersede
    assert figures["current"] == 37 + 49
    with engine.connect() as conn:
        history = conn.execute(
            text(
                "SELECT f.value FROM fact f JOIN unit u ON u.id = f.unit_id "
                "WHERE u.name = 'Sở Nội vụ' AND f.year = 2024 ORDER BY f.id"
            )
        ).scalars()
        assert list(history) == [38, 37]  # the earlier value stays in the history


def test_refused_file_stores_nothing(engine, ingest):
    ingest(_return(38, 49))
    before = table_counts(engine)
    bad = workbook_bytes(
        form01(
            [[1, "Sở Tư pháp", 30, 30, 30, 29], [2, "Sở Tài chính", 30, "ba mươi", 30, 30]],
            title=[["Biểu số 01"]],
        )
    )
    result = ingest(bad)
    assert result.status == "refused"
    assert [(p.code, p.cell) for p in result.errors] == [("not-a-number", "D6")]
    assert table_counts(engine) == before


def test_crash_mid_way_leaves_nothing_partial(engine, ingest):
    """A failure after every row of the file is written (`on_store` runs last in the file's
    transaction) leaves nothing of it: not the submission, not a unit, not a fact."""
    ingest(_return(38, 49))
    before = table_counts(engine)

    def explode(conn, result):
        written = conn.execute(text("SELECT COUNT(*) FROM fact")).scalar_one()
        assert written > before["fact"]  # the rows are in, the transaction still open
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        ingest(
            workbook_bytes(
                form02([[1, "Bệnh viện Đa khoa", "Y tế", 300, 280, None, "Đã phê duyệt", None]])
            ),
            on_store=explode,
        )
    assert table_counts(engine) == before


def test_original_file_is_kept_content_addressed(engine, ingest, tmp_path):
    content = _return(38, 49)
    result = ingest(content, "../../etc/passwd.xlsx")
    assert result.status == "accepted"
    kept = list((tmp_path / "uploads").rglob("*.xlsx"))
    assert len(kept) == 1 and kept[0].name == f"{result.sha256}.xlsx"
    assert kept[0].read_bytes() == content


def test_sqlite_runs_in_wal_mode(sqlite_engine):
    with sqlite_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_declared_schema_matches_the_migrations(engine):
    """etl/storage/schema.py and the Alembic migrations describe the same tables, columns and
    indexes (autogenerate would otherwise propose dropping what only a migration created)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from etl.storage import schema

    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), schema.metadata) == []


def test_a_known_unit_is_revised_only_when_its_attributes_change(engine, ingest):
    """A return never updates a unit's row (nothing for the app's refresh to re-read): the
    attributes it gives are unit_revision rows, written only when they change the approved
    value or another return not approved revised the attribute too."""

    def unit_changes() -> int:
        with engine.connect() as conn:
            return conn.execute(
                text("SELECT COUNT(*) FROM data_change WHERE table_name = 'unit'")
            ).scalar_one()

    def sectors() -> list[str]:
        with engine.connect() as conn:
            sql = "SELECT value FROM unit_revision WHERE field = 'sector' ORDER BY id"
            return list(conn.execute(text(sql)).scalars())

    def bv(sector: str, year: int, value: int) -> bytes:
        row = [1, "Bệnh viện Đa khoa", sector, 300, value, None, "Đã phê duyệt", None]
        return workbook_bytes(form02([row], years=(2021, year)))

    def stored_sector() -> str | None:
        with engine.connect() as conn:
            sql = "SELECT sector FROM unit WHERE name = 'Bệnh viện Đa khoa'"
            return conn.execute(text(sql)).scalar_one()

    assert ingest(bv("Y tế", 2023, 290), "a.xlsx").status == "accepted"
    assert sectors() == ["Y tế"]  # the new unit's: shown once its return is
    assert ingest(bv("Y tế", 2024, 280), "b.xlsx").status == "accepted"
    assert sectors() == ["Y tế"]  # the approved value again: nothing written
    assert ingest(bv("Giáo dục và Đào tạo", 2025, 270), "c.xlsx").status == "accepted"
    assert sectors() == ["Y tế", "Giáo dục và Đào tạo"]
    # waiting: the same value again is written (the waiting one may be returned)
    waiting = ingest(bv("Y tế", 2026, 260), "d.xlsx", approve=False)
    assert waiting.status == "accepted", waiting.problems
    later = ingest(bv("Y tế", 2027, 250), "e.xlsx")
    assert later.status == "accepted", later.problems
    assert sectors() == ["Y tế", "Giáo dục và Đào tạo", "Y tế", "Y tế"]
    assert unit_changes() == 0 and stored_sector() is None  # the row is as created
    for sql in ("UPDATE unit_revision SET value = 'x'", "DELETE FROM unit_revision"):
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            conn.execute(text(sql))
    assert len(sectors()) == 4


def test_opening_never_migrates_and_names_a_missing_or_older_schema(tmp_path):
    from alembic import command

    from etl.storage import db

    url = f"sqlite:///{tmp_path / 'moi.sqlite3'}"
    with pytest.raises(service.SchemaNotCurrent, match="chưa có lược đồ mới nhất"):
        service.open_engine(url)  # no schema: not created behind the caller's back
    bare = db.make_engine(url)
    assert db.schema_revision(bare) is None and not db.schema_is_current(bare)
    service.migrate(url)
    assert db.schema_revision(bare) == db.head_revision() and db.schema_is_current(bare)
    service.open_engine(url).dispose()
    with bare.begin() as conn:  # one migration behind
        cfg = db.alembic_config(url)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "-1")
    assert not db.schema_is_current(bare)
    with pytest.raises(service.SchemaNotCurrent):
        service.open_engine(url)
    service.migrate(url)
    assert db.schema_is_current(bare)
    bare.dispose()


def test_the_code_key_migration_folds_the_stored_codes(tmp_path):
    """0011 adds `unit.code_key` and fills it with each stored code, case-folded by Python
    (not SQL `lower`, which leaves Đ and ß as they are in SQLite); a unit without a code
    keeps none."""
    from alembic import command

    from etl.storage import db

    url = f"sqlite:///{tmp_path / 'ma.sqlite3'}"
    bare = db.make_engine(url)
    with bare.begin() as conn:
        cfg = db.alembic_config(url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007")
        conn.execute(text(
            "INSERT INTO submission (id, file_name, sha256, stored_path, uploader, uploaded_at,"
            " status, problems) VALUES (1, 'a.xlsx', 'x', 'a', 't', '2024-07-01 00:00:00',"
            " 'accepted', '[]')"
        ))  # fmt: skip
        for i, code in enumerate(["ĐV-Straße", "abc", None], start=1):
            conn.execute(
                text(
                    "INSERT INTO unit (id, code, name, name_key, loose_key, kind, level,"
                    " district_key, created_by) VALUES (:i, :code, :n, :n, :n, 'k', 'l', '', 1)"
                ),
                {"i": i, "code": code, "n": f"u{i}"},
            )
        command.upgrade(cfg, "head")
        rows = conn.execute(text("SELECT id, code_key FROM unit ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(1, "đv-strasse"), (2, "abc"), (3, None)]
    bare.dispose()
