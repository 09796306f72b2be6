"""Ingest uploaded files: read, check, match units and store each in one transaction.

A file with any error stores nothing; the same file twice changes nothing (by sha256); a later
return adds new fact rows that supersede the earlier values key by key, which stay in history.
The stages, each in its own module: reading the forms (etl/reading), matching the names to
units (etl/ingest/matching.py), staging the typed rows to store (etl/ingest/staging.py) and
writing them (etl/ingest/writer.py); this module runs them for one file or many. Every stage
runs even when an earlier one found errors (only a file that cannot be read at all stops
early), so a file's list of problems is complete the first time it is checked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select

from etl.core import clock
from etl.core.formatting import fmt_number
from etl.core.normalize import clean_text
from etl.core.problems import Problem, ProblemLog
from etl.core.settings import load_settings
from etl.core.vocabulary import IngestStatus, ReviewStatus
from etl.ingest import writer
from etl.ingest.lengths import check_lengths
from etl.ingest.matching import UnitRegistry, load_registry
from etl.ingest.periods import check_dates, check_period
from etl.ingest.staging import Staged, check_allowed, preview_rows, stage
from etl.reading.limits import Limits
from etl.reading.reader import read_forms
from etl.reading.records import SheetResult
from etl.reading.text import visible
from etl.storage import reviews, schema
from etl.storage.db import reading
from etl.storage.periods import Period


@dataclass
class IngestResult:
    """What happened to one file."""

    file_name: str
    sha256: str
    status: str  # an IngestStatus
    problems: list[Problem] = field(default_factory=list)
    submission_id: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    forms: list[str] = field(default_factory=list)
    as_of: dt.date | None = None
    preview: list[dict[str, Any]] = field(default_factory=list)
    review_status: str | None = None  # a ReviewStatus, once stored
    period: str | None = None  # the name of its period, once stored (None: no cut-off date)
    # the name as sent, when it is not `file_name` (cut, or cleaned): for the audit
    original_name: str | None = None

    @property
    def accepted(self) -> bool:
        return self.status in (IngestStatus.ACCEPTED, IngestStatus.DUPLICATE)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


class _Refused(Exception):
    """Raised inside the transaction to roll it back when the file has errors."""


MAX_FILE_NAME_CHARS = 255  # what the submission row holds (schema.submission.file_name)
_PATH_SEPARATORS = re.compile(r"[/\\]")
_MAX_SUFFIX_CHARS = 10  # `.xlsx`, `.ods`: a longer "extension" is part of the name


def stored_file_name(file_name: str) -> str:
    """The name an uploaded file is shown, audited and stored under, whatever was sent: its
    last path part (after any `/` or `\\`), in NFC, with control, NUL and bidirectional
    characters turned to spaces and white space collapsed (`clean_text`), cut to
    `MAX_FILE_NAME_CHARS` characters by shortening the name before its extension (marked
    `…`); "tệp" when nothing is left. Never used as a path (etl/ingest/writer.py)."""
    name = _PATH_SEPARATORS.split(clean_text(file_name))[-1].strip()
    if not name.strip("."):
        return "tệp"
    if len(name) <= MAX_FILE_NAME_CHARS:
        return name
    suffix = Path(name).suffix
    suffix = suffix if len(suffix) <= _MAX_SUFFIX_CHARS else ""
    return name[: MAX_FILE_NAME_CHARS - len(suffix) - 1].rstrip() + "…" + suffix


def original_name(file_name: str, stored: str) -> str | None:
    """The name as sent, for the audit, when it is not the name stored: its invisible
    characters written out (`⟨U+202E⟩`), at most 1.000 characters; None when they agree."""
    if file_name == stored:
        return None
    readable = file_name.encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates
    return visible(readable, limit=1000)


def _display_name(file_name: str) -> str:
    return stored_file_name(file_name)


def _limits(limits: Limits | None) -> Limits:
    """`limits`, or (None) those of the settings as they are now (the `PARSE_*` variables)."""
    return Limits.from_settings(load_settings()) if limits is None else limits


def _read_upload(
    content: bytes, display_name: str, limits: Limits
) -> tuple[list[Problem], list[SheetResult] | None]:
    """Read and check one file's forms (no database): its problems, and its sheets, or None
    when it could not be read at all. Sheets come back even when some of their cells have
    errors, so that dates and unit matching are checked in the same pass."""
    log = ProblemLog(display_name)
    sheets = read_forms(content, display_name, log, limits)
    if sheets is not None and not sheets and not log.has_errors:
        log.report("no-form-found")
    return log.items, sheets


def ingest_bytes(
    engine: Engine,
    content: bytes,
    file_name: str,
    *,
    uploads_dir: Path,
    uploader: str = "cli",
    max_upload_bytes: int | None = None,
    limits: Limits | None = None,
    dry_run: bool = False,
    allowed_units: Collection[int] | None = None,
    on_store: Callable[[Connection, IngestResult], None] | None = None,
    approve: bool = False,
    as_of_grace_days: int | None = None,
) -> IngestResult:
    """Read, check and (unless refused or `dry_run`) store one file, all or nothing.

    `limits`: what the file may ask of the reader (default: those of the settings, loaded
    now). `allowed_units`, when given, are the only units the uploader may report for: a row
    for any other unit (or a new one), and any plan row, refuses the file. A stored file
    waits for review (`cho_duyet`), or with `approve` is approved at once by `uploader`.
    `as_of_grace_days`: how far after today (Vietnam time) its cut-off date may lie
    (default: `AS_OF_GRACE_DAYS` of the settings).
    """
    return _ingest(
        engine,
        content,
        _display_name(file_name),
        None,
        sent_name=file_name,
        uploads_dir=uploads_dir,
        uploader=uploader,
        max_upload_bytes=max_upload_bytes,
        limits=limits,
        dry_run=dry_run,
        allowed_units=allowed_units,
        on_store=on_store,
        approve=approve,
        as_of_grace_days=as_of_grace_days,
    )


def _too_large(content: bytes, max_upload_bytes: int | None) -> bool:
    return max_upload_bytes is not None and len(content) > max_upload_bytes


def _ingest(
    engine: Engine,
    content: bytes,
    display_name: str,
    read_ahead: Future[tuple[list[Problem], list[SheetResult] | None]] | None,
    *,
    sent_name: str | None = None,
    uploads_dir: Path,
    uploader: str,
    max_upload_bytes: int | None,
    limits: Limits | None,
    dry_run: bool = False,
    allowed_units: Collection[int] | None = None,
    on_store: Callable[[Connection, IngestResult], None] | None = None,
    preview: bool = True,
    approve: bool = False,
    as_of_grace_days: int | None = None,
) -> IngestResult:
    """`ingest_bytes`; the reading may already be under way (`read_ahead`, from
    `_read_upload`), and is used only where `ingest_bytes` would have read the file.
    `preview=False` leaves `IngestResult.preview` (the upload page's table) empty.
    `sent_name`: the name as sent, kept in `IngestResult.original_name` when it differs."""
    sha256 = hashlib.sha256(content).hexdigest()
    log = ProblemLog(display_name)
    result = IngestResult(display_name, sha256, IngestStatus.REFUSED, log.items)
    if sent_name is not None:
        result.original_name = original_name(sent_name, display_name)
    if _too_large(content, max_upload_bytes):
        assert max_upload_bytes is not None
        size_mb, limit_mb = len(content) / 1e6, max_upload_bytes / 1e6
        log.report(
            "file-too-large",
            size_vi=f"{fmt_number(size_mb, 1)} MB",
            size_en=f"{size_mb:.1f} MB",
            limit_vi=f"{fmt_number(limit_mb, 1)} MB",
            limit_en=f"{limit_mb:.1f} MB",
        )
        return result
    with reading(engine) as conn:
        known = conn.execute(
            select(schema.submission.c.id).where(schema.submission.c.sha256 == sha256)
        ).first()
    if known is not None:
        result.status = IngestStatus.DUPLICATE
        result.submission_id = known.id
        return result
    if read_ahead is not None:
        problems, sheets = read_ahead.result()
    else:
        problems, sheets = _read_upload(content, display_name, _limits(limits))
    log.items.extend(problems)
    if not sheets:  # unreadable, or no form read: nothing more to check
        return result
    result.forms = sorted({s.form for s in sheets})
    as_of_dates = [s.header.as_of for s in sheets if s.header.as_of]
    result.as_of = max(as_of_dates) if as_of_dates else None
    if as_of_grace_days is None:
        as_of_grace_days = load_settings().as_of_grace_days
    dates_ok = check_dates(sheets, log, today=clock.vn_today(), grace_days=as_of_grace_days)
    check_lengths(sheets, log)
    # every stage runs even when an earlier one found errors (a file's problems are reported
    # in one pass); a file with any error is refused below, before anything is written
    header = next((s.header for s in sheets if s.header.reporting_unit), sheets[0].header)

    def check_against_store(conn: Connection) -> tuple[Period | None, UnitRegistry, Staged]:
        """The period, the unit matching and the uploader's units: problems to `log`."""
        period = check_period(conn, sheets, result.as_of if dates_ok else None, log)
        registry = load_registry(conn)
        staged = stage(sheets, registry, log)
        if allowed_units is not None:
            check_allowed(staged, set(allowed_units), log)
        if preview:
            result.preview = preview_rows(staged)
        return period, registry, staged

    if log.has_errors:  # refused whatever is stored: checked without the writers' lock
        with reading(engine) as conn:
            check_against_store(conn)
        return result
    try:
        with engine.begin() as conn:
            writer.serialise_writers(conn)
            known = conn.execute(
                select(schema.submission.c.id).where(schema.submission.c.sha256 == sha256)
            ).first()
            if known is not None:  # the same file, stored by a concurrent upload
                result.status, result.submission_id = IngestStatus.DUPLICATE, known.id
                return result
            period, registry, staged = check_against_store(conn)
            if log.has_errors or dry_run:
                raise _Refused
            submission_id = writer.insert_submission(
                conn,
                uploads_dir=uploads_dir,
                content=content,
                file_name=display_name,
                sha256=sha256,
                uploader=uploader,
                header=header,
                as_of=result.as_of,
                forms=result.forms,
                problems=log.items,
                period_id=period.id if period is not None else None,
            )
            result.counts = writer.write(conn, staged, registry, submission_id, result.as_of)
            result.submission_id = submission_id
            reviews.submit(conn, submission_id, uploader, approve=approve)
            result.review_status = ReviewStatus.DA_DUYET if approve else ReviewStatus.CHO_DUYET
            result.period = period.name if period is not None else None
            if on_store is not None:  # e.g. the audit entry, in the same transaction
                on_store(conn, result)
    except _Refused:
        if dry_run and not log.has_errors:
            result.status = IngestStatus.CHECKED
        return result
    result.status = IngestStatus.ACCEPTED
    return result


def ingest_many(
    engine: Engine,
    files: Iterable[tuple[str, bytes | Callable[[], bytes]]],
    *,
    uploads_dir: Path,
    uploader: str = "cli",
    max_upload_bytes: int | None = None,
    limits: Limits | None = None,
    read_ahead: int | None = None,
    on_store: Callable[[Connection, IngestResult], None] | None = None,
    approve: bool = False,
    as_of_grace_days: int | None = None,
) -> Iterator[IngestResult]:
    """`ingest_bytes` on each (name, content) in order, with the same results, one
    transaction each: while one file is matched and stored, the next `read_ahead` files
    (default: `limits.parse_workers`, `PARSE_WORKERS`) are being read and checked in their
    own child processes, within `limits` (default: those of the settings, loaded once).
    Content may be a function that returns the bytes (read when the file is first needed).
    Results are yielded in order, as each file is stored; their `preview` (the upload page's
    table) is left empty. `on_store` runs in each accepted file's transaction; `approve`
    and `as_of_grace_days` as for `ingest_bytes`."""
    limits = _limits(limits)
    if as_of_grace_days is None:
        as_of_grace_days = load_settings().as_of_grace_days
    ahead = max(1, limits.parse_workers if read_ahead is None else read_ahead)
    pending: deque[tuple[str, str, bytes, Future[Any] | None]] = deque()
    source = iter(files)
    with ThreadPoolExecutor(max_workers=ahead, thread_name_prefix="ingest-read") as pool:

        def fill() -> None:  # keep `ahead` files being read beyond the one being stored
            while len(pending) < ahead:
                item = next(source, None)
                if item is None:
                    return
                name, content = item
                if callable(content):
                    content = content()
                display_name = _display_name(name)
                future = None
                if not _too_large(content, max_upload_bytes):
                    future = pool.submit(_read_upload, content, display_name, limits)
                pending.append((name, display_name, content, future))

        try:
            fill()
            while pending:
                sent_name, display_name, content, future = pending.popleft()
                fill()
                yield _ingest(
                    engine,
                    content,
                    display_name,
                    future,
                    sent_name=sent_name,
                    uploads_dir=uploads_dir,
                    uploader=uploader,
                    max_upload_bytes=max_upload_bytes,
                    limits=limits,
                    on_store=on_store,
                    preview=False,
                    approve=approve,
                    as_of_grace_days=as_of_grace_days,
                )
        finally:  # stopped early (an error, or the caller stopped): no more reading
            for _sent, _name, _content, waiting in pending:
                if waiting is not None:
                    waiting.cancel()


def ingest_path(engine: Engine, path: Path, **kwargs: Any) -> IngestResult:
    """`ingest_bytes` for a file on disk."""
    return ingest_bytes(engine, Path(path).read_bytes(), Path(path).name, **kwargs)
