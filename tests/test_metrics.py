"""The measures of docs/domain.md ("Measures", "Counting rules") on small cities whose figures
are computed by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from etl import service
from tests.builders import SN, city_targets, events_return, form00, units_return, workbook_bytes

AS_OF = dt.date(2024, 6, 30)


@pytest.fixture
def city(ingest):
    """Six schools and a hospital; two schools merge into a third in 2023, one dissolves,
    one splits in two, one is renamed, one is established in 2024."""
    assert ingest(city_targets(), "00.xlsx").status == "accepted"
    units = units_return(
        [
            [
                "Trường A",
                "Giáo dục và Đào tạo",
                "UBND quận Ninh Kiều",
                30,
                30,
                None,
                None,
                None,
                "Đã phê duyệt",
            ],
            [
                "Trường B",
                "Giáo dục và Đào tạo",
                "UBND quận Ninh Kiều",
                20,
                20,
                None,
                None,
                None,
                "Đã phê duyệt",
            ],
            [
                "Trường C",
                "Giáo dục và Đào tạo",
                "UBND quận Ninh Kiều",
                40,
                40,
                85,
                80,
                3,
                "Đã phê duyệt",
            ],
            [
                "Trường D",
                "Giáo dục và Đào tạo",
                "UBND quận Bình Thủy",
                25,
                25,
                None,
                None,
                None,
                None,
            ],
            [
                "Trường E",
                "Giáo dục và Đào tạo",
                "UBND quận Bình Thủy",
                50,
                None,
                24,
                24,
                None,
                "Đã phê duyệt",
            ],
            [
                "Trường E1",
                "Giáo dục và Đào tạo",
                "UBND quận Bình Thủy",
                None,
                None,
                25,
                25,
                None,
                "Đã phê duyệt",
            ],
            [
                "Trường F",
                "Giáo dục và Đào tạo",
                "UBND quận Bình Thủy",
                35,
                35,
                None,
                None,
                None,
                None,
            ],
            [
                "Trường F mới",
                "Giáo dục và Đào tạo",
                "UBND quận Bình Thủy",
                None,
                None,
                35,
                34,
                None,
                "Đã phê duyệt",
            ],
            ["Bệnh viện", "Y tế", "Sở Y tế", 300, 290, 280, 270, 10, "Đã phê duyệt"],
            [
                "Trường G",
                "Giáo dục và Đào tạo",
                "UBND quận Bình Thủy",
                None,
                None,
                None,
                15,
                None,
                "Không đủ điều kiện",
                "Mới thành lập",
            ],
        ]
    )
    assert ingest(units, "02.xlsx").status == "accepted"
    events = events_return(
        [
            [
                "01/08/2023",
                "QĐ 1",
                "Sáp nhập",
                "Trường A; Trường B",
                "Trường C",
                SN,
                "Giáo dục và Đào tạo",
            ],
            ["15/03/2023", "QĐ 2", "Giải thể", "Trường D", None, SN, "Giáo dục và Đào tạo"],
            [
                "01/01/2023",
                "QĐ 3",
                "Chia tách",
                "Trường E",
                "Trường E\nTrường E1",
                SN,
                "Giáo dục và Đào tạo",
            ],
            [
                "01/01/2023",
                "QĐ 4",
                "Đổi tên",
                "Trường F",
                "Trường F mới",
                SN,
                "Giáo dục và Đào tạo",
            ],
            ["01/02/2024", "QĐ 5", "Thành lập mới", None, "Trường G", SN, "Giáo dục và Đào tạo"],
            [
                "01/05/2024",
                "QĐ 6",
                "Kiện toàn bên trong",
                "Bệnh viện",
                None,
                SN,
                "Y tế",
                2,
                1,
                None,
                None,
            ],
        ]
    )
    result = ingest(events, "03.xlsx")
    assert result.status == "accepted", result.problems


def test_city_totals(engine, city):
    s = service.summary(engine, as_of=AS_OF)
    nlv = s["nguoi_lam_viec"]
    baseline = 30 + 20 + 40 + 25 + 50 + 35 + 300  # every 2021 quota, ended units included
    current = 80 + 24 + 25 + 34 + 270 + 15  # 2024 quota of the units existing at the cut-off
    assert nlv["baseline"] == baseline == 500
    assert nlv["current"] == current == 448
    assert nlv["done"] == 52 and nlv["pending"] == 13 and nlv["reduced"] == 65
    assert nlv["reduced_pct"] == pytest.approx(65 / 500 * 100)
    assert nlv["target"] == pytest.approx(50.0)
    assert nlv["pct_of_target"] == pytest.approx(130.0)


def test_pending_can_be_hidden(engine, city):
    nlv = service.summary(engine, as_of=AS_OF, include_pending=False)["nguoi_lam_viec"]
    assert nlv["reduced"] == 52 and nlv["pct_of_target"] == pytest.approx(104.0)


def test_unit_scope_follows_lineage(engine, city):
    nlv = service.summary(engine, as_of=AS_OF, scope="Trường C")["nguoi_lam_viec"]
    assert nlv["baseline"] == 30 + 20 + 40  # A and B were merged into C
    assert nlv["current"] == 80 and nlv["pending"] == 3
    assert nlv["target"] == pytest.approx(9.0)  # the city's 10% applied to the scope


def test_rename_and_split_carry_the_baseline(engine, city):
    renamed = service.summary(engine, as_of=AS_OF, scope="Trường F mới")["nguoi_lam_viec"]
    assert renamed["baseline"] == 35
    split = service.summary(engine, as_of=AS_OF, scope="Trường E1")["nguoi_lam_viec"]
    assert split["baseline"] == 0  # E continues, so E's baseline stays with E
    e = service.summary(engine, as_of=AS_OF, scope="Trường E")["nguoi_lam_viec"]
    assert e["baseline"] == 50


def test_before_the_merger_units_stand_alone(engine, city):
    s = service.summary(engine, as_of=dt.date(2022, 12, 31), scope="Trường C")
    assert s["nguoi_lam_viec"]["baseline"] == 40
    assert s["nguoi_lam_viec"]["latest_year"] == 2022


def test_reorganisation_counting_rules(engine, city):
    reorg = service.summary(engine, as_of=AS_OF)["reorganization"]["don_vi_su_nghiep"]
    # merge two into an existing one: 2; dissolve: 1; split one into two: -1; rename: 0
    assert reorg["reduced"] == 2 + 1 - 1 + 0
    assert reorg["established"] == 1
    assert reorg["restructured"] == 1
    assert reorg["internal_reduced"] == {"phong": 2, "khoa": 1, "chi_nhanh": 0, "khac": 0}
    earlier = service.summary(engine, as_of=dt.date(2023, 6, 30))["reorganization"]
    assert earlier["don_vi_su_nghiep"]["reduced"] == 1 - 1 + 0  # only D, E, F by then


def test_job_positions_count_existing_units_only(engine, city):
    s = service.summary(engine, as_of=AS_OF)
    jp = s["job_positions"]["don_vi_su_nghiep"]
    # existing: C, E, E1, F mới, Bệnh viện, G → 5 approved, G not eligible
    assert jp == {"approved": 5, "eligible": 5, "ineligible": 1}
    assert [u["name"] for u in s["job_positions_ineligible"]] == ["Trường G"]
    assert s["job_positions_ineligible"][0]["reason"] == "Mới thành lập"


def test_missing_years_are_listed_not_filled(engine, city):
    missing = {m["name"]: m["years"] for m in service.summary(engine, as_of=AS_OF)["missing"]}
    assert missing["Trường E"] == [2022]  # exists, did not report 2022
    assert "Trường G" not in missing  # established in 2024 and reported 2024
    assert "Trường D" not in missing  # dissolved in 2023, not expected after
    assert "Trường E1" not in missing  # E1 exists from 2023 and reported 2023 and 2024


def test_district_scope(engine, city):
    s = service.summary(engine, as_of=AS_OF, scope="Ninh Kiều")
    assert s["nguoi_lam_viec"]["baseline"] == 90
    assert s["nguoi_lam_viec"]["current"] == 80


def test_absolute_target(engine, ingest, city):
    plan = workbook_bytes(form00([[1, "Toàn thành phố", "Người làm việc", 2021, None, 40, "KH 2"]]))
    assert ingest(plan, "00b.xlsx").status == "accepted"
    nlv = service.summary(engine, as_of=AS_OF)["nguoi_lam_viec"]
    assert nlv["target"] == 40.0
    assert nlv["pct_of_target"] == pytest.approx(65 / 40 * 100)


def test_unknown_scope_is_an_error(engine, city):
    with pytest.raises(service.ScopeNotFound):
        service.summary(engine, as_of=AS_OF, scope="Không có đơn vị này")
