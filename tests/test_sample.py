"""The sample city: committed files come from the committed generator, and the seed report's
figures (section II.5 and its footnotes) come out of them through the real ingest path."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from devdata.sample import write_sample
from etl import service
from etl.core.settings import ROOT
from etl.measures.cache import load_dataset

SAMPLE_DIR = ROOT / "data" / "sample"
AS_OF = dt.date(2024, 6, 30)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_committed_sample_is_what_the_generator_writes(tmp_path):
    written = write_sample(tmp_path)
    committed = sorted(SAMPLE_DIR.glob("*.xlsx"))
    assert [p.name for p in written] == [p.name for p in committed]
    assert [_digest(p) for p in written] == [_digest(p) for p in committed]


@pytest.fixture(scope="module")
def sample_summary(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sample")
    service.migrate(f"sqlite:///{tmp / 'sample.sqlite3'}")
    engine = service.open_engine(f"sqlite:///{tmp / 'sample.sqlite3'}")
    results = service.load_sample(engine)
    assert all(r.status == "accepted" for r in results), [
        (r.file_name, r.errors) for r in results if r.errors
    ]
    yield service.summary(engine, as_of=AS_OF), engine
    engine.dispose()


def test_cong_chuc_figures(sample_summary):
    cc = sample_summary[0]["cong_chuc"]
    assert (cc["baseline"], cc["current"], cc["reduced"]) == (1860, 1841, 19)
    assert round(cc["reduced_pct"], 2) == 1.02
    assert cc["target"] == pytest.approx(93.0)
    assert round(cc["pct_of_target"], 2) == 20.43


def test_nguoi_lam_viec_figures(sample_summary):
    nlv = sample_summary[0]["nguoi_lam_viec"]
    assert (nlv["baseline"], nlv["current"]) == (20734, 19414)
    assert (nlv["done"], nlv["pending"], nlv["reduced"]) == (1320, 374, 1694)
    assert round(nlv["reduced_pct"], 2) == 8.17
    assert nlv["target"] == pytest.approx(2073.4)
    assert round(nlv["pct_of_target"], 1) == 81.7


def test_streamlined_and_job_positions(sample_summary):
    s = sample_summary[0]
    assert s["streamlined"] == {
        "cong_chuc": {"2022": 3, "2023": 3, "2024": 3},
        "vien_chuc": {"2022": 75, "2023": 17, "2024": 3},
    }
    assert s["job_positions"] == {
        "co_quan_hanh_chinh": {"approved": 139, "eligible": 139, "ineligible": 0},
        "don_vi_su_nghiep": {"approved": 523, "eligible": 523, "ineligible": 4},
    }
    reasons = sorted(u["reason"] for u in s["job_positions_ineligible"])
    assert sum("giải thể" in r for r in reasons) == 3
    assert sum("thành lập" in r.lower() for r in reasons) == 1


def test_reorganisation(sample_summary):
    reorg = sample_summary[0]["reorganization"]
    assert reorg["don_vi_su_nghiep"] == {
        "reduced": 109,
        "established": 19,
        "restructured": 13,
        "internal_reduced": {"phong": 14, "khoa": 2, "chi_nhanh": 5, "khac": 0},
    }
    assert reorg["co_quan_hanh_chinh"]["reduced"] == 0


def test_agency_counts(sample_summary):
    engine = sample_summary[1]
    ds = load_dataset(engine)
    from etl.measures.scoping import exists_at

    agencies = ds.units[exists_at(ds.units, AS_OF) & (ds.units["kind"] != "don_vi_su_nghiep")]
    assert agencies["kind"].value_counts().to_dict() == {
        "co_quan_chuyen_mon_huyen": 103,
        "co_quan_chuyen_mon_tinh": 19,
        "chi_cuc": 13,
        "to_chuc_hanh_chinh_khac": 4,
    }


def test_missing_data_is_listed(sample_summary):
    missing = sample_summary[0]["missing"]
    assert len(missing) == 4
    assert all(len(m["years"]) == 1 and m["years"][0] in (2022, 2023) for m in missing)
