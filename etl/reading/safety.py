"""Defences against hostile uploads: what a file is checked for before a reader sees it, the
child process the readers run in, and the text that may not be stored.

1. `check_package` runs in the web process and is cheap: a size limit, the kind by signature
   and content types (never by name), the zip central directory (entries, declared sizes and
   ratios, overlapping entries, encryption, compression method), the OOXML parts, external
   relationships and macros. Nothing is decompressed but a few small XML parts, which are
   parsed with defusedxml (DTDs forbidden).
2. `run_isolated` reads the file in a child process. A fork server is started with
   `subprocess` (a fresh single-threaded interpreter that has imported python-calamine; the
   multi-threaded web process itself is never forked) and keeps one child forked ahead and
   warmed up; each file goes to that child, which then exits (one child per file: a pool
   that reuses its workers, such as ProcessPoolExecutor, loses the whole pool when one worker
   aborts and cannot stop one that hangs). The child sets RLIMIT_AS, RLIMIT_CPU, no core
   dumps and a wall-clock timer, checks the real decompressed size of every zip entry and
   refuses DTDs, counts rows and columns (and finds the formulas) from the sheet XML before
   the reader allocates anything, then reads. A child that aborts (python-calamine aborts the
   whole process on a cell at XFD1048576), runs out of memory or of time costs one refused
   file. Its grids come back pickled and are loaded with an allow-list unpickler.
3. `unsafe_text`: control, NUL and bidirectional characters and HTML/script in stored text.
"""

from __future__ import annotations

import atexit
import dataclasses
import functools
import io
import itertools
import logging
import math
import os
import pickle
import re
import select
import signal
import struct
import subprocess
import sys
import threading
import time
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from etl.core.formatting import fmt_number
from etl.core.problems import ProblemLog, short_value
from etl.core.values import cell_ref

MiB = 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ACCEPTED = ".xlsx, .xlsm, .xls, .ods"
ROOT = Path(__file__).resolve().parents[2]
_logger = logging.getLogger(__name__)


# ---------------------------------------------------------------- limits


@dataclass(frozen=True)
class Limits:
    """How much a file may ask of the reader. Override with `Limits.from_env`."""

    max_file_bytes: int = 50 * MiB
    max_zip_entries: int = 2_000
    max_uncompressed_bytes: int = 200 * MiB  # declared, all entries together
    max_ratio: float = 100.0  # uncompressed : compressed, per entry …
    ratio_min_bytes: int = 1 * MiB  # … for entries bigger than this
    max_xml_part_bytes: int = 8 * MiB  # parts parsed in the web process (content types, rels)
    max_rows: int = 50_000
    max_cols: int = 1_000
    max_cells: int = 5_000_000  # rows x columns of a sheet's used range
    max_cell_chars: int = 32_000  # under Excel's 32 767, where python-calamine cuts text
    parse_timeout_s: float = 60.0
    parse_memory_bytes: int = 1024 * MiB  # address space of the reading child
    parse_workers: int = 2  # fork servers (files read at the same time)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Limits:
        """Defaults overridden by `PARSE_TIMEOUT_S`, `PARSE_MEMORY_MB`, `PARSE_MAX_ROWS`…"""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name, (var, scale) in _ENV.items():
            raw = env.get(var, "").strip()
            if not raw:
                continue
            try:
                number = float(raw)
            except ValueError:
                raise ValueError(f"{var}={raw!r} is not a number") from None
            if not number > 0 or math.isinf(number):
                raise ValueError(f"{var}={raw!r} must be a positive number")
            default = getattr(cls, name)
            values[name] = int(number * scale) if isinstance(default, int) else number * scale
        return cls(**values)


_ENV: dict[str, tuple[str, int]] = {
    "max_file_bytes": ("PARSE_MAX_FILE_MB", MiB),
    "max_zip_entries": ("PARSE_MAX_ZIP_ENTRIES", 1),
    "max_uncompressed_bytes": ("PARSE_MAX_UNCOMPRESSED_MB", MiB),
    "max_ratio": ("PARSE_MAX_RATIO", 1),
    "max_rows": ("PARSE_MAX_ROWS", 1),
    "max_cols": ("PARSE_MAX_COLS", 1),
    "max_cells": ("PARSE_MAX_CELLS", 1),
    "max_cell_chars": ("PARSE_MAX_CELL_CHARS", 1),
    "parse_timeout_s": ("PARSE_TIMEOUT_S", 1),
    "parse_memory_bytes": ("PARSE_MEMORY_MB", MiB),
    "parse_workers": ("PARSE_WORKERS", 1),
}


def _size(n_bytes: float) -> str:
    """`1,5 MB` or, under a megabyte, `10.000 byte`."""
    if n_bytes < MiB:
        return f"{fmt_number(n_bytes)} byte"
    return f"{fmt_number(n_bytes / MiB, 1)} MB"


def _size_en(n_bytes: float) -> str:
    return f"{n_bytes:,.0f} bytes" if n_bytes < MiB else f"{n_bytes / MiB:.1f} MB"


# ---------------------------------------------------------------- what the bytes are


def sniff_kind(content: bytes) -> str:
    """What the bytes are by their signature, not their name: empty, ole, zip or other."""
    if not content:
        return "empty"
    if content.startswith(OLE_MAGIC):
        return "ole"  # .xls, or an encrypted OOXML package, or a Word/PowerPoint file
    if content.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
        return "zip"
    return "other"


def _utf16(text: str) -> tuple[bytes, bytes]:
    return text.encode("utf-16-le"), text.encode("utf-16-be")


def describe_other(content: bytes) -> tuple[str, str]:
    """What a file that is neither zip nor OLE really is, in Vietnamese and English."""
    head = content[:8192]
    if head.startswith(b"%PDF"):
        return "tệp PDF", "a PDF document"
    if head.startswith(b"{\\rtf"):
        return "văn bản RTF", "an RTF document"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", "replace").encode("utf-8", "replace")
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    if b"\x00" in head or controls > len(head) // 100:
        return "tệp nhị phân không rõ loại", "an unknown binary file"
    low = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"urn:schemas-microsoft-com:office:spreadsheet" in low:
        return "bảng tính Excel 2003 dạng XML (SpreadsheetML)", "an Excel 2003 XML spreadsheet"
    if low.startswith((b"<!doctype html", b"<html")) or b"<html" in low or b"<table" in low:
        return (
            "trang web HTML (thường do nút «xuất Excel» của một phần mềm tạo ra)",
            "an HTML web page (often what an 'export to Excel' button writes)",
        )
    if low.startswith(b"<"):
        return "tệp XML", "an XML file"
    if _looks_like_csv(head):
        return "tệp CSV (văn bản phân cách bằng dấu phẩy)", "a CSV text file"
    return "tệp văn bản thuần", "a plain text file"


