"""Text keys for comparing headers, unit names and districts as Vietnamese staff write them.

Pure functions; each key is stable across NFC/NFD, old/new tone placement (`Uỷ`/`Ủy`,
`hoà`/`hòa`), case, spacing, footnote marks and the usual abbreviations.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

# Tone marks (dấu thanh). Other marks (circumflex, breve, horn) are part of the letter.
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_FOOTNOTE_MARK = r"\(\d{1,2}\)|\(\*+\)|\[\d{1,2}\]|\*+|[" + _SUPERSCRIPTS + r"]+"
_FOOTNOTE_TAIL = re.compile(rf"(\s*({_FOOTNOTE_MARK}))+\s*$")
_SPACES = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"\s*([-–,;/])\s*")
_ABBREVIATIONS = (  # (text every match contains, pattern, replacement)
    ("ubnd", re.compile(r"\bubnd\b"), "ủy ban nhân dân"),
    ("hđnd", re.compile(r"\bhđnd\b"), "hội đồng nhân dân"),
    ("tp", re.compile(r"\btp\.\s*|\btp\b"), "thành phố "),
    ("q.", re.compile(r"(?<![\w.])q\.\s*"), "quận "),
    ("h.", re.compile(r"(?<![\w.])h\.\s*"), "huyện "),
    ("tx.", re.compile(r"(?<![\w.])tx\.\s*"), "thị xã "),
)


@functools.lru_cache(maxsize=65536)
def _tone_key_word(word: str) -> str:
    """A word with its tone mark moved to the end, so tone placement does not matter."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = [ch for ch in decomposed if ch in _TONES]
    if not tones:
        return unicodedata.normalize("NFC", decomposed)
    base = "".join(ch for ch in decomposed if ch not in _TONES)
    return unicodedata.normalize("NFC", base) + "".join(tones)


def clean_text(value: object) -> str:
    """NFC text with white space collapsed and control characters removed."""
    if value is None:
        return ""
    return _clean_text_str(value if isinstance(value, str) else str(value))


@functools.lru_cache(maxsize=65536)
def _clean_text_str(value: str) -> str:
    text = unicodedata.normalize("NFC", value)
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else " " for ch in text)
    return _SPACES.sub(" ", text).strip()


@functools.lru_cache(maxsize=65536)
def strip_footnotes(text: str) -> str:
    """Drop footnote marks at the end: `Sở Y tế¹`, `Sở Y tế (1)`, `Ghi chú*`."""
    return _FOOTNOTE_TAIL.sub("", text).strip()


@functools.lru_cache(maxsize=65536)
def _text_key_str(text: str) -> str:
    text = strip_footnotes(clean_text(text)).casefold().rstrip(":：").strip()
    return " ".join(_tone_key_word(w) for w in text.split(" ") if w)


def text_key(value: object) -> str:
    """Key for comparing header labels: case, spacing, tone placement, trailing colon."""
    if value is None:
        return ""
    return _text_key_str(value if isinstance(value, str) else str(value))


def name_key(value: object) -> str:
    """Key for comparing unit names: `text_key` plus abbreviations and punctuation spacing."""
    return _name_key_str(clean_text(value))


@functools.lru_cache(maxsize=65536)
def _name_key_str(cleaned: str) -> str:
    text = strip_footnotes(cleaned).casefold()
    for marker, pattern, full in _ABBREVIATIONS:
        if marker in text:  # the pattern cannot match otherwise
            text = pattern.sub(full, text)
    text = text.replace("–", "-")
    if "-" in text or "," in text or ";" in text or "/" in text:
        text = _PUNCTUATION.sub(r" \1 ", text)
    text = _SPACES.sub(" ", text).strip(" .:")
    return " ".join(_tone_key_word(w) for w in text.split(" ") if w)


def loose_key(value: object) -> str:
    """`name_key` with every diacritic removed (`đ` → `d`): finds near-misses like `Sở Y tê`."""
    return _loose_key_str(name_key(value))


@functools.lru_cache(maxsize=65536)
def _loose_key_str(key: str) -> str:
    # word by word (NFD never moves a mark across a space), each word remembered
    return " ".join(_loose_word(w) for w in key.split(" "))


@functools.lru_cache(maxsize=65536)
def _loose_word(key: str) -> str:
    decomposed = unicodedata.normalize("NFD", key)
    base = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return base.replace("đ", "d").replace("Đ", "d")


def _key_words(text: str) -> str:
    return " ".join(_tone_key_word(w) for w in text.split(" "))


_DISTRICT_WORDS = "|".join(_key_words(w) for w in ("quận", "huyện", "thị xã", "thành phố"))
_DISTRICT_PREFIX = re.compile(rf"^({_key_words('ủy ban nhân dân')}\s+)?({_DISTRICT_WORDS})\s+")
_DISTRICT_ONLY = re.compile(
    rf"^({_key_words('ủy ban nhân dân')}\s+)?({_key_words('quận')}|{_key_words('huyện')}|"
    rf"{_key_words('thị xã')})\s+\S"
)


