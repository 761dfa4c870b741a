"""Vietnamese text analysis: NFC normalisation, diacritic folding, syllables and pairs."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "ParsedQuery",
    "fold",
    "normalize",
    "notation_key",
    "pairs",
    "parse_query",
    "syllables",
]

_WORD_RE = re.compile(r"\w+")
# A number/notation token: starts with a digit and contains "/" (12/QĐ-UBND, 30/2020/NĐ-CP, 12/QĐ).
_NOTATION_RE = re.compile(r"\d+/[\w/.-]*", re.UNICODE)
_QUOTED_RE = re.compile(r'"([^"]*)"?')
_PAIR_SEP = "_"
# Combining marks, and precomposed characters that the fold table does not cover.
_MARKS_RE = re.compile(r"[\u0300-\u036f\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = {ord("đ"): "d", ord("Đ"): "D"}
    # Latin-1 supplement, Latin Extended-A/B and Latin Extended Additional (ạ, ế, ữ, …).
    for cp in [*range(0x00C0, 0x0250), *range(0x1E00, 0x1F00)]:
        ch = chr(cp)
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        if base and base != ch and base.isascii():
            table[cp] = base
    return table


_FOLD_TABLE = _build_fold_table()


def normalize(text: str) -> str:
    """NFC-normalise and lowercase, so decomposed input matches precomposed text."""
    return unicodedata.normalize("NFC", text).lower()


def fold(text: str) -> str:
    """Remove Vietnamese tone and vowel marks and map đ→d; expects NFC text."""
    out = text.translate(_FOLD_TABLE)
    if out.isascii() or not _MARKS_RE.search(out):
        return out
    # Rare characters outside the table carrying combining marks: strip the marks.
    return _MARKS_RE.sub("", unicodedata.normalize("NFD", out))


def syllables(text: str) -> list[str]:
    """Split normalised text into syllables (word characters)."""
    return _WORD_RE.findall(text)


def pairs(sylls: Sequence[str]) -> list[str]:
    """Adjacent syllable pairs ("quyet", "dinh", "so") → ["quyet_dinh", "dinh_so"]."""
    return [a + _PAIR_SEP + b for a, b in zip(sylls, sylls[1:], strict=False)]


def notation_key(notation: str) -> str:
    """Canonical form of a number/notation: normalised, without spaces."""
    return "".join(normalize(notation).split())


def has_marks(text: str) -> bool:
    """True when the (normalised) text carries any diacritic."""
    return fold(text) != text


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A query string split into the parts the index searches differently."""

    phrases: tuple[tuple[str, ...], ...]
    """Quoted phrases, each as its normalised syllables."""
    runs: tuple[tuple[str, ...], ...]
    """Unquoted words, as runs of consecutive normalised syllables."""
    notations: tuple[str, ...]
    """Number/notation lookups, normalised (e.g. "12/qđ-ubnd", "12/qđ")."""

    @property
    def empty(self) -> bool:
        """True when the query has nothing to match on."""
        return not (self.phrases or self.runs or self.notations)

    def all_syllables(self) -> set[str]:
        """Every normalised syllable in the query (for highlighting)."""
        out: set[str] = set()
        for group in (*self.phrases, *self.runs):
            out.update(group)
        for n in self.notations:
            out.update(syllables(n))
        return out


def _runs(text: str, notations: list[str]) -> Iterable[tuple[str, ...]]:
    pos = 0
    for m in _NOTATION_RE.finditer(text):
        notations.append(m.group(0).rstrip("/.-"))
        chunk = syllables(text[pos : m.start()])
        if chunk:
            yield tuple(chunk)
        pos = m.end()
    chunk = syllables(text[pos:])
    if chunk:
        yield tuple(chunk)


def parse_query(text: str) -> ParsedQuery:
    """Parse user input: "quoted phrases", notations like 12/QĐ-UBND, and free words."""
    text = normalize(text)
    phrases: list[tuple[str, ...]] = []
    notations: list[str] = []
    rest: list[str] = []
    pos = 0
    for m in _QUOTED_RE.finditer(text):
        rest.append(text[pos : m.start()])
        inner = m.group(1)
        if _NOTATION_RE.fullmatch(inner.strip()):
            notations.append(inner.strip())
        else:
            sylls = syllables(inner)
            if sylls:
                phrases.append(tuple(sylls))
        pos = m.end()
    rest.append(text[pos:])
    runs: list[tuple[str, ...]] = []
    for chunk in rest:
        runs.extend(_runs(chunk, notations))
    return ParsedQuery(tuple(phrases), tuple(runs), tuple(n for n in notations if n))