def _looks_like_csv(head: bytes) -> bool:
    lines = [ln for ln in head.splitlines()[:20] if ln.strip()]
    if len(lines) > 2:
        lines = lines[:-1]  # the last line may be cut
    for sep in (b",", b";", b"\t"):
        counts = [ln.count(sep) for ln in lines]
        if counts and min(counts) >= 1 and (len(lines) >= 2 or counts[0] >= 2):
            return True
    return False


# ---------------------------------------------------------------- the package, before reading

SHEET_MAIN_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
}
OTHER_MAIN_TYPES = {
    "application/vnd.ms-excel.sheet.binary.macroEnabled.main": (
        "bảng tính Excel nhị phân (.xlsb)",
        "a binary Excel workbook (.xlsb)",
    ),
    "wordprocessingml": ("văn bản Word (.docx)", "a Word document (.docx)"),
    "ms-word": ("văn bản Word (.docm)", "a Word document (.docm)"),
    "presentationml": ("bản trình chiếu PowerPoint (.pptx)", "a PowerPoint presentation"),
}
OLE_OTHERS = {
    "WordDocument": ("văn bản Word (.doc)", "a Word document (.doc)"),
    "PowerPoint Document": ("bản trình chiếu PowerPoint (.ppt)", "a PowerPoint presentation"),
}
_EXTERNAL_OK = ("/hyperlink",)  # a link in a cell: never followed, never fetched


class _Refusal(Exception):
    """A check failed; the problem is already logged."""


def _not_excel(log: ProblemLog, what_vi: str, what_en: str) -> _Refusal:
    log.error(
        "file-not-excel",
        f"Tệp này là {what_vi}, không phải bảng tính dạng được nhận (kiểm tra theo nội dung "
        f"tệp, không theo tên). Chỉ nhận {ACCEPTED}; nếu mở được bằng Excel, hãy lưu lại dạng "
        ".xlsx rồi nộp.",
        f"This file is {what_en}, not a workbook in an accepted format (judged by its content, "
        f"not its name). Only {ACCEPTED} are accepted; if Excel opens it, save it as .xlsx and "
        "upload again.",
    )
    return _Refusal()


def _damaged(log: ProblemLog, detail_vi: str = "", detail_en: str = "") -> _Refusal:
    log.error(
        "file-not-excel",
        f"Tệp bị hỏng hoặc không đầy đủ (tải lên bị cắt?){detail_vi}. Chỉ nhận {ACCEPTED}; "
        "hãy mở lại bằng Excel, lưu rồi nộp lại.",
        f"The file is damaged or truncated{detail_en}. Only {ACCEPTED} are accepted; open it "
        "in Excel, save it and upload again.",
    )
    return _Refusal()


def _bomb(log: ProblemLog, part: str, vi: str, en: str) -> _Refusal:
    log.error(
        "zip-bomb",
        f"Tệp bị từ chối vì giống «bom nén» (zip bomb): {vi}. Một bảng tính thật không như vậy.",
        f"The file is refused as a zip bomb: {en}. A real workbook is not like this.",
        value=part,
    )
    return _Refusal()


def _xml_unsafe(log: ProblemLog, part: str) -> _Refusal:
    log.error(
        "xml-unsafe",
        f"Phần «{part}» của tệp có khai báo DTD/thực thể XML (kiểu tấn công «billion laughs» "
        "hoặc XXE); Excel không bao giờ ghi như vậy nên tệp bị từ chối.",
        f"Part «{part}» declares an XML DTD or entities (a billion-laughs or XXE attack); "
        "Excel never writes these, so the file is refused.",
        value=part,
    )
    return _Refusal()


def check_package(content: bytes, file_name: str, log: ProblemLog, limits: Limits) -> str | None:
    """The kind to read ("xlsx", "xls" or "ods"), or None with the refusal logged.

    Runs before any reader: nothing here decompresses more than the small XML parts it must
    read (content types, relationships), each capped and parsed with defusedxml.
    """
    try:
        return _check_package(content, file_name.lower(), log, limits)
    except _Refusal:
        return None


def _check_package(content: bytes, lower_name: str, log: ProblemLog, limits: Limits) -> str:
    if len(content) > limits.max_file_bytes:
        log.error(
            "file-too-large",
            f"Tệp lớn {_size(len(content))}, vượt giới hạn đọc {_size(limits.max_file_bytes)}.",
            f"The file is {_size_en(len(content))}, over the "
            f"{_size_en(limits.max_file_bytes)} reading limit.",
        )
        raise _Refusal
    kind = sniff_kind(content)
    if kind == "empty":
        log.error(
            "file-empty",
            "Tệp rỗng (0 byte), không có dữ liệu.",
            "The file is empty (0 bytes).",
        )
        raise _Refusal
    if kind == "ole":
        return _check_ole(content, lower_name, log)
    if kind == "zip":
        return _check_zip(content, lower_name, log, limits)
    raise _not_excel(log, *describe_other(content))


def _encrypted(log: ProblemLog) -> _Refusal:
    log.error(
        "file-encrypted",
        "Tệp được đặt mật khẩu (mã hoá); hãy bỏ mật khẩu rồi nộp lại.",
        "The file is password-protected (encrypted); remove the password and upload again.",
    )
    return _Refusal()


def _check_ole(content: bytes, lower_name: str, log: ProblemLog) -> str:
    if any(p in content for p in _utf16("EncryptedPackage")):
        raise _encrypted(log)
    for stream, what in OLE_OTHERS.items():
        if any(p in content for p in _utf16(stream)):
            raise _not_excel(log, *what)
    _name_mismatch(log, lower_name, ".xls")
    return "xls"


def _name_mismatch(log: ProblemLog, lower_name: str, real: str) -> None:
    if lower_name.endswith((".xlsx", ".xlsm")):
        log.warning(
            "file-extension-mismatch",
            f"Tệp mang đuôi .{lower_name.rsplit('.', 1)[-1]} nhưng thực chất là {real}; vẫn đọc.",
            f"The file is named as .xlsx but is really {real}; reading it anyway.",
        )


