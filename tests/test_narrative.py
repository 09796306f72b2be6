"""The report's staffing section, written from the figures like the seed report's II.5."""

from __future__ import annotations

import datetime as dt

import pytest

from etl import service
from etl.measures import analysis, metrics
from etl.measures.cache import load_dataset
from etl.measures.narrative import build_narrative, until_phrase
from etl.measures.query import ResolvedView

AS_OF = dt.date(2024, 6, 30)


@pytest.fixture(scope="module")
def narrative(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("narrative")
    service.migrate(f"sqlite:///{tmp / 'n.sqlite3'}")
    engine = service.open_engine(f"sqlite:///{tmp / 'n.sqlite3'}")
    service.load_sample(engine)
    ds = load_dataset(engine)
    summary = metrics.summary(ds, AS_OF)
    yield build_narrative(
        summary,
        agency_counts=analysis.agency_counts(ds, ResolvedView(AS_OF)),
        established_by_sector=analysis.established_by_sector(ds, AS_OF),
    )
    engine.dispose()


def test_reads_like_the_seed_report(narrative):
    text = narrative.plain_text()
    assert (
        "Từ năm 2022 đến tháng 6/2024, Sở Nội vụ đã tham mưu Ủy ban nhân dân thành phố phê duyệt "
        "tinh giản đối với 09 công chức[2] và 95 viên chức[3]." in text
    )
    assert (
        "Đã thực hiện giảm 19 biên chế công chức, tương ứng giảm 1,02% so với biên chế giao năm "
        "2021 (đạt 20,43% kế hoạch tinh giản biên chế của giai đoạn 2022 - 2026)" in text
    )
    assert "thực hiện giảm 1.694 người làm việc (trong đó: đã thực hiện giảm 1.320" in text
    assert (
        "phê duyệt giảm 374 người làm việc), tương ứng tỷ lệ là 8,17% (đạt 81,7% kế hoạch" in text
    )
    assert "523/523 đơn vị sự nghiệp công lập đủ điều kiện" in text
    assert "03 đơn vị đang thực hiện thủ tục giải thể và 01 đơn vị" in text
    assert "kiện toàn bên trong 13 đơn vị" in text and "05 chi nhánh" in text


def test_footnotes_break_totals_down_by_year(narrative):
    assert narrative.footnotes[1] == (
        "Trong đó: năm 2022 là 03 công chức, năm 2023 là 03 công chức, "
        "đến tháng 6/2024 là 03 công chức."
    )
    assert "năm 2022 là 75 viên chức" in narrative.footnotes[2]
    assert narrative.footnotes[0].startswith("Thành lập mới 19 đơn vị, gồm: 17 trường học")


@pytest.mark.parametrize(
    ("as_of", "phrase"),
    [(dt.date(2024, 6, 30), "tháng 6/2024"), (dt.date(2023, 12, 31), "năm 2023")],
)
def test_until_phrase(as_of, phrase):
    assert until_phrase(as_of) == phrase
