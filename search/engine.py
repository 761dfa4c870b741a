"""Set-based query evaluation and BM25 ranking over a Whoosh index's postings.

Whoosh's matchers advance posting by posting in Python and score every match, which
costs tens of microseconds per matching document; counting all matches (for totals
and facets) and filtering by permissions that way is far too slow at 100,000
documents. Here each term's postings are read block-wise into a dict once (cached);
matching, permission filtering and counting are C-speed set operations, and BM25
scores are summed per term with numpy arrays (also cached) before the permitted
candidates are ranked.
"""

from __future__ import annotations

import heapq
import math
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import byte_to_length

__all__ = ["And", "Engine", "Node", "Or", "Prefix", "Term"]

K1 = 1.2
B = 0.75


@dataclass(frozen=True, slots=True)
class Term:
    """Documents containing ``text`` in ``field``; scores when ``boost`` > 0."""

    field: str
    """Index field."""
    text: str
    """Indexed token."""
    boost: float = 1.0
    """Weight of this term in the score; 0 for pure filters."""


@dataclass(frozen=True, slots=True)
class Prefix:
    """Documents with a token starting with ``text`` in ``field``."""

    field: str
    """Index field."""
    text: str
    """Token prefix."""
    boost: float = 1.0
    """Weight in the score."""


@dataclass(frozen=True, slots=True)
class Or:
    """Documents matching any child; scores add up."""

    children: tuple[Node, ...]
    """Alternatives."""


@dataclass(frozen=True, slots=True)
class And:
    """Documents matching every child; scores add up."""

    children: tuple[Node, ...]
    """Requirements."""


Node = Term | Prefix | Or | And

Postings = dict[int, float]


class LRU:
    """Postings cache bounded by the total number of postings held."""

    def __init__(self, max_postings: int) -> None:
        self.max_postings = max_postings
        self.size = 0
        self.data: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Any:
        with self.lock:
            value = self.data.get(key)
            if value is not None:
                self.data.move_to_end(key)
            return value

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        with self.lock:
            if key in self.data:
                return
            self.data[key] = value
            self.size += len(value)
            while self.size > self.max_postings and len(self.data) > 1:
                _k, old = self.data.popitem(last=False)
                self.size -= len(old)


def _read_postings(sub: Any, field: str, text: str, offset: int) -> Postings:
    try:
        m = sub.postings(field, text)
    except Exception:  # noqa: BLE001 - TermNotFound and friends: no postings
        return {}
    deleted: set[int] | None = None
    if isinstance(m, FilterMatcher):
        deleted = m._ids if m._exclude else None
        m = m.child
    ids: list[int] = []
    weights: list[float] = []
    if isinstance(m, W3LeafMatcher):
        # Block-wise: a block's ids and weights are decoded in one go.
        while m.is_active():
            m._read_ids()
            m._read_weights()
            ids.extend(m._ids[m._i :])
            weights.extend(m._weights[m._i :])
            m._next_block()
    else:
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            m.next()
    if deleted:
        return {i + offset: w for i, w in zip(ids, weights, strict=True) if i not in deleted}
    if offset:
        return {i + offset: w for i, w in zip(ids, weights, strict=True)}
    return dict(zip(ids, weights, strict=True))


class _Scored:
    """Cached per-term arrays: global docnums and their BM25 contributions."""

    __slots__ = ("ids", "partial")

    def __init__(self, ids: Any, partial: Any) -> None:
        self.ids = ids
        self.partial = partial

    def __len__(self) -> int:
        return len(self.ids)


