"""The stored vocabulary: every code the database keeps, its Vietnamese label, and how the
forms' words map to the codes.

Each kind of code is a `StrEnum`, so a member *is* its stored string: it compares and hashes
equal to it, and `str()`, f-strings and `json.dumps` give the plain code; stored values, JSON
keys and URL parameters are the same bytes as the strings they replace (only `repr` and
`type(x) is str` tell a member from a plain string). Where the forms declare the words
(`etl/core/forms.py`, the choices lists), the labels are taken from there, so the two cannot
drift. See docs/forms.md for the forms and docs/domain.md, Measures, for what each code means.

Constants only, no I/O. Attribute access on an enum class is slower than a module global: in a
per-row loop, hoist the member to a module constant first.
"""

from __future__ import annotations

from enum import StrEnum

from etl.core.forms import (
    AGENCY_KIND_CHOICES,
    DISTRICT_END_KIND,
    FORM_01,
    FORM_02,
    JOB_POSITION_CHOICES,
    MEASURE_CHOICES,
    UNIT_KIND_CHOICES,
)


class Measure(StrEnum):
    """What a figure counts: civil-servant posts (Biểu 01) or public-service staff (Biểu 02)."""

    CONG_CHUC = "cong_chuc"
    NGUOI_LAM_VIEC = "nguoi_lam_viec"

    @property
    def label(self) -> str:
        """`Biên chế công chức` / `Người làm việc`: the words of Biểu 00's `Chỉ tiêu`."""
        return MEASURE_LABELS[self]


class FactStatus(StrEnum):
    """What a stored figure is: the quota assigned, a reduction awaiting approval, the norm,
    the staff present, or the individuals streamlined under the policy (in all, and the part
    of them that left under each legal basis: `DepartureBasis`)."""

    ASSIGNED = "assigned"
    PENDING = "pending"
    NORM = "norm"
    PRESENT = "present"
    STREAMLINED = "streamlined"
    ND29_154 = "nd29_154"
    ND178_67 = "nd178_67"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


class DepartureBasis(StrEnum):
    """The legal basis of a departure counted in `streamlined`: the streamlining decree
    (Nghị định 29/2023/NĐ-CP, from 16/06/2025 Nghị định 154/2025/NĐ-CP) or the restructuring
    policies (Nghị định 178/2024/NĐ-CP as amended by Nghị định 67/2025/NĐ-CP). The code is
    also the status of the facts that hold it and the key of `summary["streamlined_by_basis"]`."""

    ND29_154 = "nd29_154"
    ND178_67 = "nd178_67"

    @property
    def label(self) -> str:
        """The column's words on Biểu 01/02 (`Tinh giản theo NĐ 29/2023 (154/2025)`)."""
        return BASIS_LABELS[self]

    @property
    def status(self) -> FactStatus:
        return FactStatus(self.value)


class UnitGroup(StrEnum):
    """The coarse group of a unit: administrative agency or public service unit (Biểu 03's
    `Loại đơn vị`, the buckets of the reorganisation and job-position figures, the `kind`
    filter that means every administrative agency)."""

    ADMINISTRATIVE = "co_quan_hanh_chinh"
    SERVICE = "don_vi_su_nghiep"

    @property
    def label(self) -> str:
        return GROUP_LABELS[self]


class UnitKind(StrEnum):
    """The stored kind of a unit: one of the kinds of agency (Biểu 01's `Loại cơ quan`: the
    four of the three-level government, and the commune-level bodies) or a public service
    unit (Biểu 02)."""

    CO_QUAN_CHUYEN_MON_TINH = "co_quan_chuyen_mon_tinh"
    CHI_CUC = "chi_cuc"
    TO_CHUC_HANH_CHINH_KHAC = "to_chuc_hanh_chinh_khac"
    CO_QUAN_CHUYEN_MON_HUYEN = "co_quan_chuyen_mon_huyen"
    CO_QUAN_CAP_XA = "co_quan_cap_xa"  # UBND xã, phường and its offices (from 01/07/2025)
    DON_VI_SU_NGHIEP = "don_vi_su_nghiep"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]

    @property
    def group(self) -> UnitGroup:
        return UnitGroup.SERVICE if self is UnitKind.DON_VI_SU_NGHIEP else UnitGroup.ADMINISTRATIVE


class JobPositionStatus(StrEnum):
    """Biểu 01/02's `Vị trí việc làm`, stored as the form's words (the code is the label)."""

    APPROVED = JOB_POSITION_CHOICES[0]
    NOT_APPROVED = JOB_POSITION_CHOICES[1]
    INELIGIBLE = JOB_POSITION_CHOICES[2]

    @property
    def label(self) -> str:
        return self.value


class Role(StrEnum):
    """What an account may do: read, upload for its units, review returns, or administer."""

    VIEWER = "viewer"
    UPLOADER = "uploader"
    ADMIN = "admin"
    REVIEWER = "reviewer"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