def _end_of_central_directory(content: bytes) -> tuple[int, int] | None:
    """(entries, central directory bytes) from the end record (zip64 aware), or None."""
    tail_start = max(0, len(content) - (22 + 65_535))
    at = content.rfind(EMPTY_ZIP_MAGIC, tail_start)
    if at < 0 or at + 22 > len(content):
        return None
    _, _, _, _, entries, cd_size, _, _ = struct.unpack("<4s4H2LH", content[at : at + 22])
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:
        loc = at - 20
        if loc < 0 or content[loc : loc + 4] != b"PK\x06\x07":
            return None
        (offset,) = struct.unpack("<Q", content[loc + 8 : loc + 16])
        if offset + 56 > len(content) or content[offset : offset + 4] != b"PK\x06\x06":
            return None
        entries, cd_size = struct.unpack("<QQ", content[offset + 32 : offset + 48])
    return entries, cd_size


def data_span(content: bytes, info: zipfile.ZipInfo) -> tuple[int, int] | None:
    """Where an entry's compressed bytes are, from its local header; None if out of range."""
    start = info.header_offset
    if start < 0 or start + 30 > len(content):
        return None
    header = struct.unpack("<4s5H3L2H", content[start : start + 30])
    if header[0] != ZIP_MAGIC:
        return None
    begin = start + 30 + header[9] + header[10]
    end = begin + info.compress_size
    return (begin, end) if end <= len(content) else None


def _check_zip(content: bytes, lower_name: str, log: ProblemLog, limits: Limits) -> str:
    eocd = _end_of_central_directory(content)
    if eocd is None:
        raise _damaged(log)
    entries, cd_size = eocd
    if entries > limits.max_zip_entries or cd_size > limits.max_zip_entries * 512:
        _too_many_entries(log, entries, limits)
    try:
        zf = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _damaged(log) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_zip_entries:
            _too_many_entries(log, len(infos), limits)
        _check_zip_directory(content, infos, log, limits)
        names = {i.filename for i in infos}
        if "mimetype" in names:
            return _check_ods(zf, names, lower_name, log)
        return _check_ooxml(zf, names, log, limits)


def _too_many_entries(log: ProblemLog, entries: int, limits: Limits) -> None:
    log.error(
        "zip-too-many-entries",
        f"Tệp nén có {entries} mục, vượt giới hạn {limits.max_zip_entries}; một bảng tính thật "
        "chỉ có vài chục mục.",
        f"The package has {entries} entries, over the limit of {limits.max_zip_entries}; a "
        "real workbook has a few dozen.",
    )
    raise _Refusal


def _check_zip_directory(
    content: bytes, infos: list[zipfile.ZipInfo], log: ProblemLog, limits: Limits
) -> None:
    """Encryption, compression methods, declared sizes, ratios, overlaps: directory only."""
    if len({i.filename for i in infos}) != len(infos):
        raise _damaged(log, " (có hai mục trùng tên)", " (two entries share a name)")
    for info in infos:
        if info.flag_bits & 0x1:
            raise _encrypted(log)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            log.error(
                "zip-unsupported",
                f"Mục «{info.filename}» được nén bằng phương pháp số {info.compress_type}, "
                "Excel không dùng; hãy mở bằng Excel, lưu lại rồi nộp.",
                f"Entry «{info.filename}» uses compression method {info.compress_type}, which "
                "Excel does not write; save the file again in Excel.",
                value=info.filename,
            )
            raise _Refusal
    total = sum(i.file_size for i in infos)
    if total > limits.max_uncompressed_bytes:
        raise _bomb(
            log,
            "",
            f"khi giải nén sẽ chiếm {_size(total)}, vượt giới hạn "
            f"{_size(limits.max_uncompressed_bytes)} (tệp chỉ {_size(len(content))})",
            f"it would expand to {_size_en(total)}, over the "
            f"{_size_en(limits.max_uncompressed_bytes)} limit (the file is "
            f"{_size_en(len(content))})",
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_min_bytes and ratio > limits.max_ratio:
            raise _bomb(
                log,
                info.filename,
                f"mục «{info.filename}» nén {fmt_number(ratio, 0)} lần (giới hạn "
                f"{fmt_number(limits.max_ratio, 0)} lần)",
                f"entry «{info.filename}» is compressed {ratio:.0f}:1 (limit "
                f"{limits.max_ratio:.0f}:1)",
            )
    spans = []
    for info in infos:
        span = data_span(content, info)
        if span is None:
            raise _damaged(log)
        spans.append((span[0], span[1], info.filename))
    spans.sort()
    for (_, end, first), (begin, _, second) in itertools.pairwise(spans):
        if begin < end:
            raise _bomb(
                log,
                second,
                f"các mục «{first}» và «{second}» dùng chung dữ liệu nén",
                f"entries «{first}» and «{second}» overlap",
            )


def parse_xml(data: bytes) -> Any:
    """An XML part parsed with defusedxml: DTDs, entities and external references forbidden."""
    return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)


def _read_xml_part(zf: zipfile.ZipFile, name: str, log: ProblemLog, limits: Limits) -> Any:
    """A small XML part of the package, parsed safely; refusals logged."""
    info = zf.getinfo(name)
    if info.file_size > limits.max_xml_part_bytes:
        raise _bomb(
            log,
            name,
            f"phần «{name}» chiếm {_size(info.file_size)}",
            f"part «{name}» is {_size_en(info.file_size)}",
        )
    try:
        return parse_xml(zf.read(name))
    except DefusedXmlException:
        raise _xml_unsafe(log, name) from None
    except (SafeET.ParseError, zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error):
        raise _damaged(log, f" (phần «{name}» hỏng)", f" (part «{name}» is damaged)") from None


def _check_ods(zf: zipfile.ZipFile, names: set[str], lower_name: str, log: ProblemLog) -> str:
    info = zf.getinfo("mimetype")
    if info.file_size > 256:
        raise _damaged(log)
    try:
        mimetype = zf.read("mimetype").decode("ascii", "replace").strip()
    except (zipfile.BadZipFile, OSError, zlib.error):
        raise _damaged(log) from None
    if "opendocument.spreadsheet" not in mimetype or "content.xml" not in names:
        if "opendocument.text" in mimetype:
            raise _not_excel(log, "văn bản OpenDocument (.odt)", "an OpenDocument text (.odt)")
        raise _not_excel(
            log, f"tệp nén loại «{short_value(mimetype, 60)}»", f"a «{mimetype[:60]}» package"
        )
    _name_mismatch(log, lower_name, ".ods")
    return "ods"


