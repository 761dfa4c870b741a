"""Highlighted snippets: HTML-escaped passages with matched syllables in <mark>."""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape

from .analysis import fold, normalize

__all__ = ["highlight", "snippet"]

#: Characters of text scanned for matches.
SCAN_CHARS = 100_000


def _matches(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    folded_terms = sorted({fold(t) for t in terms if t}, key=len, reverse=True)
    if not folded_terms or not text:
        return []
    folded = fold(normalize(text))
    if len(folded) != len(text):
        # Lowercasing/folding changed lengths (rare characters); match per word instead.
        wanted = set(folded_terms)
        return [
            m.span() for m in re.finditer(r"\w+", text) if fold(normalize(m.group())) in wanted
        ]
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, folded_terms)) + r")(?!\w)")
    return [m.span() for m in pattern.finditer(folded)]


def _render(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    out: list[str] = []
    pos = start
    for a, b in spans:
        if b <= start or a >= end:
            continue
        a, b = max(a, start), min(b, end)
        out.append(escape(text[pos:a]))
        out.append("<mark>" + escape(text[a:b]) + "</mark>")
        pos = b
    out.append(escape(text[pos:end]))
    return "".join(out)


def highlight(text: str, terms: Iterable[str]) -> str:
    """The whole (short) text, escaped, with every matched syllable marked."""
    return _render(text, _matches(text, terms), 0, len(text))


def snippet(text: str, terms: Iterable[str], width: int = 240) -> str:
    """The passage of about ``width`` characters with the most matches, escaped and marked."""
    text = text[:SCAN_CHARS]
    spans = _matches(text, terms)
    if not spans:
        cut = text[:width]
        return escape(" ".join(cut.split())) + ("…" if len(text) > width else "")
    # Window starting at the match that has the most other matches within ``width``.
    best, best_count, j = 0, 0, 0
    for i, (a, _b) in enumerate(spans):
        j = max(j, i)
        while j + 1 < len(spans) and spans[j + 1][1] - a <= width:
            j += 1
        if j - i + 1 > best_count:
            best, best_count = i, j - i + 1
    first = spans[best][0]
    start = max(0, first - width // 4)
    ws = text.rfind(" ", 0, start + 1) if start else 0
    start = ws + 1 if ws > 0 and first - ws < width // 2 else start
    end = min(len(text), start + width)
    we = text.find(" ", end)
    end = we if 0 < we - end < 20 else end
    body = _render(text, spans, start, end)
    body = " ".join(body.split())
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")
