"""Bulk ingest (`etl.ingest.load.ingest_many`) and reading the forms in the child (`read_forms`):
the same stored rows, results and problems as one `ingest_bytes` after the other."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from etl.core.problems import Problem, ProblemLog
from etl.ingest import load
from etl.reading import reader
from etl.reading.reader import read_forms, read_grids, read_workbook_sheets
from etl.reading.records import Cell
from tests.builders import form01, workbook_bytes
from tests.conftest import make_test_engine, open_sample_periods, table_counts

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"
TABLES = ("submission", "unit", "fact", "job_position", "event", "event_unit", "lineage", "target")


def _one(name: str, count: object) -> bytes:
    return workbook_bytes(form01([[1, name, 40, 40, 39, count, "Đã phê duyệt"]]))


def _stored(engine: Engine) -> dict[str, list[dict[str, object]]]:
    """Every stored row (ids included, upload times left out)."""
    with engine.connect() as conn:
        return {
            table: [
                {k: v for k, v in row.items() if k != "uploaded_at"}
                for row in conn.execute(text(f"SELECT * FROM {table} ORDER BY id")).mappings()
            ]
            for table in TABLES
        }


def _summary(result: load.IngestResult) -> tuple[object, ...]:
    return (
        result.file_name,
        result.status,
        result.submission_id,
        result.counts,
        result.forms,
        result.as_of,
        [p.as_dict() for p in result.problems],
    )


def _batch() -> list[tuple[str, bytes]]:
    """The sample city, with a refused file, a too large one and a duplicate among them."""
    files = [(p.name, p.read_bytes()) for p in sorted(SAMPLE_DIR.glob("*.xlsx"))]
    refused = ("sai_so.xlsx", _one("Sở Nội vụ", "ba mươi"))
    too_large = ("qua_lon.xlsx", _one("Sở Y tế", 12) + b"\0" * 400_000)
    return [*files[:5], refused, *files[5:20], too_large, files[3], *files[20:]]


def test_bulk_ingest_stores_what_sequential_ingest_stores(engine: Engine, tmp_path: Path):
    batch = _batch()
    limit = 300_000
    one_by_one, cleanup = make_test_engine(engine.dialect.name, tmp_path / "seq")
    open_sample_periods(engine)
    open_sample_periods(one_by_one)
    try:
        expected = [
            load.ingest_bytes(
                one_by_one, blob, name, uploads_dir=tmp_path / "u1", max_upload_bytes=limit
            )
            for name, blob in batch
        ]
        got = list(
            load.ingest_many(
                engine, batch, uploads_dir=tmp_path / "u2", max_upload_bytes=limit, read_ahead=2
            )
        )
        assert [_summary(r) for r in got] == [_summary(r) for r in expected]
        assert _stored(engine) == _stored(one_by_one)
    finally:
        cleanup()
    statuses = [r.status for r in got]
    assert statuses.count("refused") == 2 and statuses.count("duplicate") == 1
    assert {p.code for r in got for p in r.errors} == {"not-a-number", "file-too-large"}


def test_refused_file_in_a_batch_stores_nothing(engine: Engine, tmp_path: Path):
    good_1, bad, good_2 = _one("Sở Nội vụ", 38), _one("Sở Y tế", "12,5"), _one("Sở Tư pháp", 20)
    open_sample_periods(engine)
    results = list(
        load.ingest_many(
            engine,
            [("a.xlsx", good_1), ("b.xlsx", bad), ("c.xlsx", lambda: good_2)],
            uploads_dir=tmp_path / "uploads",
        )
    )
    assert [r.status for r in results] == ["accepted", "refused", "accepted"]
    assert [p.code for p in results[1].errors] == ["not-integer"]
    assert results[1].errors[0].where == "Biểu 01!F11"
    assert results[1].errors[0].message_vi.startswith("Ô F11 (")
    counts = table_counts(engine)
    assert counts["submission"] == 2 and counts["fact"] == 8
    with engine.connect() as conn:
        names = conn.execute(text("SELECT name FROM unit ORDER BY name")).scalars().all()
    assert names == ["Sở Nội vụ", "Sở Tư pháp"]


def test_bulk_ingest_stopped_early_stores_only_what_it_yielded(sqlite_engine, tmp_path: Path):
    files = [(f"f{i}.xlsx", _one(f"Đơn vị số {i}", i)) for i in range(6)]
    open_sample_periods(sqlite_engine)
    batch = load.ingest_many(sqlite_engine, files, uploads_dir=tmp_path / "u", read_ahead=2)
    assert next(batch).status == "accepted"
    batch.close()  # the files being read ahead are dropped, never stored
    assert table_counts(sqlite_engine)["submission"] == 1


@pytest.mark.parametrize("path", sorted(SAMPLE_DIR.glob("*.xlsx"))[::4], ids=lambda p: p.name)
def test_forms_read_in_the_child_equal_those_read_here(path: Path):
    content = path.read_bytes()
    here = ProblemLog(path.name)
    expected = read_workbook_sheets(read_grids(content, path.name, here), here)
    there = ProblemLog(path.name)
    assert read_forms(content, path.name, there) == expected
    assert there.items == here.items


def test_a_malformed_reply_from_the_child_is_refused(monkeypatch: pytest.MonkeyPatch):
    content = _one("Sở Nội vụ", 38)
    sheets = read_forms(content, "a.xlsx", ProblemLog("a.xlsx"))
    assert sheets
    # the child's reply: the sheets, and the headers needing the mapping step (none here)
    monkeypatch.setattr(reader.READING, "run", lambda *args, **kwargs: (sheets, []))
    assert read_forms(content, "a.xlsx", ProblemLog("a.xlsx")) == sheets  # a good reply
    unit = sheets[0].units[0]
    key = next(iter(unit.yearly))
    for bad in (Cell("38", "F6"), Cell(-1, "F6"), Cell(True, "F6"), ("38", "F6")):
        unit.yearly[key] = bad
        log = ProblemLog("a.xlsx")
        assert read_forms(content, "a.xlsx", log) is None, bad
        assert [p.code for p in log.items] == ["parse-crashed"]


def test_problem_as_dict_is_the_dataclass_fields():
    problem = Problem("not-integer", "error", "Ô F6", "Cell F6", "a.xlsx", "Biểu 01", "F6", "1,5")
    assert problem.as_dict() == dataclasses.asdict(problem)


def test_audited_bulk_ingest_logs_each_file_as_ingest_as_does(engine: Engine, tmp_path: Path):
    from etl import service
    from etl.core.settings import load_settings
    from etl.storage import accounts

    settings = dataclasses.replace(load_settings(), data_dir=tmp_path)
    paths = []
    same = _one("Sở Nội vụ", 38)  # built once: a workbook's bytes carry the time it was written
    for name, content in [
        ("a.xlsx", same),
        ("b.xlsx", _one("Sở Y tế", "x")),
        ("c.xlsx", same),  # the same bytes as a.xlsx
    ]:
        paths.append(tmp_path / name)
        paths[-1].write_bytes(content)
    open_sample_periods(engine)
    results = service.ingest_files(engine, paths, settings, "cli", audited=True)
    assert [r.status for r in results] == ["accepted", "refused", "duplicate"]
    entries = sorted(accounts.read_audit(engine), key=lambda e: e["id"])
    entries = [e for e in entries if e["action"].startswith("upload.")]  # not the periods
    assert [(e["actor"], e["action"], e["target"]) for e in entries] == [
        ("cli", "upload.accepted", "a.xlsx"),
        ("cli", "upload.refused", "b.xlsx"),
        ("cli", "upload.duplicate", "c.xlsx"),
    ]