def _check_ooxml(zf: zipfile.ZipFile, names: set[str], log: ProblemLog, limits: Limits) -> str:
    if "[Content_Types].xml" not in names:
        raise _not_excel(log, "tệp nén (zip) không chứa bảng tính", "a zip archive, not a workbook")
    types = _read_xml_part(zf, "[Content_Types].xml", log, limits)
    main_types = {
        el.get("PartName", "").lstrip("/"): el.get("ContentType", "")
        for el in types
        if el.tag.endswith("Override")
    }
    if main_types.get("xl/workbook.xml") not in SHEET_MAIN_TYPES or "xl/workbook.xml" not in names:
        for content_type in main_types.values():
            for marker, what in OTHER_MAIN_TYPES.items():
                if marker in content_type and content_type.endswith(("main", "main+xml")):
                    raise _not_excel(log, *what)
        raise _not_excel(
            log,
            "tệp nén (zip) không có phần bảng tính xl/workbook.xml đúng loại",
            "a zip package without a spreadsheet xl/workbook.xml part",
        )
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        log.warning(
            "file-has-macros",
            "Tệp có macro; macro không bao giờ được chạy, chỉ đọc số liệu trong các ô.",
            "The file holds macros; macros are never run, only the cell values are read.",
        )
    rels = sorted(n for n in names if n.endswith(".rels"))
    rels_bytes = sum(zf.getinfo(n).file_size for n in rels)
    if rels_bytes > limits.max_xml_part_bytes:  # what this process parses stays small
        raise _bomb(
            log,
            "",
            f"các phần quan hệ (.rels) chiếm {_size(rels_bytes)}",
            f"its relationship parts (.rels) take {_size_en(rels_bytes)}",
        )
    external: list[tuple[str, str]] = []
    for name in rels:
        for rel in _read_xml_part(zf, name, log, limits):
            if rel.get("TargetMode") == "External" and not rel.get("Type", "").endswith(
                _EXTERNAL_OK
            ):
                external.append((name, rel.get("Target", "")))
    if external:
        targets = "; ".join(f"«{short_value(t, 60)}»" for _, t in external[:3])
        log.error(
            "external-link",
            f"Tệp liên kết tới tệp hoặc địa chỉ bên ngoài ({targets}); số liệu phải nằm ngay "
            "trong tệp. Hãy bỏ liên kết (Dữ liệu > Sửa liên kết > Ngắt liên kết) rồi nộp lại.",
            f"The file links to outside files or addresses ({targets}); the figures must be in "
            "the file itself. Break the links (Data > Edit Links > Break Link) and upload again.",
            value=external[0][1],
        )
        raise _Refusal
    return "xlsx"


# Refusals after which the file must not be opened again in the web process (for instance by
# etl/writers/annotate.py, which loads the whole workbook with openpyxl to mark its cells).
NOT_REOPENABLE = frozenset(
    {
        "file-too-large", "file-empty", "file-not-excel", "file-encrypted", "file-unreadable",
        "zip-too-many-entries", "zip-bomb", "zip-unsupported", "xml-unsafe", "external-link",
        "too-many-rows", "too-many-columns", "too-many-cells", "cell-too-long",
        "parse-timeout", "parse-memory", "parse-crashed",
    }
)  # fmt: skip


def safe_to_reopen(codes: Iterable[str]) -> bool:
    """Whether a file with these problem codes may be opened again in this process."""
    return not NOT_REOPENABLE.intersection(codes)


# ---------------------------------------------------------------- in the child: the streams

_DTD_MARKS = (b"<!DOCTYPE", b"<!ENTITY", *_utf16("<!DOCTYPE"), *_utf16("<!ENTITY"))
_NOT_XML = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".emf", ".wmf", ".tif", ".tiff", ".bin")


def _inflate(data: memoryview, method: int, stop_after: int) -> Iterator[bytes]:
    """The decompressed bytes in chunks; stops once more than `stop_after` came out."""
    if method == zipfile.ZIP_STORED:
        for at in range(0, len(data), MiB):
            yield bytes(data[at : at + MiB])
        return
    d = zlib.decompressobj(-15)
    produced = 0
    for at in range(0, len(data), 1 << 16):
        pending = bytes(data[at : at + (1 << 16)])
        while pending:
            out = d.decompress(pending, MiB)
            pending = d.unconsumed_tail
            produced += len(out)
            if out:
                yield out
            if produced > stop_after or d.eof:
                return


