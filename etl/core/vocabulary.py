"""The stored vocabulary: how the forms' words map to the codes the database keeps.

Constants only. The ingest stores with them, the exports read stored rows back with them
(docs/forms.md for the forms, docs/domain.md, Measures, for what each code means).
"""

from __future__ import annotations

MEASURE_OF_FORM = {"01": "cong_chuc", "02": "nguoi_lam_viec"}  # form code → measure
MEASURE_OF_TARGET = {"Biên chế công chức": "cong_chuc", "Người làm việc": "nguoi_lam_viec"}
STATUS_OF_FIELD = {  # a form's figure field → the status of the fact it is stored as
    "quota": "assigned",
    "pending": "pending",
    "norm": "norm",
    "present": "present",
    "streamlined": "streamlined",
}
UNIT_KIND_OF_EVENT = {  # Biểu 03's `Loại đơn vị` → the event's stored unit kind
    "Đơn vị sự nghiệp công lập": "don_vi_su_nghiep",
    "Cơ quan hành chính": "co_quan_hanh_chinh",
}
