"""Uploaded file names stored safely whatever they are (issue 12, item 4): longer than the
column (300 and 10.000 characters), NUL, control and right-to-left override characters,
slashes and backslashes, emoji, a lone surrogate, nothing at all. The name stored and shown
is cleaned and cut (`load.stored_file_name`); the name as sent is kept, readable, in the
audit. Through the service, on SQLite and (TEST_DATABASE_URL) PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text

from etl import service
from etl.core.settings import load_settings
from etl.ingest.load import MAX_FILE_NAME_CHARS, stored_file_name
from etl.storage import accounts
from tests.builders import b01
from tests.conftest import open_period

NAMES = {
    "300-chars": "b" * 300 + ".xlsx",
    "10000-chars": "báo cáo " * 1250 + ".xlsx",
    "nul": "bao\x00cao.xlsx",
    "control": "bao\x07cao\x1b[31m.xlsx",
    "rtl-override": "bao_cao_\u202eslx.exe.xlsx",
    "slashes": "../../etc/passwd.xlsx",
    "backslashes": "C:\\Users\\Canbo\\Desktop\\bao_cao.xlsx",
    "emoji": "😀 báo cáo 🇻🇳 👨‍👩‍👧.xlsx",
    "emoji-300": "😀" * 300 + ".xlsx",
    "lone-surrogate": "bao\ud800cao.xlsx",
    "empty": "",
    "only-a-slash": "/",
    "dots": "..",
    "long-extension": "bao_cao." + "x" * 300,
}


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("../../etc/passwd.xlsx", "passwd.xlsx"),
        ("C:\\Users\\Canbo\\bao_cao.xlsx", "bao_cao.xlsx"),
        ("bao\x00cao.xlsx", "bao cao.xlsx"),
        ("bao_cao_\u202eslx.xlsx", "bao_cao_ slx.xlsx"),
        ("  Báo   cáo.xlsx ", "Báo cáo.xlsx"),
        ("", "tệp"),
        ("/", "tệp"),
        ("..", "tệp"),
        ("bao_cao.xlsx", "bao_cao.xlsx"),
    ],
)
def test_the_stored_name(sent: str, stored: str):
    assert stored_file_name(sent) == stored


@pytest.mark.parametrize("sent", list(NAMES.values()), ids=list(NAMES))
def test_every_name_is_short_printable_and_one_path_part(sent: str):
    name = stored_file_name(sent)
    assert 0 < len(name) <= MAX_FILE_NAME_CHARS
    assert name.isprintable() and "/" not in name and "\\" not in name
    name.encode("utf-8")  # no lone surrogate left
    if len(sent) > MAX_FILE_NAME_CHARS and sent.endswith(".xlsx"):
        assert name.endswith("….xlsx")


def test_every_name_is_stored_through_the_service(engine, tmp_path: Path):
    """Each name on an accepted upload and on a refused one: the submission and the audit
    hold the cleaned name, the audit also the name as sent (its invisible characters written
    out); the database never refuses one."""
    open_period(engine, dt.date(2024, 6, 30))
    settings = dataclasses.replace(load_settings(), data_dir=tmp_path / "data")
    for i, sent in enumerate(NAMES.values()):
        content = b01([2, "Sở Tư pháp", 100 + i, 90, None])
        result = service.ingest_as(engine, content, sent, None, settings)
        assert result.status == "accepted", (sent, [p.code for p in result.errors])
        assert result.file_name == stored_file_name(sent)
        with engine.connect() as conn:
            stored = conn.execute(
                text("SELECT file_name FROM submission WHERE id = :id"),
                {"id": result.submission_id},
            ).scalar_one()
        assert stored == result.file_name
        refused = service.ingest_as(engine, b"", sent, None, settings)
        assert refused.status == "refused" and refused.file_name == result.file_name
    entries = accounts.read_audit(engine)
    uploads = [e for e in entries if e["action"].startswith("upload.")]
    assert len(uploads) == 2 * len(NAMES)
    for entry in uploads:
        assert len(entry["target"]) <= MAX_FILE_NAME_CHARS and entry["target"].isprintable()
    sent_names = {e["detail"].get("file_name_sent") for e in uploads}
    assert "bao_cao_⟨U+202E⟩slx.exe.xlsx" in sent_names
    assert "bao⟨U+0000⟩cao.xlsx" in sent_names
    assert "C:\\Users\\Canbo\\Desktop\\bao_cao.xlsx" in sent_names
    assert "bao\\ud800cao.xlsx" in sent_names
    for name in sent_names - {None}:
        name.encode("utf-8")
    assert any(n and n.startswith("b" * 300) for n in sent_names)  # 300 characters, all kept
