"""Measure the readers and the ingest on the sample returns, in one run, and print ratios.

    .venv/bin/python bench/bench_readers.py [--repeat 3]

- calamine: python-calamine values of every sheet (what etl/reading/sheets.py uses)
- openpyxl: openpyxl values (data_only, not read-only: it also gives merged ranges)
- pandas+calamine: pandas.read_excel(engine="calamine") of every sheet
- ingest: the full path (read, validate, match, store) into a fresh SQLite database
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402
import pandas as pd  # noqa: E402
from bench_scale import bare_read, open_periods  # noqa: E402  (bare_read: the reference)

from etl import service  # noqa: E402
from etl.ingest.load import ingest_bytes  # noqa: E402


def read_openpyxl(blobs: list[bytes]) -> int:
    cells = 0
    for blob in blobs:
        wb = openpyxl.load_workbook(io.BytesIO(blob), data_only=True)
        for ws in wb.worksheets:
            cells += sum(len(r) for r in ws.iter_rows(values_only=True))
    return cells


def read_pandas(blobs: list[bytes]) -> int:
    cells = 0
    for blob in blobs:
        frames = pd.read_excel(io.BytesIO(blob), sheet_name=None, header=None, engine="calamine")
        cells += sum(f.size for f in frames.values())
    return cells


def ingest_all(blobs: list[tuple[str, bytes]]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        service.migrate(f"sqlite:///{tmp}/bench.sqlite3")
        engine = service.open_engine(f"sqlite:///{tmp}/bench.sqlite3")
        open_periods(engine, blobs)  # the periods of the files' cut-off dates, open
        facts = 0
        for name, blob in blobs:
            result = ingest_bytes(engine, blob, name, uploads_dir=Path(tmp) / "uploads")
            if result.status != "accepted":
                raise SystemExit(f"{name}: {result.status} {result.errors[:2]}")
            facts += result.counts.get("facts", 0)
        engine.dispose()
        return facts


def best_of(repeat: int, fn, *args) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", default=str(ROOT / "data" / "sample"))
    args = parser.parse_args()
    files = sorted(Path(args.dir).glob("*.xlsx"))
    named = [(f.name, f.read_bytes()) for f in files]
    blobs = [b for _, b in named]
    cells = bare_read(blobs)
    t_cal = best_of(args.repeat, bare_read, blobs)
    t_opx = best_of(args.repeat, read_openpyxl, blobs)
    t_pd = best_of(args.repeat, read_pandas, blobs)
    t_ing = best_of(args.repeat, ingest_all, named)
    print(f"{len(files)} files, {cells} cells, best of {args.repeat}")
    print(f"  calamine values        {t_cal * 1000:8.1f} ms   1.00x")
    print(f"  pandas + calamine      {t_pd * 1000:8.1f} ms   {t_pd / t_cal:5.2f}x")
    print(f"  openpyxl values        {t_opx * 1000:8.1f} ms   {t_opx / t_cal:5.2f}x")
    print(f"  full ingest (SQLite)   {t_ing * 1000:8.1f} ms   {t_ing / t_cal:5.2f}x of calamine")


if __name__ == "__main__":
    main()