def district_key(value: object) -> str:
    """The district itself, whether written `UBND huyện Cờ Đỏ`, `Huyện Cờ Đỏ` or `Cờ Đỏ`."""
    key = name_key(value)
    return _DISTRICT_PREFIX.sub("", key).strip()


def district_label(value: object) -> str:
    """A display name for a district: `Huyện Cờ Đỏ` from `UBND huyện Cờ Đỏ`."""
    return _district_label_str(clean_text(value))


@functools.lru_cache(maxsize=65536)
def _district_label_str(text: str) -> str:
    text = _COUNCIL_PREFIX.sub("", text)
    text = _DISTRICT_ABBR.sub(lambda m: _ABBR_LABEL[m.group(1).upper()], text)
    return text[:1].upper() + text[1:] if text else text


_ABBR_LABEL = {"Q.": "Quận ", "H.": "Huyện ", "TX.": "Thị xã ", "TP.": "Thành phố "}
_COUNCIL_PREFIX = re.compile(r"^(UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+", re.IGNORECASE)
_DISTRICT_ABBR = re.compile(r"^(Q\.|H\.|TX\.|TP\.)\s*", re.IGNORECASE)


def looks_like_district(value: object) -> bool:
    """True for `UBND quận Ninh Kiều`, `Huyện Cờ Đỏ`, `Q. Bình Thủy`."""
    return _looks_like_district_key(name_key(value))


@functools.lru_cache(maxsize=65536)
def _looks_like_district_key(key: str) -> bool:
    return bool(_DISTRICT_ONLY.match(key))


# Communes (docs/domain.md, "Communes"): `UBND xã Thới Hưng`, `Xã Thới Hưng`, `Thới Hưng` are
# one commune; a commune-level body names its commune at the end of its name
_COMMUNE_WORDS = "|".join(_key_words(w) for w in ("xã", "phường", "thị trấn", "đặc khu"))
_COMMUNE_PREFIX = re.compile(rf"^({_key_words('ủy ban nhân dân')}\s+)?({_COMMUNE_WORDS})\s+")
_COMMUNE_IN_NAME = re.compile(rf"(?:^|\s)({_COMMUNE_WORDS})\s+(\S.*)$")


def commune_key(value: object) -> str:
    """The commune itself, whether written `UBND xã Thới Hưng`, `Xã Thới Hưng` or `Thới Hưng`."""
    return _COMMUNE_PREFIX.sub("", name_key(value)).strip()


def commune_label(value: object) -> str:
    """A display name for a commune: `Xã Thới Hưng` from `UBND xã Thới Hưng`."""
    text = _COUNCIL_PREFIX.sub("", clean_text(value))
    return text[:1].upper() + text[1:] if text else text


def commune_in_name(name: object) -> str | None:
    """The commune a commune-level body's name ends with (`Phòng Kinh tế xã Thới Hưng`,
    `Văn phòng HĐND và UBND phường An Bình` → `xã Thới Hưng`, `phường An Bình`), as written:
    the last `xã`/`phường`/`thị trấn`/`đặc khu` followed only by capitalised words or numbers
    (so `Lao động - Thương binh và Xã hội` names none); None when the name names none."""
    words = clean_text(name).split()
    for i in range(len(words) - 1, -1, -1):
        for size in (2, 1):
            head = " ".join(words[i : i + size])
            rest = words[i + size :]
            if text_key(head) in _COMMUNE_HEADS and rest and all(_proper(w) for w in rest):
                return " ".join(words[i:])
    return None


def _proper(word: str) -> bool:
    return word[:1].isupper() or word[:1].isdigit()


_COMMUNE_HEADS = frozenset(text_key(w) for w in ("xã", "phường", "thị trấn", "đặc khu"))


def _has_district_word(label: str) -> bool:
    """True when a label carries the kind of its district (`Huyện Cờ Đỏ`, `Thành phố Vị
    Thanh`), False for the bare name (`Cờ Đỏ`)."""
    return district_key(label) != name_key(label)


def canonical_district_labels(forms: Iterable[tuple[str, object, int]]) -> dict[str, str]:
    """District key → the one label shown for it, from how stored units write it:
    `(district key, district as written, how many units write it so)`.

    Each written form is first made a display name (`district_label`: `UBND huyện Cờ Đỏ`,
    `H. Cờ Đỏ` → `Huyện Cờ Đỏ`); the label is the one that carries the district's kind
    (quận, huyện, thị xã, thành phố) over a bare name, then the one most units write, then the
    first in alphabetical order. A district every unit writes bare keeps its bare name: its
    kind is not invented (docs/domain.md, "District labels")."""
    counts: dict[str, dict[str, int]] = {}
    for key, written, n in forms:
        if not key or not isinstance(written, str) or not clean_text(written):
            continue
        label = district_label(written)
        labels = counts.setdefault(key, {})
        labels[label] = labels.get(label, 0) + int(n)
    return {
        key: min(labels, key=lambda lb: (not _has_district_word(lb), -labels[lb], lb))
        for key, labels in counts.items()
    }
