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

import dataclasses
import datetime as dt
import hashlib
import pickle
import re
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select

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
from etl.ingest.programmes import check_programmes
from etl.ingest.staging import (
    OwnUnit,
    Staged,
    check_allowed,
    check_reporting_unit,
    preview_rows,
    stage,
)
from etl.reading.limits import Limits
from etl.reading.mapping import Mapping, SheetLayout, clean_workbook_mapping
from etl.reading.reader import read_forms
from etl.reading.records import SheetResult
from etl.reading.text import visible
from etl.storage import mappings, reviews, schema
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
    # the mapping step (etl/reading/mapping.py): the headers that need it or were mapped, the
    # mapping the file was read with, and where it came from ("given", "stored" or None)
    layouts: list[SheetLayout] = field(default_factory=list)
    mapping: Mapping = field(default_factory=dict)
    mapping_source: str | None = None
    # a dry run's read of the file, to store it later without reading it again
    checked: CheckedRead | None = field(default=None, repr=False)

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


Read = tuple[list[Problem], list[SheetResult] | None, list[SheetLayout]]


@dataclass(frozen=True)
class CheckedRead:
    """The read of a file as a dry run made it (with the mapping it was given, before any
    kept mapping), so that storing the same file later does not read it again: `sha256` of
    the file, `mapping` it was read with (None: none), `payload` the read pickled when it was
    made. `ingest_bytes(checked=…)` uses it only for a file of the same sha256 and mapping;
    everything that depends on the database (periods, duplicates, unit matching, scope) is
    checked again when the file is stored. The upload page keeps it under DATA_DIR between
    the check and «Lưu» (pages/upload.py): a pickle, so it is read only from there."""

    sha256: str
    mapping: Mapping | None
    payload: bytes

    def fits(self, sha256: str, mapping: Mapping | None) -> bool:
        return self.sha256 == sha256 and self.mapping == (mapping or None)

    def read(self) -> Read:
        return pickle.loads(self.payload)  # our own pickle (see the class)


def _read_upload(
    content: bytes, display_name: str, limits: Limits, mapping: Mapping | None = None
) -> Read:
    """Read and check one file's forms (no database), with `mapping` applied: its problems,
    its sheets (None when it could not be read at all) and the headers that need the mapping
    step. Sheets come back even when some of their cells have errors, so that dates and unit
    matching are checked in the same pass."""
    log = ProblemLog(display_name)
    layouts: list[SheetLayout] = []
    sheets = read_forms(content, display_name, log, limits, mapping=mapping, layouts=layouts)
    if sheets is not None and not sheets and not log.has_errors:
        log.report("no-form-found")
    return log.items, sheets, layouts


def _file_unit(layouts: list[SheetLayout]) -> str:
    return next((lay.reporting_unit for lay in layouts if lay.reporting_unit), "")


def kept_choices(engine: Engine, layouts: list[SheetLayout], uploader: str) -> Mapping:
    """For each sheet needing the mapping step, what its owner's kept mappings say of its
    header cells (sheet → header key → target): offered to the clerk next time."""
    found: Mapping = {}
    if not any(lay.needs_mapping for lay in layouts):
        return found
    unit = _file_unit(layouts)
    with reading(engine) as conn:
        for lay in layouts:
            if not lay.needs_mapping:
                continue
            owner_key, _owner = mappings.owner_of(lay.reporting_unit or unit, uploader)
            account_key, _account = mappings.owner_of("", uploader)
            kept = {  # the unit's choices, else those kept for the account (see below)
                **mappings.for_owner(conn, account_key, lay.form),
                **mappings.for_owner(conn, owner_key, lay.form),
            }
            if chosen := {c.key: kept[c.key] for c in lay.cells if c.key in kept}:
                found[lay.sheet] = chosen
    return found


def kept_mapping(engine: Engine, layouts: list[SheetLayout], uploader: str) -> Mapping:
    """The kept mappings that read these headers by themselves: those of `kept_choices` that
    cover every cell the reader could not place ("the same headers came again")."""
    chosen = kept_choices(engine, layouts, uploader)
    return {
        lay.sheet: chosen[lay.sheet]
        for lay in layouts
        if lay.sheet in chosen and all(key in chosen[lay.sheet] for key in lay.unplaced)
    }


