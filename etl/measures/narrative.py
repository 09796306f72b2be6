"""The report's staffing section written from the figures, in the style of the Department's
report (section II.5): sentences with footnotes that break the totals down by year.

Pure functions: a summary (and a few counts) in, paragraphs and footnotes out. The PDF and Word
exports lay them out; nothing here knows about either format.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from etl.core.formatting import fmt_count_prose, fmt_number, fmt_pct
from etl.core.vocabulary import DepartureBasis, Measure, UnitGroup, UnitKind
from etl.measures.metrics import no_data_text


def period_of(summary: dict[str, Any]) -> str:
    """`giai đoạn 2022 - 2026`: the summary's programme (`giai đoạn` alone without one)."""
    programme = summary.get("programme") or {}
    return f"giai đoạn {programme['name']}" if programme.get("name") else "giai đoạn"


def _first_year(summary: dict[str, Any]) -> int:
    """The first year of the programme's reductions (the year after its baseline year)."""
    programme = summary.get("programme") or {}
    start = programme.get("start_year")
    if start:
        return int(start)
    base = summary[Measure.CONG_CHUC].get("baseline_year")
    return int(base) + 1 if base else dt.date.fromisoformat(summary["as_of"]).year


@dataclass
class Paragraph:
    """Text pieces; an int is a footnote reference (1-based) placed after the preceding text."""

    parts: list[str | int] = field(default_factory=list)
    heading: bool = False

    def text(self, marks: bool = False) -> str:
        return "".join(p if isinstance(p, str) else (f"[{p}]" if marks else "") for p in self.parts)


@dataclass
class Narrative:
    title: str
    paragraphs: list[Paragraph]
    footnotes: list[str]

    def plain_text(self) -> str:
        body = "\n\n".join(p.text(marks=True) for p in self.paragraphs)
        notes = "\n".join(f"[{i}] {n}" for i, n in enumerate(self.footnotes, 1))
        return f"{self.title}\n\n{body}\n\n{notes}"


class Notes:
    """Footnotes as they are added: `add` gives a note its number (from 1)."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, text: str) -> int:
        self.items.append(text)
        return len(self.items)


def _no_data_phrase(figures: dict[str, Any]) -> str:
    """`chưa có số liệu (ngày chốt trước năm gốc 2021)`: a measure without figures."""
    return no_data_text(figures["no_data"], figures.get("baseline_year")).lower()


def until_phrase(as_of: dt.date) -> str:
    """`tháng 6/2024` for a mid-year cut-off, `năm 2024` at the year's end."""
    if (as_of.month, as_of.day) == (12, 31):
        return f"năm {as_of.year}"
    return f"tháng {as_of.month}/{as_of.year}"


def _by_year(counts: dict[str, int], noun: str, as_of: dt.date) -> str:
    parts = []
    for year, n in sorted(counts.items()):
        when = (
            f"đến {until_phrase(as_of)}"
            if int(year) == as_of.year and until_phrase(as_of).startswith("tháng")
            else f"năm {year}"
        )
        parts.append(f"{when} là {fmt_count_prose(n)} {noun}")
    return "Trong đó: " + ", ".join(parts) + "."


# how the report names each legal basis of a departure (vocabulary.DepartureBasis)
BASIS_PHRASES = {
    DepartureBasis.ND29_154: "theo Nghị định số 29/2023/NĐ-CP (từ ngày 16/06/2025 là Nghị định "
    "số 154/2025/NĐ-CP) về tinh giản biên chế",
    DepartureBasis.ND178_67: "theo Nghị định số 178/2024/NĐ-CP (được sửa đổi, bổ sung bởi Nghị "
    "định số 67/2025/NĐ-CP)",
}


