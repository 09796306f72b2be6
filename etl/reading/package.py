"""The checks an upload passes before any reader sees its bytes.

`check_package` runs in the web process and is cheap: a size limit, the kind by signature and
content types (never by name), the zip central directory (entries, declared sizes and ratios,
overlapping entries, encryption, compression method), the OOXML parts, external relationships
and macros. Nothing is decompressed but a few small XML parts, which are parsed with defusedxml
(DTDs forbidden). `verify_zip_streams` runs in the reading child (etl/reading/sheets.py): the
real decompressed size of every entry, and no DTD in any XML part. `safe_to_reopen` says
whether a refused file may be opened again in the web process.
"""

from __future__ import annotations

import io
import itertools
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from etl.core.formatting import fmt_number
from etl.core.problems import ProblemLog, short_value
from etl.reading.limits import Limits, MiB, size_en, size_vi

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
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
    log.report(
        "file-not-excel",
        finding_vi=f"Tệp này là {what_vi}, không phải bảng tính dạng được nhận (kiểm tra theo "
        "nội dung tệp, không theo tên)",
        finding_en=f"This file is {what_en}, not a workbook in an accepted format (judged by "
        "its content, not its name)",
        advice_vi="nếu mở được bằng Excel, hãy lưu lại dạng .xlsx rồi nộp",
        advice_en="if Excel opens it, save it as .xlsx and upload again",
    )
    return _Refusal()


def _damaged(log: ProblemLog, detail_vi: str = "", detail_en: str = "") -> _Refusal:
    log.report(
        "file-not-excel",
        finding_vi=f"Tệp bị hỏng hoặc không đầy đủ (tải lên bị cắt?){detail_vi}",
        finding_en=f"The file is damaged or truncated{detail_en}",
        advice_vi="hãy mở lại bằng Excel, lưu rồi nộp lại",
        advice_en="open it in Excel, save it and upload again",
    )
    return _Refusal()


def _bomb(log: ProblemLog, part: str, vi: str, en: str) -> _Refusal:
    log.report("zip-bomb", value=part, detail_vi=vi, detail_en=en)
    return _Refusal()


def _xml_unsafe(log: ProblemLog, part: str) -> _Refusal:
    log.report("xml-unsafe", value=part, part=part)
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
        log.report(
            "file-too-large",
            size_vi=size_vi(len(content)),
            size_en=size_en(len(content)),
            limit_vi=f"đọc {size_vi(limits.max_file_bytes)}",
            limit_en=f"{size_en(limits.max_file_bytes)} reading",
        )
        raise _Refusal
    kind = sniff_kind(content)
    if kind == "empty":
        log.report("file-empty")
        raise _Refusal
    if kind == "ole":
        return _check_ole(content, lower_name, log)
    if kind == "zip":
        return _check_zip(content, lower_name, log, limits)
    raise _not_excel(log, *describe_other(content))


def _encrypted(log: ProblemLog) -> _Refusal:
    log.report("file-encrypted")
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
        log.report("file-extension-mismatch", extension=lower_name.rsplit(".", 1)[-1], real=real)


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
    log.report("zip-too-many-entries", entries=entries, limit=limits.max_zip_entries)
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
            log.report(
                "zip-unsupported",
                value=info.filename,
                entry=info.filename,
                method=info.compress_type,
            )
            raise _Refusal
    total = sum(i.file_size for i in infos)
    if total > limits.max_uncompressed_bytes:
        raise _bomb(
            log,
            "",
            f"khi giải nén sẽ chiếm {size_vi(total)}, vượt giới hạn "
            f"{size_vi(limits.max_uncompressed_bytes)} (tệp chỉ {size_vi(len(content))})",
            f"it would expand to {size_en(total)}, over the "
            f"{size_en(limits.max_uncompressed_bytes)} limit (the file is "
            f"{size_en(len(content))})",
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
            f"phần «{name}» chiếm {size_vi(info.file_size)}",
            f"part «{name}» is {size_en(info.file_size)}",
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
        log.report("file-has-macros")
    rels = sorted(n for n in names if n.endswith(".rels"))
    rels_bytes = sum(zf.getinfo(n).file_size for n in rels)
    if rels_bytes > limits.max_xml_part_bytes:  # what this process parses stays small
        raise _bomb(
            log,
            "",
            f"các phần quan hệ (.rels) chiếm {size_vi(rels_bytes)}",
            f"its relationship parts (.rels) take {size_en(rels_bytes)}",
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
        log.report("external-link", value=external[0][1], targets=targets)
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


Sink = Callable[[bytes | None], None]


def verify_zip_streams(
    content: bytes,
    log: ProblemLog,
    limits: Limits,
    sinks: Callable[[str], Sink | None] | None = None,
) -> bool:
    """Every entry decompressed (never held whole): its real size must be the declared one, and
    no XML part may carry a DTD. False with the refusal logged otherwise. `sinks`, when given,
    is asked for each entry's name for a function to hand its decompressed bytes to, chunk by
    chunk as they are checked, then None once the whole entry is (etl/reading/sheets.py counts
    the worksheets' cells so, in the same pass: the file is decompressed once)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            view = memoryview(content)
            for info in zf.infolist():
                _verify_entry(view, content, info, log, sinks(info.filename) if sinks else None)
    except _Refusal:
        return False
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError):
        _damaged(log)
        return False
    return True


def _verify_entry(
    view: memoryview, content: bytes, info: zipfile.ZipInfo, log: ProblemLog, sink: Sink | None
) -> None:
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
                f"mục «{info.filename}» khai báo {size_vi(info.file_size)} nhưng giải nén ra "
                "nhiều hơn",
                f"entry «{info.filename}» declares {size_en(info.file_size)} but expands to more",
            )
        crc = zlib.crc32(chunk, crc)
        if scan:
            window = tail + chunk
            if any(mark in window for mark in _DTD_MARKS):
                raise _xml_unsafe(log, info.filename)
            tail = window[-24:]
        if sink is not None:
            sink(chunk)
    if actual != info.file_size or crc != info.CRC:
        raise _damaged(log, f" (mục «{info.filename}» hỏng)", f" (entry «{info.filename}»)")
    if sink is not None:
        sink(None)
