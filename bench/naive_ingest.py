"""The naive reference for `ingest_vs_naive`: what a one-off script would do with the returns,
every sheet of every workbook read with `pandas.read_excel` (its default engine for .xlsx,
openpyxl, named so that pandas does not warn of a future change) and written
as it is to a table of a fresh SQLite database with `DataFrame.to_sql`. No checks, no matching,
no isolation, no figures: the floor a real ingest is compared against.

    .venv/bin/python bench/naive_ingest.py FILE_OR_DIR… [--db naive.sqlite3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def naive_ingest(paths: list[Path], url: str) -> float:
    """Seconds to read every sheet of `paths` with pandas and write each to its own table."""
    import pandas as pd
    from sqlalchemy import create_engine

    engine = create_engine(url)
    start = time.perf_counter()
    n = 0
    with engine.begin() as conn:
        for path in paths:
            sheets = pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl")
            for frame in sheets.values():
                frame.columns = [f"c{i}" for i in range(frame.shape[1])]
                frame.to_sql(f"sheet_{n}", conn, index=False)
                n += 1
    seconds = time.perf_counter() - start
    engine.dispose()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--db", type=Path, default=Path("naive.sqlite3"))
    args = parser.parse_args()
    paths = [p for a in args.paths for p in (sorted(a.glob("*.xlsx")) if a.is_dir() else [a])]
    if args.db.exists():
        sys.exit(f"{args.db} exists; give a new --db")
    print(f"{len(paths)} files: {naive_ingest(paths, f'sqlite:///{args.db}'):.2f} s")


if __name__ == "__main__":
    main()