def basis_sentence(by_basis: dict[str, dict[str, dict[str, int | None]]] | None) -> str:
    """`Trong đó: theo Nghị định số 29/2023/NĐ-CP … 05 công chức và 08 viên chức; …; chưa
    phân theo căn cứ: …. ` over every year, naming only the bases some return gave (a basis
    nobody gave is not written as 0); empty when nothing is broken down."""
    by_basis = by_basis or {}
    kinds = (("cong_chuc", "công chức"), ("vien_chuc", "viên chức"))

    def total(kind: str, key: str) -> int | None:
        values = [e.get(key) for e in by_basis.get(kind, {}).values()]
        given = [v for v in values if v is not None]
        return sum(given) if given else None

    clauses = []
    for basis in DepartureBasis:
        counts = [(total(kind, basis.value), noun) for kind, noun in kinds]
        named = [f"{fmt_count_prose(n)} {noun}" for n, noun in counts if n is not None]
        if named:
            clauses.append(f"{BASIS_PHRASES[basis]}: {' và '.join(named)}")
    if not clauses:
        return ""
    rest = [(total(k, "not_broken_down") or 0, noun) for k, noun in kinds]
    named = [f"{fmt_count_prose(n)} {noun}" for n, noun in rest if n]
    if named:
        clauses.append(f"chưa phân theo căn cứ: {' và '.join(named)}")
    return "Trong đó, " + "; ".join(clauses) + ". "


def _reason_phrase(reasons: list[str | None]) -> str:
    """`03 đơn vị đang thực hiện thủ tục giải thể và 01 đơn vị … do thành lập mới`."""
    groups: dict[str, int] = {}
    for reason in reasons:
        text = (reason or "").lower()
        if "giải thể" in text:
            key = "đang thực hiện thủ tục giải thể"
        elif "thành lập" in text:
            key = "đang thực hiện thủ tục để chuẩn bị đi vào hoạt động do thành lập mới"
        else:
            key = (reason or "chưa ghi lý do").strip().rstrip(".")
        groups[key] = groups.get(key, 0) + 1
    return " và ".join(f"{fmt_count_prose(n)} đơn vị {k}" for k, n in groups.items())


