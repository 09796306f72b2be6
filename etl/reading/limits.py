"""How much an uploaded file may ask of the reader: sizes, counts, time and memory.

`Limits` is what the reader checks, in bytes; an upload gets them from its settings
(`Limits.from_settings`: the `PARSE_*` variables, read by etl/core/settings.py). This package
never reads the environment.
"""

from __future__ import annotations

from dataclasses import dataclass

from etl.core.formatting import fmt_number
from etl.core.settings import Settings

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """How much a file may ask of the reader. The defaults are those of `Settings` (the
    `PARSE_*` fields, in their variables' units); an upload's are `Limits.from_settings`."""

    max_file_bytes: int = int(Settings.parse_max_file_mb * MiB)
    max_zip_entries: int = Settings.parse_max_zip_entries
    # declared, all entries together
    max_uncompressed_bytes: int = int(Settings.parse_max_uncompressed_mb * MiB)
    max_ratio: float = Settings.parse_max_ratio  # uncompressed : compressed, per entry …
    ratio_min_bytes: int = 1 * MiB  # … for entries bigger than this
    max_xml_part_bytes: int = 8 * MiB  # parts parsed in the web process (content types, rels)
    max_rows: int = Settings.parse_max_rows
    max_cols: int = Settings.parse_max_cols
    max_cells: int = Settings.parse_max_cells  # rows x columns of a sheet's used range
    # under Excel's 32 767, where python-calamine cuts text
    max_cell_chars: int = Settings.parse_max_cell_chars
    parse_timeout_s: float = Settings.parse_timeout_s
    # address space of the reading child
    parse_memory_bytes: int = int(Settings.parse_memory_mb * MiB)
    parse_workers: int = Settings.parse_workers  # fork servers (files read at the same time)

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        """The limits of `settings` (`PARSE_TIMEOUT_S`, `PARSE_MEMORY_MB`, `PARSE_MAX_ROWS`…),
        sizes in megabytes turned into bytes."""
        return cls(
            max_file_bytes=int(settings.parse_max_file_mb * MiB),
            max_zip_entries=settings.parse_max_zip_entries,
            max_uncompressed_bytes=int(settings.parse_max_uncompressed_mb * MiB),
            max_ratio=settings.parse_max_ratio,
            max_rows=settings.parse_max_rows,
            max_cols=settings.parse_max_cols,
            max_cells=settings.parse_max_cells,
            max_cell_chars=settings.parse_max_cell_chars,
            parse_timeout_s=settings.parse_timeout_s,
            parse_memory_bytes=int(settings.parse_memory_mb * MiB),
            parse_workers=settings.parse_workers,
        )


def size_vi(n_bytes: float) -> str:
    """`1,5 MB` or, under a megabyte, `10.000 byte`."""
    if n_bytes < MiB:
        return f"{fmt_number(n_bytes)} byte"
    return f"{fmt_number(n_bytes / MiB, 1)} MB"


def size_en(n_bytes: float) -> str:
    """The same in English: `1.5 MB` or, under a megabyte, `10,000 bytes`."""
    return f"{n_bytes:,.0f} bytes" if n_bytes < MiB else f"{n_bytes / MiB:.1f} MB"