class Engine:
    """Evaluates query trees against one searcher (a snapshot of the index)."""

    def __init__(
        self,
        searcher: Any,
        gen: str,
        cache: LRU,
        columns: dict[Any, Any],
        columns_lock: threading.Lock,
    ) -> None:
        self.columns_lock = columns_lock
        self.searcher = searcher
        self.reader = searcher.reader()
        self.leaves = [
            (sub, offset, f"{gen}/{sub.segment().segment_id()}")
            for sub, offset in self.reader.leaf_readers()
            if sub.segment() is not None  # an empty index has one segment-less reader
        ]
        self.cache = cache
        self.columns = columns
        self.doc_count = max(1, self.reader.doc_count())
        self.signature = tuple((k, o, s.doc_count_all(), s.doc_count()) for s, o, k in self.leaves)

    # ---- data

    def postings(self, field: str, text: str) -> Postings:
        """Global docnum -> term frequency for one term (cached)."""
        if len(self.leaves) == 1:
            sub, offset, key = self.leaves[0]
            return self._segment_postings(sub, offset, key, field, text)
        out: Postings = {}
        for sub, offset, key in self.leaves:
            out.update(self._segment_postings(sub, offset, key, field, text))
        return out

    def _segment_postings(self, sub: Any, offset: int, key: str, field: str, text: str) -> Postings:
        ck = (key, offset, sub.doc_count(), field, text)
        hit = self.cache.get(ck)
        if hit is None:
            hit = _read_postings(sub, field, text, offset)
            self.cache.put(ck, hit)
        return hit

    def column(self, name: str, lengths: bool = False) -> list[Any]:
        """A per-document column by global docnum (stored values or field lengths)."""
        key = (name, lengths, tuple((k, o, s.doc_count_all()) for s, o, k in self.leaves))
        col = self.columns.get(key)
        if col is not None:
            return col
        with self.columns_lock:
            return self._load_column(key, name, lengths)

    def _load_column(self, key: tuple[Any, ...], name: str, lengths: bool) -> list[Any]:
        col = self.columns.get(key)
        if col is not None:
            return col
        col = []
        live = set()
        for sub, _offset, segkey in self.leaves:
            # Per-segment lists are kept so that a new small segment (an update) does
            # not mean reading the column of every document again.
            seg = ("segment", segkey, sub.doc_count_all(), name, lengths)
            live.add(seg)
            values = self.columns.get(seg)
            if values is None:
                if lengths:
                    reader = sub._perdoc._cached_reader(f"_{name}_len", LENGTHS_COLUMN)
                    raw = [0] * sub.doc_count_all() if reader is None else list(reader)
                    values = [byte_to_length(b) if b else 0 for b in raw]
                else:
                    values = list(sub.column_reader(name))
                self.columns[seg] = values
            col.extend(values)
        # Forget the columns of earlier snapshots.
        for k in list(self.columns):
            if k[0] == "segment":
                if k[3:] == (name, lengths) and k not in live:
                    del self.columns[k]
            elif k[:2] == (name, lengths):
                del self.columns[k]
        self.columns[key] = col
        return col

    def expand(self, node: Prefix) -> list[str]:
        return sorted({t for t in self.reader.expand_prefix(node.field, node.text)})[:1000]

    # ---- evaluation

    def docs(self, node: Node) -> set[int] | Any:
        """The documents matching a node (a set, or a dict keys view)."""
        if isinstance(node, Term):
            return self.postings(node.field, node.text).keys()
        if isinstance(node, Prefix):
            out: set[int] = set()
            for t in self.expand(node):
                out |= self.postings(node.field, t).keys()
            return out
        if isinstance(node, Or):
            out = set()
            for child in node.children:
                out |= self.docs(child)
            return out
        return self.intersect([self.docs(c) for c in node.children])

    @staticmethod
    def intersect(sets: list[Any]) -> set[int]:
        if not sets:
            return set()
        ordered = sorted(sets, key=len)
        result = set(ordered[0])
        for s in ordered[1:]:
            if not result:
                break
            result &= s
        return result

    def union_terms(self, field: str, texts: Iterable[str]) -> set[int]:
        out: set[int] = set()
        for t in texts:
            out |= self.postings(field, t).keys()
        return out

    # ---- scoring

    def _scoring_terms(self, node: Node, out: list[tuple[str, str, float]]) -> None:
        if isinstance(node, Term):
            if node.boost:
                out.append((node.field, node.text, node.boost))
        elif isinstance(node, Prefix):
            out.extend((node.field, t, node.boost) for t in self.expand(node) if node.boost)
        else:
            for child in node.children:
                self._scoring_terms(child, out)

    def _partial_scores(self, field: str, text: str) -> tuple[Any, Any]:
        """Docnums and BM25 contributions (without boost) of one term, as arrays."""
        key = ("bm25", self.signature, field, text)
        hit = self.cache.get(key)
        if hit is not None:
            return hit.ids, hit.partial
        post = self.postings(field, text)
        ids = np.fromiter(post.keys(), dtype=np.int64, count=len(post))
        tf = np.fromiter(post.values(), dtype=np.float64, count=len(post))
        if len(post):
            avg = self.reader.field_length(field) / self.doc_count or 1.0
            dl = np.asarray(self.column(field, lengths=True), dtype=np.float64)[ids]
            df = len(post)
            idf = math.log(1 + (self.doc_count - df + 0.5) / (df + 0.5))
            partial = idf * (K1 + 1) * tf / (tf + K1 * (1 - B) + K1 * B * dl / avg)
        else:
            partial = tf
        value = _Scored(ids, partial)
        self.cache.put(key, value)
        return value.ids, value.partial

    def top(self, candidates: set[int], nodes: Iterable[Node], n: int) -> list[tuple[int, float]]:
        """The ``n`` best candidates by BM25 over every scoring term of ``nodes``."""
        if not candidates or n <= 0:
            return []
        terms: list[tuple[str, str, float]] = []
        for node in nodes:
            self._scoring_terms(node, terms)
        scores = np.zeros(self.reader.doc_count_all(), dtype=np.float64)
        for field, text, boost in dict.fromkeys(terms):
            ids, partial = self._partial_scores(field, text)
            if len(ids):
                scores[ids] += boost * partial
        cand = np.fromiter(candidates, dtype=np.int64, count=len(candidates))
        cs = scores[cand]
        # Deterministic order (pages must not overlap): score, then newest, then docnum.
        order = np.lexsort((cand, -self.date_array()[cand], -cs))[:n]
        return list(zip(cand[order].tolist(), cs[order].tolist(), strict=True))

    def date_array(self) -> Any:
        key = ("array", "date", self.signature)
        arr = self.columns.get(key)
        if arr is None:
            arr = np.asarray(self.column("date"), dtype=np.int64)
            with self.columns_lock:
                for k in [k for k in self.columns if k[:2] == ("array", "date")]:
                    del self.columns[k]
                self.columns[key] = arr
        return arr

    def newest(self, candidates: set[int], n: int) -> list[tuple[int, float]]:
        dates = self.column("date")
        best = heapq.nlargest(n, candidates, key=lambda d: (dates[d] or 0, -d))
        return [(d, 0.0) for d in best]

    def facets(self, candidates: set[int]) -> tuple[Counter[str], Counter[str]]:
        types = self.column("doc_type")
        years = self.column("year")
        return (
            Counter(map(types.__getitem__, candidates)),
            Counter(map(years.__getitem__, candidates)),
        )