def build_narrative(
    summary: dict[str, Any],
    *,
    agency_counts: dict[str, int] | None = None,
    established_by_sector: dict[str, int] | None = None,
    department: str = "Sở Nội vụ",
) -> Narrative:
    """The staffing section for one scope and cut-off, from the summary JSON."""
    authority = f"{department} đã tham mưu Ủy ban nhân dân thành phố"
    as_of = dt.date.fromisoformat(summary["as_of"])
    notes = Notes()
    cc, nlv = summary[Measure.CONG_CHUC], summary[Measure.NGUOI_LAM_VIEC]
    sl = summary["streamlined"]
    PERIOD = period_of(summary)
    first_year = _first_year(summary)
    n_cc = sum(sl["cong_chuc"].values())
    n_vc = sum(sl["vien_chuc"].values())
    paragraphs: list[Paragraph] = []

    reorg = summary["reorganization"][UnitGroup.SERVICE]
    internal = reorg["internal_reduced"]
    org = Paragraph(heading=True, parts=["Về sắp xếp, tinh gọn tổ chức bộ máy"])
    paragraphs.append(org)
    if agency_counts:
        n = {kind: fmt_count_prose(agency_counts.get(kind, 0)) for kind in UnitKind}
        kinds = [
            f"{n[UnitKind.CO_QUAN_CHUYEN_MON_TINH]} cơ quan chuyên môn cấp thành phố",
            f"{n[UnitKind.CHI_CUC]} chi cục",
            f"{n[UnitKind.TO_CHUC_HANH_CHINH_KHAC]} tổ chức hành chính khác",
        ]
        district = f"{n[UnitKind.CO_QUAN_CHUYEN_MON_HUYEN]} cơ quan chuyên môn cấp huyện"
        if agency_counts.get(UnitKind.CO_QUAN_CAP_XA):
            # after the district level ended (docs/domain.md, "Communes"): the communes'
            # bodies, and district agencies only if some still exist
            if agency_counts.get(UnitKind.CO_QUAN_CHUYEN_MON_HUYEN):
                kinds.append(district)
            kinds.append(f"{n[UnitKind.CO_QUAN_CAP_XA]} cơ quan cấp xã (UBND xã, phường)")
        else:
            kinds.append(district)
        paragraphs.append(
            Paragraph(
                parts=[
                    f"Đối với cơ quan hành chính: đến {until_phrase(as_of)} có "
                    + ", ".join(kinds[:-1])
                    + f" và {kinds[-1]}"
                    + _agencies_reduced(
                        summary["reorganization"][UnitGroup.ADMINISTRATIVE]["reduced"]
                    )
                ]
            )
        )
    established = [
        "Đối với đơn vị sự nghiệp: lũy kế đến "
        f"{until_phrase(as_of)} sắp xếp giảm {fmt_count_prose(reorg['reduced'])} đơn vị sự "
        "nghiệp công lập"
    ]
    if reorg["established"]:
        established.append(
            f"; đồng thời, do nhu cầu thực tế phải thành lập mới "
            f"{fmt_count_prose(reorg['established'])} đơn vị"
        )
        if established_by_sector:
            established.append(notes.add(_established_phrase(established_by_sector)))
    established.append(".")
    if reorg["restructured"]:
        total_internal = sum(internal.values())
        kinds = [
            (internal["phong"], "phòng chuyên môn, nghiệp vụ"),
            (internal["khoa"], "khoa chuyên môn"),
            (internal["chi_nhanh"], "chi nhánh"),
            (internal["khac"], "tổ chức khác"),
        ]
        detail = ", ".join(f"{fmt_count_prose(n)} {label}" for n, label in kinds if n)
        established.append(
            f" {department} đã tham mưu sắp xếp, kiện toàn bên trong "
            f"{fmt_count_prose(reorg['restructured'])} đơn vị sự nghiệp công lập, qua đó giảm "
            f"{fmt_count_prose(total_internal)} tổ chức bên trong"
            + (f" (trong đó giảm {detail})." if detail else ".")
        )
    paragraphs.append(Paragraph(parts=established))

    paragraphs.append(Paragraph(heading=True, parts=["Về quản lý biên chế và tinh giản biên chế"]))
    since = f"Từ năm {first_year} đến {until_phrase(as_of)}"
    parts: list[str | int] = [
        f"Kết quả thực hiện tinh giản biên chế {PERIOD}: {since}, {authority} phê duyệt tinh "
        f"giản đối với {fmt_count_prose(n_cc)} công chức"
    ]
    if sl["cong_chuc"]:
        parts.append(notes.add(_by_year(sl["cong_chuc"], "công chức", as_of)))
    parts.append(f" và {fmt_count_prose(n_vc)} viên chức")
    if sl["vien_chuc"]:
        parts.append(notes.add(_by_year(sl["vien_chuc"], "viên chức", as_of)))
    parts.append(". ")
    if by_basis := basis_sentence(summary.get("streamlined_by_basis")):
        parts.append(by_basis)
    if cc.get("no_data"):
        parts.append(f"Biên chế công chức: {_no_data_phrase(cc)}; ")
    else:
        parts.append(
            f"Đã thực hiện giảm {fmt_count_prose(cc['reduced'])} biên chế công chức, tương ứng "
            f"giảm {fmt_pct(cc['reduced_pct'])} so với biên chế giao năm {cc['baseline_year']}"
            + (
                f" (đạt {fmt_pct(cc['pct_of_target'])} kế hoạch tinh giản biên chế của {PERIOD})"
                if cc["pct_of_target"] is not None
                else ""
            )
            + "; "
        )
    if nlv.get("no_data"):
        parts.append(
            f"số lượng người làm việc hưởng lương từ ngân sách nhà nước: {_no_data_phrase(nlv)}."
        )
    else:
        pending_phrase = ""
        if nlv.get("pending"):
            pending_phrase = (
                f" (trong đó: đã thực hiện giảm {fmt_number(nlv['done'])} người làm việc và sẽ "
                "trình Hội đồng nhân dân thành phố phê duyệt giảm "
                f"{fmt_number(nlv['pending'])} người làm việc)"
            )
        parts.append(
            "đối với số lượng người làm việc hưởng lương từ ngân sách nhà nước (từ năm "
            f"{first_year} đến "
            f"năm {nlv['latest_year'] or as_of.year}) thực hiện giảm "
            f"{fmt_number(nlv['reduced'])} người làm việc{pending_phrase}, tương ứng tỷ lệ là "
            f"{fmt_pct(nlv['reduced_pct'])}"
            + (
                f" (đạt {fmt_pct(nlv['pct_of_target'])} kế hoạch tinh giản biên chế của {PERIOD})"
                if nlv["pct_of_target"] is not None
                else ""
            )
            + "."
        )
    if summary.get("merger_rule"):  # how merged provinces are counted: shown wherever used
        parts.append(notes.add(summary["merger_rule"]))
    paragraphs.append(Paragraph(parts=parts))
    if summary.get("predecessors"):
        paragraphs.append(Paragraph(parts=[_predecessors_phrase(summary["predecessors"])]))

    jp = summary["job_positions"]
    hc, sn = jp[UnitGroup.ADMINISTRATIVE], jp[UnitGroup.SERVICE]
    paragraphs.append(Paragraph(heading=True, parts=["Về vị trí việc làm"]))
    job = [
        f"{authority} phê duyệt vị trí việc làm và cơ cấu ngạch công chức cho "
        f"{fmt_number(hc['approved'])} cơ quan, tổ chức hành chính. Kết quả có "
        f"{fmt_number(sn['approved'])}/{fmt_number(sn['eligible'])} đơn vị sự nghiệp công lập đủ "
        "điều kiện đã được phê duyệt vị trí việc làm, đạt tỷ lệ "
        f"{fmt_pct(sn['approved'] / sn['eligible'] * 100 if sn['eligible'] else None)}"
    ]
    if sn["ineligible"]:
        reasons = [u["reason"] for u in summary.get("job_positions_ineligible", [])]
        job.append(
            " (Số đơn vị sự nghiệp công lập không đủ và chưa đủ điều kiện phê duyệt vị trí việc "
            f"làm: {fmt_count_prose(sn['ineligible'])} đơn vị. Với lý do: "
            f"{_reason_phrase(reasons)})"
        )
    job.append(".")
    paragraphs.append(Paragraph(parts=job))
    return Narrative(
        title=f"KẾT QUẢ TINH GIẢN BIÊN CHẾ {PERIOD.upper()}",
        paragraphs=paragraphs,
        footnotes=notes.items,
    )


