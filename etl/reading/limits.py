"""How much an uploaded file may ask of the reader: sizes, counts, time and memory.

`Limits` holds the defaults; `Limits.from_env` overrides them from the `PARSE_*` environment
variables (`PARSE_TIMEOUT_S`, `PARSE_MEMORY_MB`, `PARSE_MAX_ROWS`…).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from etl.core.formatting import fmt_number

MiB = 1024 * 1024


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


def size_vi(n_bytes: float) -> str:
    """`1,5 MB` or, under a megabyte, `10.000 byte`."""
    if n_bytes < MiB:
        return f"{fmt_number(n_bytes)} byte"
    return f"{fmt_number(n_bytes / MiB, 1)} MB"


def size_en(n_bytes: float) -> str:
    """The same in English: `1.5 MB` or, under a megabyte, `10,000 bytes`."""
    return f"{n_bytes:,.0f} bytes" if n_bytes < MiB else f"{n_bytes / MiB:.1f} MB"