class ReviewStatus(StrEnum):
    """Where a stored return stands in review: waiting, approved (its figures count), or
    returned to its unit with a comment (they never count)."""

    CHO_DUYET = "cho_duyet"
    DA_DUYET = "da_duyet"
    TRA_LAI = "tra_lai"

    @property
    def label(self) -> str:
        return REVIEW_STATUS_LABELS[self]


class PeriodState(StrEnum):
    """A reporting period: open (returns are accepted) or closed."""

    MO = "mo"
    DONG = "dong"

    @property
    def label(self) -> str:
        return PERIOD_STATE_LABELS[self]


class IngestStatus(StrEnum):
    """The outcome of one uploaded file: stored (the stored status of a submission), refused,
    already stored, or checked without an error by a dry run (nothing stored)."""

    ACCEPTED = "accepted"
    REFUSED = "refused"
    DUPLICATE = "duplicate"
    CHECKED = "checked"


MEASURE_LABELS: dict[str, str] = dict(zip(Measure, MEASURE_CHOICES, strict=True))
STATUS_LABELS: dict[str, str] = {
    FactStatus.ASSIGNED: "Được giao",
    FactStatus.PENDING: "Đề nghị giảm (chờ phê duyệt)",
    FactStatus.NORM: "Định mức",
    FactStatus.PRESENT: "Có mặt",
    FactStatus.STREAMLINED: "Tinh giản theo chính sách",
    FactStatus.ND29_154: FORM_01.column("by_streamlining").label,
    FactStatus.ND178_67: FORM_01.column("by_restructuring").label,
}
BASIS_LABELS: dict[str, str] = {
    DepartureBasis.ND29_154: FORM_01.column("by_streamlining").label,
    DepartureBasis.ND178_67: FORM_01.column("by_restructuring").label,
}
# what a streamlined count not broken down by basis is called where it is shown
NOT_BROKEN_DOWN_LABEL = "Chưa phân theo căn cứ"
GROUP_LABELS: dict[str, str] = dict(zip(UnitGroup, UNIT_KIND_CHOICES, strict=True))
KIND_LABELS: dict[str, str] = {
    **dict(zip(list(UnitKind)[:4], AGENCY_KIND_CHOICES[:4], strict=True)),
    UnitKind.CO_QUAN_CAP_XA: "Cơ quan cấp xã (UBND xã, phường và các phòng)",
    UnitKind.DON_VI_SU_NGHIEP: GROUP_LABELS[UnitGroup.SERVICE],
}
# the agencies of a district's level, which end with it (docs/domain.md, "The end of the
# district level")
DISTRICT_LEVEL_KINDS = frozenset({UnitKind.CO_QUAN_CHUYEN_MON_HUYEN})
ADMINISTRATIVE_KINDS = frozenset(k for k in UnitKind if k.group is UnitGroup.ADMINISTRATIVE)
ROLE_LABELS: dict[str, str] = {
    Role.VIEWER: "Lãnh đạo (xem)",
    Role.UPLOADER: "Đơn vị nộp báo cáo",
    Role.ADMIN: "Quản trị",
    Role.REVIEWER: "Sở Nội vụ (duyệt báo cáo)",
}
REVIEW_STATUS_LABELS: dict[str, str] = {
    ReviewStatus.CHO_DUYET: "Chờ duyệt",
    ReviewStatus.DA_DUYET: "Đã duyệt",
    ReviewStatus.TRA_LAI: "Trả lại",
}
PERIOD_STATE_LABELS: dict[str, str] = {
    PeriodState.MO: "Đang mở",
    PeriodState.DONG: "Đã đóng",
}

MEASURE_OF_FORM = {FORM_01.code: Measure.CONG_CHUC, FORM_02.code: Measure.NGUOI_LAM_VIEC}
MEASURE_OF_TARGET = {m.label: m for m in Measure}  # Biểu 00's `Chỉ tiêu` → measure
STATUS_OF_FIELD = {  # a form's figure field → the status of the fact it is stored as
    "quota": FactStatus.ASSIGNED,
    "pending": FactStatus.PENDING,
    "norm": FactStatus.NORM,
    "present": FactStatus.PRESENT,
    "streamlined": FactStatus.STREAMLINED,
    "by_streamlining": FactStatus.ND29_154,
    "by_restructuring": FactStatus.ND178_67,
}
UNIT_KIND_OF_EVENT = {  # Biểu 03's `Loại đơn vị` → the event's stored unit kind
    UnitGroup.SERVICE.label: UnitGroup.SERVICE,
    UnitGroup.ADMINISTRATIVE.label: UnitGroup.ADMINISTRATIVE,
    DISTRICT_END_KIND: UnitGroup.ADMINISTRATIVE,  # the district's agencies end
}
