"""Provinces as returns write them (docs/domain.md, "Provinces and mergers"): the key that
tells two provinces apart, their display name, and where a return names one: its letterhead
(`Đơn vị báo cáo: Sở Nội vụ tỉnh Hậu Giang`), a group row (`TỈNH HẬU GIANG`) or a unit name
ending with its former province (`Sở Y tế tỉnh Hậu Giang (cũ)`).

A province key is the name without `Tỉnh`/`Thành phố`/`TP.`/`UBND`, `(cũ)` and diacritics
(`Tỉnh Hậu Giang (cũ)` → `hau giang`); the deployment's own province is stored as "" on its
units (`own_key`), so that a deployment for one province writes nothing new.
"""

from __future__ import annotations

import functools
import re

from etl.core.normalize import clean_text, loose_key

# the province-level event kind of Biểu 03's `Loại đơn vị` (a merger of provinces)
PROVINCE_EVENT_KIND = "tinh_thanh_pho"
PROVINCE_EVENT_LABEL = "Tỉnh, thành phố"

_FORMER = re.compile(r"\s*\(\s*cũ\s*\)\s*$", re.IGNORECASE)
_PREFIX = re.compile(r"^(uy ban nhan dan\s+)?(tinh|thanh pho)\s+")
_LABEL_PREFIX = re.compile(
    r"^(?:(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+)?(tỉnh|thành phố|TP\.?)\s*", re.IGNORECASE
)
# a unit name ending with its former province: `Sở Y tế tỉnh Hậu Giang (cũ)`
_SUFFIX = re.compile(
    r"^(?P<name>.*\S)\s+(?P<kind>tỉnh|thành phố|TP\.)\s*(?P<province>[^()]+?)\s*\(\s*cũ\s*\)\s*$",
    re.IGNORECASE,
)
# a letterhead naming its province: `… tỉnh Hậu Giang`; `Sở … thành phố Cần Thơ`
_LETTERHEAD_TINH = re.compile(r"(?:^|\s)tỉnh\s+(?P<province>[^()]+?)\s*(\(\s*cũ\s*\))?\s*$", re.I)
_LETTERHEAD_CITY = re.compile(
    r"^Sở\s.*?\s(?:thành phố|TP\.)\s*(?P<province>[^()]+?)\s*(\(\s*cũ\s*\))?\s*$", re.I
)


@functools.lru_cache(maxsize=4096)
def province_key(text: object) -> str:
    """`Tỉnh Hậu Giang`, `TỈNH HẬU GIANG`, `tỉnh Hậu Giang (cũ)`, `UBND tỉnh Hậu Giang`,
    `Hau Giang` → `hau giang`; "" for nothing."""
    cleaned = _FORMER.sub("", clean_text(text or ""))
    return _PREFIX.sub("", loose_key(cleaned)).strip()


@functools.lru_cache(maxsize=4096)
def province_label(text: object) -> str:
    """A province's display name: `Tỉnh Hậu Giang` from `TỈNH HẬU GIANG`, `tỉnh Hậu Giang
    (cũ)` or `UBND tỉnh Hậu Giang`; `Thành phố Cần Thơ` from `TP. Cần Thơ`. A name written
    without its kind keeps what was written."""
    cleaned = _FORMER.sub("", clean_text(text or ""))
    if cleaned.isupper():
        cleaned = cleaned.title()
    match = _LABEL_PREFIX.match(cleaned)
    if not match:
        return cleaned[:1].upper() + cleaned[1:]
    kind = "Tỉnh" if match.group(1).lower() == "tỉnh" else "Thành phố"
    return f"{kind} {cleaned[match.end() :].strip()}"


def split_province_suffix(name: str) -> tuple[str, str | None]:
    """(`Sở Y tế`, `Tỉnh Hậu Giang`) from `Sở Y tế tỉnh Hậu Giang (cũ)`; (name, None) for a
    name without a former province at its end."""
    match = _SUFFIX.match(clean_text(name))
    if not match:
        return name, None
    return match.group("name"), province_label(f"{match.group('kind')} {match.group('province')}")


def letterhead_province(text: str | None) -> str | None:
    """The province a return's `Đơn vị báo cáo` names: `Sở Nội vụ tỉnh Hậu Giang`, `UBND tỉnh
    Sóc Trăng` → `Tỉnh …`; `Sở Y tế thành phố Cần Thơ` → `Thành phố Cần Thơ` (only a sở: a
    `UBND thành phố …` may be a city of district rank); None when it names none."""
    cleaned = clean_text(text or "")
    for pattern, kind in ((_LETTERHEAD_TINH, "Tỉnh"), (_LETTERHEAD_CITY, "Thành phố")):
        match = pattern.search(cleaned)
        if match:
            return province_label(f"{kind} {match.group('province')}")
    return None


def group_province(label: str) -> str | None:
    """A group row naming a province (`TỈNH HẬU GIANG`, `Tỉnh Hậu Giang (cũ)`), else None."""
    cleaned = _FORMER.sub("", clean_text(label))
    if re.match(r"^tỉnh\s+\S", cleaned, re.IGNORECASE) and not re.match(
        r"^tỉnh\s+ủy", cleaned, re.IGNORECASE
    ):
        return province_label(cleaned)
    return None


def own_key(province: str | None, own: frozenset[str]) -> str:
    """The key stored on a unit of `province`: "" for none or for the deployment's own
    province (a key in `own`), else its key."""
    key = province_key(province) if province else ""
    return "" if key in own else key


def display_name(name: str, province: str | None, former: bool) -> str:
    """How a unit of another province is shown: `Sở Y tế tỉnh Hậu Giang (cũ)` (`former`: the
    province has since merged) or `Sở Y tế tỉnh Hậu Giang`. A name already ending with its
    province is not given it twice: `Bệnh viện Đa khoa tỉnh Sóc Trăng (cũ)`."""
    if not province:
        return name
    label = province_label(province)
    suffix = f" {label[:1].lower()}{label[1:]}"
    if name.casefold().endswith(suffix.casefold()):
        suffix = ""
    return f"{name}{suffix} (cũ)" if former else f"{name}{suffix}"
