"""`etl/writers/layout.py`: the forms' header tree and where the letterhead's halves go."""

from __future__ import annotations

from etl.core.forms import FORM_01, FORM_03
from etl.writers.layout import (
    INTERNAL_FIELDS,
    LATER_START_FIELDS,
    column_width,
    header_blocks,
    leaves_of,
    side_columns,
)


def test_per_year_columns_become_one_leaf_per_year():
    blocks = header_blocks(FORM_01, 2021, 2024)
    for block in blocks:
        first = block.leaves[0]
        if first.year is None:
            assert not block.grouped or block.leaves[0].column.field in INTERNAL_FIELDS
            continue
        start = 2022 if first.column.field in LATER_START_FIELDS else 2021
        start = max(start, first.column.from_year or start)  # a column by legal basis
        assert [leaf.year for leaf in block.leaves] == list(range(start, 2025))
        assert block.grouped and block.label == first.column.label
        assert first.sub_label.endswith(str(start))


def test_internal_columns_of_biểu_03_share_one_block():
    blocks = header_blocks(FORM_03, 2021, 2026)
    grouped = [b for b in blocks if b.label == FORM_03.extra["internal_group"]]
    assert len(grouped) == 1
    assert [leaf.column.field for leaf in grouped[0].leaves] == list(INTERNAL_FIELDS)
    assert [leaf.column for leaf in leaves_of(blocks)] == list(FORM_03.columns)


def test_letterhead_halves_never_overlap():
    for n in range(2, 30):
        sides = side_columns([9.0] * n)
        assert 0 <= sides.left_end < sides.right_start <= n - 1
    leaves = leaves_of(header_blocks(FORM_01, 2021, 2026))
    widths = [column_width(leaf) for leaf in leaves]
    left, right = side_columns(widths)
    assert sum(widths[: left + 1]) >= 40 and sum(widths[right:]) >= 55