def verify_zip_streams(content: bytes, log: ProblemLog, limits: Limits) -> bool:
    """Every entry decompressed (never held whole): its real size must be the declared one, and
    no XML part may carry a DTD. False with the refusal logged otherwise."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            view = memoryview(content)
            for info in zf.infolist():
                _verify_entry(view, content, info, log)
    except _Refusal:
        return False
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError):
        _damaged(log)
        return False
    return True


def _verify_entry(view: memoryview, content: bytes, info: zipfile.ZipInfo, log: ProblemLog) -> None:
    span = data_span(content, info)
    if span is None:
        raise _damaged(log)
    scan = not info.filename.lower().endswith(_NOT_XML)
    actual, crc, tail = 0, 0, b""
    for chunk in _inflate(view[span[0] : span[1]], info.compress_type, info.file_size):
        actual += len(chunk)
        if actual > info.file_size:
            raise _bomb(
                log,
                info.filename,
                f"mục «{info.filename}» khai báo {_size(info.file_size)} nhưng giải nén ra "
                "nhiều hơn",
                f"entry «{info.filename}» declares {_size_en(info.file_size)} but expands to more",
            )
        crc = zlib.crc32(chunk, crc)
        if scan:
            window = tail + chunk
            if any(mark in window for mark in _DTD_MARKS):
                raise _xml_unsafe(log, info.filename)
            tail = window[-24:]
    if actual != info.file_size or crc != info.CRC:
        raise _damaged(log, f" (mục «{info.filename}» hỏng)", f" (entry «{info.filename}»)")


# ---------------------------------------------------------------- in the child: sheet extents

_NAME = rb"(?:[A-Za-z_][\w.-]*:)?"
_TAG = re.compile(rb"<" + _NAME + rb"(row|c|f)(?=[\s/>])([^<>]*)>(\s*</" + _NAME + rb"c\s*>)?")
_REF = re.compile(rb"""\sr\s*=\s*["']\s*([A-Za-z]*)(\d*)\s*["']""")
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def column_number(letters: bytes) -> int:
    """`A` → 1, `XFD` → 16384."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


class _Extent:
    """Rows and columns of one sheet's cells with a value, counted from its XML."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.row = self.col = self.max_row = self.max_col = 0
        self.formulas: set[tuple[int, int]] = set()  # 0-based cells holding a formula
        self.past: tuple[str, int, int] | None = None  # (code, 1-based row, 1-based column)

    def feed(self, xml: bytes) -> bool:
        """Count the tags in `xml`; False once a cell past a cap is found."""
        lim = self.limits
        max_rows, max_cols, max_cells = lim.max_rows, lim.max_cols, lim.max_cells
        row, col, max_row, max_col = self.row, self.col, self.max_row, self.max_col
        formulas, find_ref, columns = self.formulas, _REF.search, _COLUMN_NUMBERS
        try:
            for m in _TAG.finditer(xml):
                tag, attrs, closed = m.groups()
                if tag == b"f":
                    formulas.add((row - 1, col - 1))
                    continue
                ref = find_ref(attrs)
                if tag == b"row":
                    row = int(ref.group(2)) if ref and ref.group(2) else row + 1
                    col = 0
                    continue
                if ref and ref.group(1):
                    letters, digits = ref.groups()
                    col = columns.get(letters) or column_number(letters)
                    if len(columns) < 1024:
                        columns[letters] = col
                    row = int(digits) if digits else row
                else:
                    col += 1
                if attrs.endswith(b"/") or closed:
                    continue  # a styled cell with no value: not part of the grid
                if row > max_rows:
                    self.past = ("too-many-rows", row, col)
                elif col > max_cols:
                    self.past = ("too-many-columns", row, col)
                else:
                    if row > max_row:
                        max_row = row
                    if col > max_col:
                        max_col = col
                    if max_row * max_col > max_cells:
                        self.past = ("too-many-cells", row, col)
                if self.past:
                    return False
            return True
        finally:
            self.row, self.col, self.max_row, self.max_col = row, col, max_row, max_col


_COLUMN_NUMBERS: dict[bytes, int] = {}  # column letters → number, as `column_number` says


def _sheet_parts(zf: zipfile.ZipFile, names: set[str]) -> list[tuple[str, str]]:
    """(sheet name, part) of each worksheet, from xl/workbook.xml and its relationships."""
    try:
        book = parse_xml(zf.read("xl/workbook.xml"))
        rels = parse_xml(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, DefusedXmlException, SafeET.ParseError):
        return []
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    found = []
    for el in book.iter():
        if not el.tag.endswith("}sheet"):
            continue
        target = targets.get(el.get(f"{{{_REL_NS}}}id"), "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        part = os.path.normpath(part).replace(os.sep, "/")
        if part in names:
            found.append((el.get("name", ""), part))
    return found


@dataclass
class SheetScan:
    """What the XML of the worksheets says before any reader runs."""

    formula_cells: dict[str, set[tuple[int, int]]]  # sheet name → 0-based formula cells
    mapped: bool  # False: the sheet names could not be read, the keys are part names


def scan_sheets(content: bytes, log: ProblemLog, limits: Limits) -> SheetScan | None:
    """Rows, columns and cells of every worksheet counted from its XML, before any reader
    allocates a grid, and where its formulas are; None with `too-many-…` logged."""
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        names = set(zf.namelist())
        parts = _sheet_parts(zf, names)
        mapped = bool(parts)
        if not mapped:  # an unusual package: scan every worksheet part by its own name
            parts = [(n, n) for n in sorted(names) if n.startswith("xl/worksheets/")]
        formulas: dict[str, set[tuple[int, int]]] = {}
        for sheet, part in parts:
            extent = _Extent(limits)
            _scan_part(zf, part, extent)
            if extent.past is not None:
                _log_cap(log, sheet, *extent.past, limits)
                return None
            formulas[sheet] = extent.formulas
    return SheetScan(formulas, mapped)


def _scan_part(zf: zipfile.ZipFile, part: str, extent: _Extent) -> None:
    carry = b""
    with zf.open(part) as fh:
        while chunk := fh.read(MiB):
            buf = carry + chunk
            cut = buf.rfind(b"<")
            if cut <= 0:
                carry = buf
                continue
            if not extent.feed(buf[:cut]):
                return
            carry = buf[cut:]
    extent.feed(carry)


def _log_cap(log: ProblemLog, sheet: str, code: str, row: int, col: int, limits: Limits) -> None:
    """`too-many-rows`, `too-many-columns`, `too-many-cells` at the first cell past the cap
    (1-based row and column)."""
    ref = cell_ref(row - 1, col - 1) if col >= 1 else f"A{row}"
    if code == "too-many-rows":
        log.error(
            "too-many-rows",
            f"Trang «{sheet}» có dữ liệu ở ô {ref}, vượt giới hạn {limits.max_rows} dòng.",
            f"Sheet «{sheet}» has data in cell {ref}, past the limit of {limits.max_rows} rows.",
            sheet=sheet,
            cell=ref,
        )
    elif code == "too-many-columns":
        log.error(
            "too-many-columns",
            f"Trang «{sheet}» có dữ liệu ở ô {ref}, vượt giới hạn {limits.max_cols} cột.",
            f"Sheet «{sheet}» has data in cell {ref}, past the limit of {limits.max_cols} columns.",
            sheet=sheet,
            cell=ref,
        )
    else:
        log.error(
            "too-many-cells",
            f"Trang «{sheet}» có dữ liệu trải tới ô {ref}, vượt giới hạn {limits.max_cells} ô "
            "(số dòng x số cột).",
            f"Sheet «{sheet}» has data out to cell {ref}, past the limit of {limits.max_cells} "
            "cells (rows x columns).",
            sheet=sheet,
            cell=ref,
        )


def check_grid_caps(name: str, cells: list[list[Any]], log: ProblemLog, limits: Limits) -> bool:
    """Caps on a grid already read (every kind; .xls and .ods have no XML to count first)."""
    n_rows = len(cells)
    n_cols = max((len(r) for r in cells), default=0)
    for r, row in enumerate(cells):
        for c, value in enumerate(row):
            if value is None:
                continue
            if r >= limits.max_rows:
                _log_cap(log, name, "too-many-rows", r + 1, c + 1, limits)
                return False
            if c >= limits.max_cols:
                _log_cap(log, name, "too-many-columns", r + 1, c + 1, limits)
                return False
    if n_rows * n_cols > limits.max_cells:
        _log_cap(log, name, "too-many-cells", n_rows, n_cols, limits)
        return False
    for r, row in enumerate(cells):
        for c, value in enumerate(row):
            if isinstance(value, str) and len(value) > limits.max_cell_chars:
                ref = cell_ref(r, c)
                log.error(
                    "cell-too-long",
                    f"Ô {ref} dài {len(value)} ký tự, vượt giới hạn {limits.max_cell_chars} ký "
                    "tự của một ô.",
                    f"Cell {ref} holds {len(value)} characters, over the limit of "
                    f"{limits.max_cell_chars}.",
                    sheet=name,
                    cell=ref,
                )
                return False
    return True


# ---------------------------------------------------------------- text that is stored and shown

_BAD_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_MARKUP = re.compile(r"</?[a-z!?][^<>]*>|<\s*script", re.IGNORECASE)
_SCRIPT_SCHEME = re.compile(r"(?:java|vb|live)script:|data:text/html", re.IGNORECASE)


def unsafe_text(value: Any) -> tuple[str, str] | None:
    """Why a text may not be stored (Vietnamese, English), or None when it is plain text.

    Control characters (other than tab and line breaks), NUL, bidirectional overrides and
    isolates (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C) and HTML or script: a unit name
    never holds them, and a shown name must never reorder or mark up what is around it.
    """
    if not isinstance(value, str):
        return None
    if len(value) <= _CACHED_TEXT_CHARS:
        return _unsafe_short(value)
    return _unsafe_str(value)


_CACHED_TEXT_CHARS = 200  # names and labels: remembered, so the cache stays small


@functools.lru_cache(maxsize=65536)
def _unsafe_short(value: str) -> tuple[str, str] | None:
    """`unsafe_text` of a short text, remembered: names and labels recur in every file."""
    return _unsafe_str(value)


def _unsafe_str(value: str) -> tuple[str, str] | None:
    if m := _BAD_CHARS.search(value):
        ch = m.group(0)
        code = f"U+{ord(ch):04X}"
        if ch == "\x00":
            return f"ký tự NUL ({code})", f"a NUL character ({code})"
        if ch in "\u061c\u200e\u200f" or "\u202a" <= ch <= "\u202e" or "\u2066" <= ch <= "\u2069":
            return (
                f"ký tự điều khiển hướng chữ ({code})",
                f"a bidirectional control character ({code})",
            )
        return f"ký tự điều khiển ({code})", f"a control character ({code})"
    if _MARKUP.search(value) or _SCRIPT_SCHEME.search(re.sub(r"\s+", "", value)):
        return "mã HTML hoặc script", "HTML or script"
    return None


def visible(value: Any, limit: int = 60) -> str:
    """A text with its invisible and control characters written as U+XXXX, cut to `limit`."""
    text = _BAD_CHARS.sub(lambda m: f"⟨U+{ord(m.group(0)):04X}⟩", str(value))
    return short_value(text, limit)


# ---------------------------------------------------------------- the child process

EXIT_MEMORY = 75  # the child caught MemoryError
_LEN = struct.Struct("<Q")
_ALLOWED_CLASSES = {("datetime", n) for n in ("date", "datetime", "time", "timedelta")} | {
    # the form reader's results (plain data), when the child reads the forms too
    ("etl.reading.reader", n)
    for n in ("SheetResult", "Header", "UnitRow", "EventRow", "TargetRow", "Cell")
}


class _SafeUnpickler(pickle.Unpickler):
    """Loads what the child sends back: plain containers, numbers, text, dates. Nothing else."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_CLASSES:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed")


def safe_loads(data: bytes) -> Any:
    return _SafeUnpickler(io.BytesIO(data)).load()


def _read_fd(fd: int, size: int) -> bytes:
    """Exactly `size` bytes from `fd` (fewer at end of file)."""
    parts, got = [], 0
    while got < size:
        data = os.read(fd, min(size - got, 4 * MiB))
        if not data:
            break
        parts.append(data)
        got += len(data)
    return b"".join(parts)


def _write_fd(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


@functools.cache
def _warm_up_workbook() -> bytes:
    """A tiny workbook (text, a number, a formula) for `_warm_up`, built once per server."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
        '.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a'
        '</t></is></c><c r="B1"><v>1</v></c><c r="C1"><f>B1+1</f><v>2</v></c></row>'
        "</sheetData></worksheet>"
    )
    rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://'
        'schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default '
        'Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        f'ContentType="{next(iter(sorted(SHEET_MAIN_TYPES)))}"/></Types>',
        "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'relationships"><Relationship Id="r1" Type="{rels}/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        f'2006/main" xmlns:r="{rels}"><sheets><sheet name="S" sheetId="1" r:id="r1"/></sheets>'
        "</workbook>",
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/'
        f'package/2006/relationships"><Relationship Id="r1" Type="{rels}/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, xml in parts.items():
            zf.writestr(name, xml)
    return buf.getvalue()


def _warm_up() -> None:
    """Read a tiny built-in workbook while waiting for a job: the pages a read touches are
    copied from the fork server now, not while the upload waits."""
    from etl.reading.reader import read_forms_in_process

    try:
        log = ProblemLog("")
        sheets = read_forms_in_process(_warm_up_workbook(), "xlsx", log, Limits())
        pickle.dumps({"problems": log.items, "grids": sheets}, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # only a warm-up: the real read reports its own problems
        pass


def _child(job_fd: int, out_fd: int, err_fd: int) -> int:
    """In a forked child: wait for one job, set the limits, read, send the grids back."""
    import resource

    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.dup2(err_fd, 2)
    _warm_up()
    header = _read_fd(job_fd, _LEN.size)
    if len(header) < _LEN.size:
        return 0  # the fork server is closing
    params = pickle.loads(_read_fd(job_fd, _LEN.unpack(header)[0]))  # from our own parent
    os.close(job_fd)
    limits = Limits(**params["limits"])
    cpu = math.ceil(limits.parse_timeout_s) + 1
    for which, value in (
        (resource.RLIMIT_CORE, 0),  # no core dump of an upload
        (resource.RLIMIT_FSIZE, MiB),  # stderr is the only file it writes
        (resource.RLIMIT_CPU, cpu),
        (resource.RLIMIT_AS, limits.parse_memory_bytes),
    ):
        try:
            resource.setrlimit(which, (value, value + 1 if which == resource.RLIMIT_CPU else value))
        except (ValueError, OSError):  # not enforced on this platform (macOS: RLIMIT_AS)
            pass
    signal.signal(signal.SIGALRM, signal.SIG_DFL)  # the timer ends the process, even in Rust
    signal.setitimer(signal.ITIMER_REAL, limits.parse_timeout_s)
    from etl.reading.reader import read_forms_in_process
    from etl.reading.workbook import read_grids_in_process

    log = ProblemLog("")
    read = read_forms_in_process if params.get("read") == "forms" else read_grids_in_process
    grids = read(params.pop("content"), params["kind"], log, limits)
    problems = [
        (p.code, p.severity, p.message_vi, p.message_en, p.sheet, p.cell, p.value)
        for p in log.items
    ]
    payload = pickle.dumps({"problems": problems, "grids": grids}, protocol=pickle.HIGHEST_PROTOCOL)
    _write_fd(out_fd, _LEN.pack(len(payload)))
    _write_fd(out_fd, payload)
    return 0


def _scratch_fd() -> int:
    """An anonymous file for a child's stderr (memfd on Linux, an unlinked file elsewhere)."""
    if hasattr(os, "memfd_create"):
        return os.memfd_create("parse-stderr")
    import tempfile

    with tempfile.TemporaryFile() as fh:
        return os.dup(fh.fileno())


@dataclass
class _Spare:
    """A child forked ahead of its job, waiting on `job_fd` (fork is off the critical path)."""

    pid: int
    job_fd: int
    result_fd: int
    err_fd: int


def _fork_spare() -> _Spare:
    """Fork the next child; it warms up and waits for a job."""
    job_r, job_w = os.pipe()
    result_r, result_w = os.pipe()
    err_fd = _scratch_fd()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 70
        try:
            os.close(job_w)
            os.close(result_r)
            code = _child(job_r, result_w, err_fd)
        except MemoryError:
            code = EXIT_MEMORY
        except BaseException:
            import traceback

            traceback.print_exc()  # into the child's stderr, which the server reads
        finally:
            os._exit(code)
    os.close(job_r)
    os.close(result_w)
    return _Spare(pid, job_w, result_r, err_fd)


def _collect(spare: _Spare, timeout_s: float) -> tuple[bytes | None, bool]:
    """The child's length-prefixed result (None if it died first) and whether it timed out."""
    buf = bytearray()
    need: int | None = None
    deadline = time.monotonic() + timeout_s + 1.0  # the child's own timer fires first
    while need is None or len(buf) < need:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            os.kill(spare.pid, signal.SIGKILL)
            return None, True
        ready, _, _ = select.select([spare.result_fd], [], [], remaining)
        if not ready:
            continue
        data = os.read(spare.result_fd, 4 * MiB)
        if not data:
            return None, False
        buf += data
        if need is None and len(buf) >= _LEN.size:
            need = _LEN.size + _LEN.unpack(buf[: _LEN.size])[0]
    return bytes(buf[_LEN.size :]), False


def _hand_over(spare: _Spare, job: bytes) -> float:
    """In the fork server: give one job to the waiting child; its time limit."""
    timeout = float(pickle.loads(job)["limits"]["parse_timeout_s"])
    try:
        _write_fd(spare.job_fd, _LEN.pack(len(job)))
        _write_fd(spare.job_fd, job)
    except OSError:
        pass  # the child is gone: its exit status says why
    os.close(spare.job_fd)
    return timeout


def _finish(spare: _Spare, timeout: float) -> tuple[bytes, bool]:
    """The reply for the parent once the child has answered, died or timed out, and whether
    the child is still to be reaped (it sent a whole result and is exiting)."""
    payload, timed_out = _collect(spare, timeout)
    os.close(spare.result_fd)
    exitcode = 0
    if payload is None:
        _, status = os.waitpid(spare.pid, 0)
        exitcode = os.waitstatus_to_exitcode(status)
    size = os.lseek(spare.err_fd, 0, os.SEEK_END)
    os.lseek(spare.err_fd, max(0, size - 4096), os.SEEK_SET)
    stderr = os.read(spare.err_fd, 4096)
    os.close(spare.err_fd)
    reply = {"payload": payload or b"", "exitcode": exitcode, "timed_out": timed_out}
    reply["stderr"] = stderr
    return pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL), payload is not None


def zygote_main() -> None:
    """The fork server: import the readers once, keep one child forked ahead, hand it each job
    read from stdin (length-prefixed pickles from the parent); ends when stdin closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; Ctrl-C is for it
    import gc

    # Only python-calamine is preloaded (openpyxl is needed in the rare package whose sheets
    # cannot be mapped, and then imports numpy only to know its number types: blocked, so the
    # server stays small and single-threaded, which it must be to fork safely).
    sys.modules["numpy"] = None  # type: ignore[assignment]
    import python_calamine  # noqa: F401

    from etl.reading import reader, workbook  # noqa: F401

    _warm_up_workbook()
    gc.freeze()  # the children's collections leave the preloaded objects (and pages) alone
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    spare = _fork_spare()
    while True:
        header = inp.read(_LEN.size)
        job = inp.read(_LEN.unpack(header)[0]) if len(header) == _LEN.size else b""
        if not job:
            os.close(spare.job_fd)  # the waiting child reads end of file and exits
            os.waitpid(spare.pid, 0)
            return
        busy = spare
        timeout = _hand_over(busy, job)
        del job
        reply, finished = _finish(busy, timeout)
        out.write(_LEN.pack(len(reply)))
        out.write(reply)
        out.flush()
        spare = _fork_spare()  # while the parent goes on with the grids
        if finished:
            os.waitpid(busy.pid, 0)


class _ServerLost(Exception):
    """The fork server died or stopped answering (`sent`: after it had the job)."""

    def __init__(self, sent: bool = True) -> None:
        super().__init__("fork server lost")
        self.sent = sent


class _Zygote:
    """One fork server process and its pipes (used by one job at a time)."""

    def __init__(self) -> None:
        env = {
            **os.environ,
            "RUST_BACKTRACE": "0",  # a panic's message, not a page of backtrace
            "OPENPYXL_LXML": "False",  # openpyxl parses with the stdlib + defusedxml only
        }
        code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
        code += "from etl.reading.safety import zygote_main; zygote_main()"
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-c", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
            env=env,
            close_fds=True,
        )

    def run(self, job: bytes, timeout_s: float) -> bytes:
        """Send one job, wait for its reply; `_ServerLost` or `TimeoutError` otherwise."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(_LEN.pack(len(job)))
            self.proc.stdin.write(job)
            self.proc.stdin.flush()
        except OSError:
            raise _ServerLost(sent=False) from None
        deadline = time.monotonic() + timeout_s
        fd = self.proc.stdout.fileno()
        header = self._read(fd, _LEN.size, deadline)
        return self._read(fd, _LEN.unpack(header)[0], deadline)

    @staticmethod
    def _read(fd: int, size: int, deadline: float) -> bytes:
        parts: list[bytes] = []
        got = 0
        while got < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            data = os.read(fd, min(size - got, 4 * MiB))
            if not data:
                raise _ServerLost
            parts.append(data)
            got += len(data)
        return b"".join(parts)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self, kill: bool = False) -> None:
        if kill:
            self.proc.kill()
        else:
            try:
                if self.proc.stdin:
                    self.proc.stdin.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()