def _agencies_reduced(reduced: int) -> str:
    if reduced > 0:
        return f"; giảm {fmt_count_prose(reduced)} cơ quan qua sắp xếp."
    return "; số cơ quan được giữ ổn định, không tăng đầu mối."


def _predecessors_phrase(predecessors: list[dict[str, Any]]) -> str:
    """Each former province's share: `Theo tỉnh, thành phố trước hợp nhất: Tỉnh Hậu Giang
    giảm 10,9 biên chế công chức (9,9%) và … người làm việc (…); …`."""
    parts = []
    for part in predecessors:
        cc, nlv = part[Measure.CONG_CHUC.value], part[Measure.NGUOI_LAM_VIEC.value]
        figures = [
            f"{fmt_number(f['reduced'], 1)} {what} ({fmt_pct(f['reduced_pct'])})"
            for f, what in ((cc, "biên chế công chức"), (nlv, "người làm việc"))
            if f["reduced"] is not None
        ]
        said = " và ".join(figures) if figures else "chưa có số liệu"
        parts.append(
            f"{part['province']} giảm {said}" if figures else f"{part['province']}: {said}"
        )
    return "Theo tỉnh, thành phố trước hợp nhất: " + "; ".join(parts) + "."


def _established_phrase(by_sector: dict[str, int]) -> str:
    names = {
        "Giáo dục và Đào tạo": "trường học",
        "Y tế": "cơ sở y tế",
    }
    parts = []
    other = 0
    for sector, n in sorted(by_sector.items(), key=lambda kv: -kv[1]):
        if sector in names:
            parts.append(f"{fmt_count_prose(n)} {names[sector]}")
        else:
            other += n
    if other:
        parts.append(f"{fmt_count_prose(other)} đơn vị thuộc lĩnh vực sự nghiệp khác")
    total = sum(by_sector.values())
    return f"Thành lập mới {fmt_count_prose(total)} đơn vị, gồm: " + "; ".join(parts) + "."
