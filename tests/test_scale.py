"""The national-size generator (devdata/scale.py) at a tiny size: its returns go through the real
upload path with no error, and the product computes the totals the generator intended."""

from __future__ import annotations

import datetime as dt

from devdata.scale import AS_OF, read_manifest, write_scale
from etl import service
from etl.measures import metrics
from etl.measures.cache import load_dataset


def test_scale_returns_are_accepted_and_give_the_intended_totals(tmp_path, engine, ingest):
    out = tmp_path / "returns"
    paths = write_scale(out, provinces=2, units_per_province=40, seed=7)
    manifest = read_manifest(out)
    assert [p.name for p in paths] == manifest["files"] == sorted(manifest["files"])
    assert {p.suffix for p in paths} == {".xlsx"}
    for path in paths:
        result = ingest(path.read_bytes(), path.name)
        assert result.status == "accepted", (path.name, [p.as_dict() for p in result.errors])
        assert not result.errors

    totals = manifest["totals"]
    assert totals["as_of"] == AS_OF.isoformat() == service.default_as_of(engine).isoformat()
    ds = load_dataset(engine)
    summary = metrics.summary(ds, dt.date.fromisoformat(totals["as_of"]))
    for measure in ("cong_chuc", "nguoi_lam_viec"):
        for key, value in totals[measure].items():
            assert summary[measure][key] == value, (measure, key)
        assert summary[measure]["target"] is not None
    assert summary["streamlined"] == totals["streamlined"]
    assert summary["reorganization"] == totals["reorganization"]
    assert summary["job_positions"] == totals["job_positions"]
    assert len(summary["missing"]) == totals["missing"] > 0
    assert len(ds.units) == totals["units"]["total"]
    assert len(ds.events) == totals["events"] > 0
    assert len(ds.targets) == totals["targets"]
    assert len(ds.fact_history) > len(ds.facts)  # the earlier returns were superseded
    # the sizes follow the parameter; the reorganisations include the 2025 merger of sở
    assert 70 <= totals["units"]["total"] <= 110
    assert totals["reorganization"]["co_quan_hanh_chinh"]["reduced"] >= 2
    assert totals["reorganization"]["don_vi_su_nghiep"]["established"] >= 1