class Pool:
    """Fork servers shared by the web process's threads: at most `size` read at once."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.idle: list[_Zygote] = []
        self.count = 0
        self.owner = os.getpid()

    def run(self, job: bytes, limits: Limits) -> bytes:
        """One job on a free fork server; a server found dead before it took the job is
        replaced once."""
        for attempt in (1, 2):
            zygote = self._acquire(limits.parse_workers)
            ok = False
            try:
                reply = zygote.run(job, limits.parse_timeout_s + 30.0)
                ok = True
                return reply
            except _ServerLost as lost:
                if lost.sent or attempt == 2:
                    raise
            finally:
                self._release(zygote, ok)
        raise AssertionError("unreachable")

    def _acquire(self, size: int) -> _Zygote:
        with self.cond:
            if self.owner != os.getpid():  # this process was forked: the servers are not ours
                self.idle, self.count, self.owner = [], 0, os.getpid()
            while True:
                while self.idle:
                    zygote = self.idle.pop()
                    if zygote.alive():
                        return zygote
                    zygote.close(kill=True)
                    self.count -= 1
                if self.count < max(1, size):
                    self.count += 1
                    break
                self.cond.wait()
        try:
            return _Zygote()
        except BaseException:
            with self.cond:
                self.count -= 1
                self.cond.notify()
            raise

    def _release(self, zygote: _Zygote, ok: bool) -> None:
        if not ok:
            zygote.close(kill=True)
        with self.cond:
            if ok:
                self.idle.append(zygote)
            else:
                self.count -= 1
            self.cond.notify()

    def close(self) -> None:
        with self.cond:
            idle, self.idle = self.idle, []
            self.count -= len(idle)
        if self.owner == os.getpid():
            for zygote in idle:
                zygote.close()


POOL = Pool()  # the web process's fork servers, shared by its threads
atexit.register(POOL.close)


def classify_exit(exitcode: int, timed_out: bool, stderr: bytes) -> str | None:
    """How a child ended: None (cleanly), "timeout", "memory" or "crashed"."""
    if timed_out or exitcode in (-signal.SIGALRM, -signal.SIGXCPU):
        return "timeout"
    out_of_memory = (b"memory allocation of", b"MemoryError", b"Cannot allocate memory")
    if exitcode == EXIT_MEMORY or any(m in stderr for m in out_of_memory):
        return "memory"
    return None if exitcode == 0 else "crashed"


def run_isolated(
    content: bytes, kind: str, log: ProblemLog, limits: Limits, *, read: str = "grids"
) -> Any:
    """Read `content` in a child process; its grids as (name, cells, merged, formula cells
    without value), or None with the refusal (or the child's problems) logged. With
    `read="forms"` the child also reads the forms (`etl.reading.reader.read_forms_in_process`) and
    sends back their results instead of the grids."""
    job = pickle.dumps(
        {"content": content, "kind": kind, "limits": dataclasses.asdict(limits), "read": read},
        protocol=pickle.HIGHEST_PROTOCOL,
    )
    try:
        reply = safe_loads(POOL.run(job, limits))
    except TimeoutError:
        _parse_refusal(log, "timeout", limits, "")
        return None
    except (_ServerLost, OSError, pickle.UnpicklingError, EOFError):
        _parse_refusal(log, "crashed", limits, "fork server lost")
        return None
    outcome = classify_exit(reply["exitcode"], reply["timed_out"], reply["stderr"])
    result = None
    if outcome is None:
        try:
            result = safe_loads(reply["payload"])
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
            outcome = "crashed"
    if outcome is not None or result is None:
        how = reply["exitcode"]
        detail = f"signal {signal.Signals(-how).name}" if how < 0 else f"exit code {how}"
        _logger.warning(
            "reading %r in the child ended badly (%s, %s): %s",
            log.file,
            outcome or "crashed",
            detail,
            reply["stderr"][-1000:].decode("utf-8", "replace"),
        )
        _parse_refusal(log, outcome or "crashed", limits, detail)
        return None
    for code, severity, vi, en, sheet, cell, value in result["problems"]:
        log.add(code, severity, vi, en, sheet=sheet, cell=cell, value=value or None)
    return result["grids"]


def refuse_bad_reply(log: ProblemLog, limits: Limits, detail: str) -> None:
    """The child answered with something its parent cannot use: refused like a crash."""
    _parse_refusal(log, "crashed", limits, detail)


def _parse_refusal(log: ProblemLog, outcome: str, limits: Limits, detail: str) -> None:
    name = log.file or "tệp"
    if outcome == "timeout":
        log.error(
            "parse-timeout",
            f"Đọc tệp «{name}» quá {fmt_number(limits.parse_timeout_s, 2)} giây nên đã dừng; tệp "
            "quá lớn hoặc bị hỏng. Hãy kiểm tra lại tệp rồi nộp lại.",
            f"Reading «{name}» took over {limits.parse_timeout_s:g} s and was stopped; the file "
            "is too big or damaged.",
        )
    elif outcome == "memory":
        log.error(
            "parse-memory",
            f"Đọc tệp «{name}» cần quá {_size(limits.parse_memory_bytes)} bộ nhớ nên đã dừng; "
            "tệp có vùng dữ liệu quá lớn (ví dụ một ô ở tận XFD1048576) hoặc bị hỏng.",
            f"Reading «{name}» needed over {limits.parse_memory_bytes / MiB:.0f} MB of memory and "
            "was stopped; its used range is too large (a cell at XFD1048576?) or it is damaged.",
        )
    else:
        log.error(
            "parse-crashed",
            f"Trình đọc bảng tính gặp lỗi nghiêm trọng khi mở tệp «{name}» ({detail}) nên tệp bị "
            "từ chối; hãy mở bằng Excel, lưu lại rồi nộp.",
            f"The spreadsheet reader crashed on «{name}» ({detail}); the file is refused. Open "
            "it in Excel, save it and upload again.",
        )