def _remember_mapping(
    conn: Connection,
    result: IngestResult,
    uploader: str,
    allowed_units: Collection[int] | None,
) -> None:
    """Keep the choices of a given mapping that differ from what the reader found, for the
    owner of each mapped sheet (in the transaction storing the return). An uploader scoped to
    some units keeps them under a reporting unit only when it is one of those (else under
    the account), so no account changes how another unit's returns are read."""
    unit = _file_unit(result.layouts)
    own_keys: set[str] | None = None
    if allowed_units is not None:
        ids = list(allowed_units)[:1000]
        own_keys = set(
            conn.execute(select(schema.unit.c.name_key).where(schema.unit.c.id.in_(ids)))
            .scalars()
            .all()
        )
    for lay in result.layouts:
        chosen = result.mapping.get(lay.sheet, {})
        entries = [
            (c.key, c.text, c.target)
            for c in lay.cells
            if c.key in chosen and c.target and c.target != c.found
        ]
        if entries:
            owner_key, owner = mappings.owner_of(lay.reporting_unit or unit, uploader)
            if own_keys is not None and owner_key not in own_keys:
                owner_key, owner = mappings.owner_of("", uploader)
            mappings.remember(
                conn,
                owner_key=owner_key,
                owner=owner,
                form=lay.form,
                entries=entries,
                actor=uploader,
            )


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
    mapping: Mapping | None = None,
    checked: CheckedRead | None = None,
    province: str | None = None,
) -> IngestResult:
    """Read, check and (unless refused or `dry_run`) store one file, all or nothing.

    `limits`: what the file may ask of the reader (default: those of the settings, loaded
    now). `allowed_units`, when given, are the only units the uploader may report for: a row
    for any other unit (or a new one), any plan row, and a header's `Đơn vị báo cáo` naming
    none of them (`check_reporting_unit`) refuse the file; such an account hears that a file
    is stored already ("duplicate", with its id) only once it passed those checks. A stored file
    waits for review (`cho_duyet`), or with `approve` is approved at once by `uploader`.
    `as_of_grace_days`: how far after today (Vietnam time) its cut-off date may lie
    (default: `AS_OF_GRACE_DAYS` of the settings). `mapping` (sheet name → header text →
    target, etl/reading/mapping.py) says how to read header cells the reader cannot place; it
    is kept for the file's reporting unit when the file is stored. Without it, a sheet that
    needs the mapping step is read with the unit's kept mapping when that covers it.
    `checked`: the read a dry run of this file made (`IngestResult.checked`), used instead of
    reading the file again when its sha256 and mapping are those of `content` and `mapping`.
    `province`: the deployment's own province (default: the `PROVINCE` setting; docs/domain.md,
    "Provinces and mergers").
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
        mapping=mapping,
        checked=checked,
        province=province,
    )


def _too_large(content: bytes, max_upload_bytes: int | None) -> bool:
    return max_upload_bytes is not None and len(content) > max_upload_bytes


def _ingest(
    engine: Engine,
    content: bytes,
    display_name: str,
    read_ahead: Future[Read] | None,
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
    mapping: Mapping | None = None,
    checked: CheckedRead | None = None,
    province: str | None = None,
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
    scoped = allowed_units is not None
    # an account limited to some units hears of a stored file only once its own file passed
    # the scope checks (below): "duplicate" with an id would tell it of other units' returns
    if not scoped and (known := _stored_as(engine, sha256)) is not None:
        result.status, result.submission_id = IngestStatus.DUPLICATE, known
        return result
    if limits is None or as_of_grace_days is None or province is None:
        settings = load_settings()  # the settings as they are now, read once
        limits = Limits.from_settings(settings) if limits is None else limits
        if as_of_grace_days is None:
            as_of_grace_days = settings.as_of_grace_days
        if province is None:
            province = settings.province
    mapping = clean_workbook_mapping(mapping)
    if read_ahead is not None:
        problems, sheets, layouts = read_ahead.result()
    elif checked is not None and checked.fits(sha256, mapping):
        problems, sheets, layouts = checked.read()
    else:
        problems, sheets, layouts = _read_upload(content, display_name, limits, mapping)
    if dry_run:
        read = pickle.dumps((problems, sheets, layouts), protocol=pickle.HIGHEST_PROTOCOL)
        result.checked = CheckedRead(sha256, mapping or None, read)
    result.mapping_source = "given" if mapping else None
    if not mapping and (kept := kept_mapping(engine, layouts, uploader)):
        problems, sheets, layouts = _read_upload(content, display_name, limits, kept)
        mapping, result.mapping_source = kept, "stored"
    result.layouts, result.mapping = layouts, mapping
    log.items.extend(problems)
    if not sheets:  # unreadable, or no form read: nothing more to check
        return result
    result.forms = sorted({s.form for s in sheets})
    as_of_dates = [s.header.as_of for s in sheets if s.header.as_of]
    result.as_of = max(as_of_dates) if as_of_dates else None
    dates_ok = check_dates(sheets, log, today=clock.vn_today(), grace_days=as_of_grace_days)
    check_lengths(sheets, log)
    # every stage runs even when an earlier one found errors (a file's problems are reported
    # in one pass); a file with any error is refused below, before anything is written
    header = next((s.header for s in sheets if s.header.reporting_unit), sheets[0].header)

    def check_units(conn: Connection) -> tuple[UnitRegistry, Staged, str | None]:
        """The unit matching and, for a scoped uploader, its units and the reporting unit its
        header names (None for another uploader): problems to `log`."""
        registry = load_registry(conn)
        staged = stage(sheets, registry, log, province=province)
        check_programmes(conn, staged, log)
        reporting_unit = None
        if allowed_units is not None:
            check_allowed(staged, set(allowed_units), log)
            own = _own_units(conn, allowed_units)
            reporting_unit = check_reporting_unit(sheets, own, log)
        if preview:
            result.preview = preview_rows(staged)
        return registry, staged, reporting_unit

    def check_the_period(conn: Connection) -> Period | None:
        return check_period(conn, sheets, result.as_of if dates_ok else None, log)

    if log.has_errors:  # refused whatever is stored: checked without the writers' lock
        with reading(engine) as conn:
            if scoped:
                check_units(conn)
                check_the_period(conn)
            else:
                check_the_period(conn)
                check_units(conn)
        return result
    try:
        with engine.begin() as conn:
            writer.serialise_writers(conn)
            if not scoped and (known := _stored_id(conn, sha256)) is not None:
                # the same file, stored by a concurrent upload
                result.status, result.submission_id = IngestStatus.DUPLICATE, known
                return result
            if scoped:
                registry, staged, reporting_unit = check_units(conn)
                # only a file with no problem so far may be its own stored file again
                if not log.has_errors and (known := _stored_id(conn, sha256)) is not None:
                    result.status, result.submission_id = IngestStatus.DUPLICATE, known
                    return result
                header = dataclasses.replace(header, reporting_unit=reporting_unit or "")
                period = check_the_period(conn)
            else:
                period = check_the_period(conn)
                registry, staged, _reporting_unit = check_units(conn)
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
            if result.mapping_source == "given":
                _remember_mapping(conn, result, uploader, allowed_units)
            result.period = period.name if period is not None else None
            if on_store is not None:  # e.g. the audit entry, in the same transaction
                on_store(conn, result)
    except _Refused:
        if dry_run and not log.has_errors:
            result.status = IngestStatus.CHECKED
        return result
    result.status = IngestStatus.ACCEPTED
    return result


# statements built once (building a Core statement costs more than running this one)
_STORED_ID = select(schema.submission.c.id).where(schema.submission.c.sha256 == bindparam("sha"))


def _stored_id(conn: Connection, sha256: str) -> int | None:
    """The submission that stored the file of this sha256, if any."""
    return conn.execute(_STORED_ID, {"sha": sha256}).scalar()


def _stored_as(engine: Engine, sha256: str) -> int | None:
    with reading(engine) as conn:
        return _stored_id(conn, sha256)


def _own_units(conn: Connection, unit_ids: Collection[int]) -> list[OwnUnit]:
    """An uploader's units, as its header may name them."""
    u = schema.unit.c
    query = select(u.name, u.code, u.district).where(u.id.in_(sorted(set(unit_ids))))
    rows = conn.execute(query).all() if unit_ids else []
    return [OwnUnit(row.name, row.code, row.district) for row in rows]


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
    mapping: Mapping | None = None,
    province: str | None = None,
) -> Iterator[IngestResult]:
    """`ingest_bytes` on each (name, content) in order, with the same results, one
    transaction each: while one file is matched and stored, the next `read_ahead` files
    (default: `limits.parse_workers`, `PARSE_WORKERS`) are being read and checked in their
    own child processes, within `limits` (default: those of the settings, loaded once).
    Content may be a function that returns the bytes (read when the file is first needed).
    Results are yielded in order, as each file is stored; their `preview` (the upload page's
    table) is left empty. `on_store` runs in each accepted file's transaction; `approve`
    and `as_of_grace_days` as for `ingest_bytes`; `mapping` and `province`, as for
    `ingest_bytes`, are given to every file."""
    mapping = clean_workbook_mapping(mapping)
    if limits is None or as_of_grace_days is None or province is None:
        settings = load_settings()  # read once for every file
        limits = Limits.from_settings(settings) if limits is None else limits
        if as_of_grace_days is None:
            as_of_grace_days = settings.as_of_grace_days
        if province is None:
            province = settings.province
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
                    future = pool.submit(_read_upload, content, display_name, limits, mapping)
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
                    mapping=mapping,
                    province=province,
                )
        finally:  # stopped early (an error, or the caller stopped): no more reading
            for _sent, _name, _content, waiting in pending:
                if waiting is not None:
                    waiting.cancel()


def ingest_path(engine: Engine, path: Path, **kwargs: Any) -> IngestResult:
    """`ingest_bytes` for a file on disk."""
    return ingest_bytes(engine, Path(path).read_bytes(), Path(path).name, **kwargs)
