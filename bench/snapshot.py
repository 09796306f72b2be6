"""What the product computes from the sample, as plain text, to compare two versions of the code.

    python bench/snapshot.py OUT_DIR

Runs only the documented command line (`python -m etl demo`, `summary --json`, `export …`) in a
fresh DATA_DIR, so it works the same on any version of the code, then writes to OUT_DIR: the
summary JSON (whole city and a few scopes), the text of the PDF report (pdftotext), the paragraphs
and tables of the Word report, every cell of both workbooks, and every stored row of every table
(ordered by id, times of day blanked). `diff -r A B` of two runs tells whether behaviour changed.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCOPES = ["", "Sở Y tế", "Huyện Cờ Đỏ", "Giáo dục và Đào tạo"]
CUTOFFS = ["", "2023-12-31"]
VOLATILE = {"created_at", "uploaded_at", "at", "stored_at", "last_used_at", "ts", "password_hash"}
VOLATILE |= {"closed_at"}  # a period's, when the sample closes it


def etl(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "etl", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode not in (0, 2):
        raise SystemExit(f"etl {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def workbook_text(path: Path) -> str:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    out = []
    for ws in wb.worksheets:
        out.append(f"## {ws.title}")
        for row in ws.iter_rows():
            values = [c.value for c in row]
            if any(v is not None for v in values):
                out.append(" | ".join("" if v is None else str(v) for v in values))
    return "\n".join(out)


def undated(text: str) -> str:
    """The report's date line without its date (the day the report is made)."""
    return re.sub(r"ngày \d\d tháng \d\d? năm \d{4}", "ngày … tháng … năm …", text)


def docx_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    out = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            out.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(out)


def rows_text(db_path: Path) -> str:
    conn = sqlite3.connect(db_path)
    out = []
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT IN ('alembic_version', 'audit_log', 'account', 'api_token') ORDER BY name"
        )
    ]
    for table in tables:
        cursor = conn.execute(f'SELECT * FROM "{table}" ORDER BY 1')
        names = [d[0] for d in cursor.description]
        out.append(f"## {table}: {', '.join(names)}")
        for row in cursor:
            out.append(
                " | ".join(
                    "-" if n in VOLATILE else str(v) for n, v in zip(names, row, strict=True)
                )
            )
    return "\n".join(out)


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        env = {
            **os.environ,
            "DATA_DIR": str(data_dir),
            "DATABASE_URL": f"sqlite:///{data_dir / 'tgbc.sqlite3'}",
        }
        etl(env, "migrate")
        (out / "demo.txt").write_text(etl(env, "demo"))
        for scope in SCOPES:
            for cutoff in CUTOFFS:
                args = ["summary", "--json"]
                args += ["--scope", scope] if scope else []
                args += ["--as-of", cutoff] if cutoff else []
                name = f"summary_{scope or 'city'}_{cutoff or 'latest'}.json".replace(" ", "_")
                text = etl(env, *args)
                (out / name).write_text(json.dumps(json.loads(text), indent=1, sort_keys=True))
        etl(env, "export", "report", "--format", "pdf", "--out", str(data_dir / "r.pdf"))
        pdf = subprocess.run(
            ["pdftotext", "-layout", str(data_dir / "r.pdf"), "-"], capture_output=True, text=True
        )
        # the time it was made ("Lập lúc 09:41 ngày …") and the date line ("Cần Thơ, ngày 06
        # tháng 12 năm 2026") are the lines that may differ
        made = re.sub(r"Lập lúc \d\d:\d\d ngày [\d/]+", "Lập lúc …", pdf.stdout)
        made = undated(made)
        (out / "report_pdf.txt").write_text(made)
        etl(env, "export", "report", "--format", "docx", "--out", str(data_dir / "r.docx"))
        (out / "report_docx.txt").write_text(undated(docx_text(data_dir / "r.docx")))
        etl(env, "export", "tonghop", "--out", str(data_dir / "t.xlsx"))
        (out / "tonghop_xlsx.txt").write_text(workbook_text(data_dir / "t.xlsx"))
        etl(env, "export", "data", "--out", str(data_dir / "d.xlsx"))
        (out / "data_xlsx.txt").write_text(workbook_text(data_dir / "d.xlsx"))
        (out / "rows.txt").write_text(rows_text(data_dir / "tgbc.sqlite3"))
    print(f"Đã ghi ảnh chụp số liệu vào {out}")


if __name__ == "__main__":
    main()
