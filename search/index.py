"""Whoosh-backed search index with Vietnamese analysis and permission filtering."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import secrets
import shutil
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from whoosh import fields, index
from whoosh.analysis import RegexTokenizer
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.index import EmptyIndexError, LockError
from whoosh.reading import MultiReader, SegmentReader
from whoosh.searching import Searcher
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from .analysis import ParsedQuery, fold, has_marks, normalize, notation_key, pairs, parse_query
from .analysis import syllables as split_syllables
from .engine import LRU, And, Engine, Node, Or, Prefix, Term
from .errors import IndexCorrupt, IndexLocked, IndexMissing, SearchError
from .model import Facets, SearchDocument, SearchHit, SearchQuery, SearchResults
from .snippets import highlight, snippet

__all__ = ["SearchIndex", "build_schema"]

log = logging.getLogger(__name__)

#: Name of the file holding the name of the live index generation directory.
CURRENT = "CURRENT"
_GEN_PREFIX = "ix-"
#: Characters of text stored per document for snippets.
SNIPPET_SOURCE_CHARS = 100_000

# Relative weights: an exact (accented) match outranks a folded one; subject matches
# outrank body matches; an exact number/notation outranks a prefix.
EXACT_BOOST = 2.0
SUBJECT_BOOST = 1.5
NOTATION_EXACT_BOOST = 8.0
NOTATION_FOLDED_BOOST = 4.0
NOTATION_PREFIX_BOOST = 2.0

ProgressCallback = Callable[[int], None]


class TokensField(fields.TEXT):
    """A frequency-only text field fed with a ready list of tokens.

    Analysis happens once in :func:`document_fields` with C-speed string operations;
    this skips Whoosh's per-token analyzer pipeline, which dominated indexing time.
    """

    def __init__(self) -> None:
        super().__init__(analyzer=RegexTokenizer(r"\w+"), phrase=False)

    def index(self, value: Any, **kwargs: Any) -> Any:
        tokens = value.split() if isinstance(value, str) else value
        boost = self.format.field_boost
        return [
            (w.encode("utf-8"), f, f * boost, pack_uint(f)) for w, f in Counter(tokens).items()
        ]


class _CachedLengths:
    """Per-document reader that loads each field-length column once.

    While writing postings Whoosh asks for a document's field length once per
    posting, each a seek and read in the column file: a quarter of indexing time.
    """

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._columns: dict[str, list[int] | None] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        if fieldname not in self._columns:
            col = self._reader._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
            self._columns[fieldname] = None if col is None else list(col)
        values = self._columns[fieldname]
        if values is None or docnum >= len(values):
            return default
        b = values[docnum]
        # Same contract as the Whoosh reader: None for a zero length byte.
        return byte_to_length(b) if b else None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)


class _SegmentWriter(SegmentWriter):  # type: ignore[misc]
    def per_document_reader(self) -> Any:
        return _CachedLengths(super().per_document_reader())


#: Segments below this many documents are "small" and merged by incremental commits;
#: the segments written by a rebuild are larger and are never merged.
SMALL_SEGMENT_DOCS = 1000
#: Merge once this many small segments of the same size tier (1-9, 10-99, 100-999
#: documents) have accumulated, so each merge costs about as much as it saves.
SMALL_SEGMENTS_TO_MERGE = 4


def merge_small_segments(writer: Any, segments: list[Any]) -> list[Any]:
    """Merge policy of incremental commits: tiered merges of small segments only.

    Whoosh's MERGE_SMALL merges every segment up to a Fibonacci "merge point"; on a
    rebuilt index of ~20 segments the first single-document update rewrote all of
    them, posting by posting (many minutes at 100,000 documents).
    """
    tiers: dict[int, list[Any]] = {}
    for seg in segments:
        count = seg.doc_count_all()
        if count < SMALL_SEGMENT_DOCS:
            tiers.setdefault(len(str(max(count, 1))), []).append(seg)
    for tier in sorted(tiers):
        group = tiers[tier]
        if len(group) >= SMALL_SEGMENTS_TO_MERGE:
            for seg in group:
                reader = SegmentReader(writer.storage, writer.schema, seg)
                writer.add_reader(reader)
                reader.close()
            merged = {id(seg) for seg in group}
            return [seg for seg in segments if id(seg) not in merged]
    return segments


def build_schema() -> fields.Schema:
    """The index schema; token fields receive lists of normalised/folded tokens."""
    return fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        kind=fields.ID(stored=True),
        doc_type=fields.ID(stored=True, sortable=True),
        year=fields.ID(stored=True, sortable=True),
        state=fields.ID(stored=True),
        org=fields.ID(),
        # signed=False NumericRange queries return wrong documents in Whoosh 2.7.
        date=fields.NUMERIC(int, bits=32, stored=True, sortable=True),
        principals=fields.KEYWORD(scorable=False),
        notation=fields.ID(),
        notation_f=fields.ID(),
        # Exact syllables (NFC, lowercase) and folded syllable pairs. A folded single
        # syllable is looked up through the exact syllables that fold to it.
        body=TokensField(),
        body_bi=TokensField(),
        subject_f=TokensField(),
        number_notation=fields.STORED(),
        subject=fields.STORED(),
        issuing_org=fields.STORED(),
        has_text_layer=fields.STORED(),
        snippet_text=fields.STORED(),
    )


def _date_key(d: dt.date | None) -> int:
    return d.year * 10000 + d.month * 100 + d.day if d else 0


def _date_from_key(k: int | None) -> dt.date | None:
    if not k:
        return None
    return dt.date(k // 10000, k // 100 % 100, k % 100)


def _has_toc(path: Path) -> bool:
    return path.is_dir() and any(path.glob("_MAIN_*.toc"))


def _token(value: str) -> str:
    # ID/keyword values must be a single token.
    return "".join(value.split())


def document_fields(doc: SearchDocument) -> dict[str, Any]:
    """Map a :class:`SearchDocument` to the field values Whoosh indexes."""
    body_raw = "\n".join(
        filter(
            None,
            (
                doc.subject,
                doc.number_notation,
                doc.issuing_org,
                doc.signer,
                " ".join(doc.departments),
                doc.text,
            ),
        )
    )
    body = split_syllables(normalize(body_raw))
    body_f = fold(" ".join(body)).split()
    notation = notation_key(doc.number_notation)
    year = doc.effective_year
    values: dict[str, Any] = {
        "id": doc.id,
        "kind": doc.kind,
        "doc_type": doc.doc_type,
        "year": str(year) if year is not None else "",
        "state": doc.state,
        "org": str(doc.organisation_id) if doc.organisation_id is not None else "",
        "date": _date_key(doc.date),
        "principals": " ".join(sorted(_token(p) for p in doc.principals)),
        "body": body,
        "body_bi": pairs(body_f),
        "subject_f": split_syllables(fold(normalize(doc.subject))),
        "number_notation": doc.number_notation,
        "subject": doc.subject,
        "issuing_org": doc.issuing_org,
        "has_text_layer": doc.has_text_layer,
        "snippet_text": normalize_nfc(doc.text[:SNIPPET_SOURCE_CHARS]),
    }
    if notation:
        values["notation"] = notation
        values["notation_f"] = fold(notation)
    return values


def normalize_nfc(text: str) -> str:
    """NFC without lowercasing (text kept for display)."""
    return unicodedata.normalize("NFC", text)


# --------------------------------------------------------------------------- queries

Variants = Callable[[str], Iterable[str]]


def _syllable(s: str, variants: Variants) -> Node:
    """One syllable in any accentuation; the exact (accented) form scores higher."""
    forms: list[Node] = [Term("body", v) for v in sorted(variants(fold(s)))]
    if has_marks(s):
        forms.append(Term("body", s, EXACT_BOOST))
    if not forms:
        return Term("body", s)  # matches nothing
    return forms[0] if len(forms) == 1 else Or(tuple(forms))


def _chain(sylls: tuple[str, ...]) -> Node:
    """Consecutive syllables: every folded syllable pair must occur (selective)."""
    return And(tuple(Term("body_bi", p) for p in dict.fromkeys(pairs([fold(s) for s in sylls]))))


def _optional(sylls: Iterable[str]) -> list[Node]:
    out: list[Node] = []
    for s in dict.fromkeys(sylls):
        if has_marks(s):
            out.append(Term("body", s, EXACT_BOOST))
        out.append(Term("subject_f", fold(s), SUBJECT_BOOST))
    return out


def _notation(n: str) -> Node:
    f = fold(n)
    return Or(
        (
            Term("notation", n, NOTATION_EXACT_BOOST),
            Term("notation_f", f, NOTATION_FOLDED_BOOST),
            Prefix("notation", n, NOTATION_PREFIX_BOOST),
            Prefix("notation_f", f),
        )
    )


def text_query(
    parsed: ParsedQuery, variants: Variants, relaxed: bool = False
) -> tuple[list[Node], list[Node]] | None:
    """Required and optional (score-only) parts of a query; None when the text is empty.

    Runs of two or more unquoted syllables require every adjacent folded pair, which
    is far more selective than intersecting single syllables; ``relaxed`` requires
    the syllables in any order instead (used when the strict form finds nothing).
    Quoted phrases always require the pairs and, for accented syllables, the exact form.
    """
    required: list[Node] = []
    optional: list[Node] = []
    for run in parsed.runs:
        if len(run) == 1:
            required.append(_syllable(run[0], variants))
            optional.append(Term("subject_f", fold(run[0]), SUBJECT_BOOST))
        elif relaxed:
            required.extend(_syllable(s, variants) for s in dict.fromkeys(run))
            optional.append(_chain(run))
            optional.extend(Term("subject_f", fold(s), SUBJECT_BOOST) for s in run)
        else:
            required.append(_chain(run))
            optional.extend(_optional(run))
    for phrase in parsed.phrases:
        exact: list[Node] = [Term("body", s) for s in dict.fromkeys(phrase) if has_marks(s)]
        if len(phrase) == 1:
            required.append(exact[0] if exact else _syllable(phrase[0], variants))
        else:
            required.append(_chain(phrase))
            required.extend(exact)
        optional.extend(Term("subject_f", fold(s), SUBJECT_BOOST) for s in phrase)
    for n in parsed.notations:
        required.append(_notation(n))
    if not required:
        return None
    return required, optional


def _reopen(ix: index.Index, old: Any) -> Any:
    """A searcher of the latest generation that keeps the old searcher's segment readers
    whose segment is unchanged (same id and same deletions), so that a commit costs opening
    only the segments it wrote or changed.

    Whoosh's own reuse (Searcher.refresh) matches readers by segment and so kept serving
    the deletions a commit had added to an existing segment.
    """
    try:
        toc = ix._read_toc()
    except OSError:
        return ix.searcher()  # a writer was replacing files: open afresh (Whoosh retries)
    if not toc.segments:
        return ix.searcher()
    previous: dict[tuple[str, int], Any] = {}
    for reader, _offset in old.reader().leaf_readers():
        seg = reader.segment() if hasattr(reader, "segment") else None
        if seg is not None:
            previous[(seg.segment_id(), seg.deleted_count())] = reader
    readers = [
        previous.get((seg.segment_id(), seg.deleted_count()))
        or SegmentReader(ix.storage, toc.schema, seg, generation=toc.generation)
        for seg in toc.segments
    ]
    # A MultiReader even for one segment: it carries the new generation for up_to_date().
    return Searcher(MultiReader(readers, generation=toc.generation), fromindex=ix)


# --------------------------------------------------------------------------- the index


class SearchIndex:
    """A Whoosh index in ``directory``; rebuilt into a fresh generation and swapped.

    Layout: ``directory/CURRENT`` names the live generation ``directory/ix-…``.
    Searches may run in many threads/processes; writes need one writer at a time
    (the Whoosh lock makes a second writer wait up to ``lock_timeout`` seconds).
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        limitmb: int = 512,
        lock_timeout: float = 30.0,
        adjacent_pairs: bool = True,
        cache_postings: int = 2_000_000,
    ) -> None:
        """Open (lazily) the index in ``directory``.

        ``limitmb`` bounds the writer's in-memory postings (a rebuild writes a segment
        each time it is reached); ``cache_postings`` bounds the postings kept in memory
        for searching (about 100 bytes each); ``adjacent_pairs=False`` matches
        multi-syllable words in any order instead of as adjacent syllable pairs
        (broader and slower; kept for comparison).
        """
        self.adjacent_pairs = adjacent_pairs
        self.directory = Path(directory)
        self.limitmb = limitmb
        self.lock_timeout = lock_timeout
        self.schema = build_schema()
        self._lock = threading.Lock()
        self._gen: str | None = None
        self._ix: index.Index | None = None
        self._searcher: Any = None
        # Per segment: folded syllable -> exact syllables of the body field.
        self._variant_maps: dict[str, dict[str, set[str]]] = {}
        # Postings and per-document columns, shared by the engines of successive searchers.
        self._cache = LRU(cache_postings)
        self._columns: dict[Any, list[Any]] = {}
        self._cache_lock = threading.Lock()

    # ---- generations

    def _current_generation(self) -> str | None:
        try:
            name = (self.directory / CURRENT).read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise IndexCorrupt(f"cannot read {self.directory / CURRENT}: {exc}") from exc
        if not re.fullmatch(r"ix-[\w.-]+", name):
            raise IndexCorrupt(f"{self.directory / CURRENT} names no index generation")
        return name

    def _new_generation(self) -> Path:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        path = self.directory / f"{_GEN_PREFIX}{stamp}-{secrets.token_hex(4)}"
        path.mkdir(parents=True)
        index.create_in(str(path), self.schema)
        return path

    def _publish(self, gen: Path) -> None:
        tmp = self.directory / f"{CURRENT}.{secrets.token_hex(4)}.tmp"
        tmp.write_text(gen.name + "\n", encoding="ascii")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, self.directory / CURRENT)

    def _remove_old_generations(self, keep: str) -> None:
        for child in self.directory.iterdir():
            if child.is_dir() and child.name.startswith(_GEN_PREFIX) and child.name != keep:
                shutil.rmtree(child, ignore_errors=True)

    def exists(self) -> bool:
        """True when a live index generation is published."""
        gen = self._current_generation()
        return gen is not None and _has_toc(self.directory / gen)

    def open_or_create(self) -> SearchIndex:
        """Open the live index, creating an empty one when there is none."""
        self.directory.mkdir(parents=True, exist_ok=True)
        if self._current_generation() is None:
            self._publish(self._new_generation())
        self._open()
        return self

    def _open(self) -> index.Index:
        try:
            return self._open_current()
        except SearchError:
            # A concurrent rebuild may have swapped and removed the generation we read
            # between reading CURRENT and opening it: read CURRENT again, once.
            return self._open_current()

    def _open_current(self) -> index.Index:
        gen = self._current_generation()
        if gen is None or not _has_toc(self.directory / gen):
            raise IndexMissing(f"no search index in {self.directory}")
        if self._ix is not None and self._gen == gen:
            return self._ix
        try:
            ix = index.open_dir(str(self.directory / gen), schema=self.schema)
        except EmptyIndexError as exc:
            raise IndexMissing(f"no search index in {self.directory / gen}") from exc
        except Exception as exc:
            raise IndexCorrupt(f"cannot open search index {self.directory / gen}: {exc!r}") from exc
        with self._lock:
            # A searcher of the previous generation is left to the garbage collector,
            # as a concurrent search may still be reading it.
            self._ix, self._gen, self._searcher = ix, gen, None
        return ix

    def _get_searcher(self) -> Any:
        ix = self._open()
        with self._lock:
            s = self._searcher
            try:
                if s is None:
                    s = ix.searcher()
                elif not s.up_to_date():
                    # The old searcher is not closed: another thread may still use it.
                    s = _reopen(ix, s)
            except SearchError:
                raise
            except Exception as exc:
                raise IndexCorrupt(f"cannot read search index: {exc!r}") from exc
            self._searcher = s
            return s

    def close(self) -> None:
        """Release the cached searcher."""
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = None
            self._ix = None
            self._gen = None

    # ---- writing

    def _writer(self, ix: index.Index) -> Any:
        try:
            return _SegmentWriter(ix, limitmb=self.limitmb, timeout=self.lock_timeout, delay=0.05)
        except LockError as exc:
            raise IndexLocked(f"search index is locked by another writer: {exc}") from exc

    def _write(self, docs: Iterable[SearchDocument], replace: bool) -> int:
        ix = self._open()
        writer = self._writer(ix)
        n = 0
        try:
            for doc in docs:
                values = document_fields(doc)
                if replace:
                    writer.update_document(**values)
                else:
                    writer.add_document(**values)
                n += 1
        except BaseException:
            writer.cancel()
            raise
        if n:
            writer.commit(mergetype=merge_small_segments)
        else:
            writer.cancel()
        return n

    def add(self, docs: Iterable[SearchDocument]) -> int:
        """Index new documents in one batch (ids must not be indexed yet); returns the count."""
        return self._write(docs, replace=False)

    def update(self, docs: Iterable[SearchDocument]) -> int:
        """Index or re-index documents in one batch, replacing same ids; returns the count."""
        return self._write(docs, replace=True)

    def delete(self, doc_id: str) -> bool:
        """Remove a document; returns False when it was not indexed."""
        ix = self._open()
        writer = self._writer(ix)
        try:
            n = writer.delete_by_term("id", doc_id)
        except BaseException:
            writer.cancel()
            raise
        if n:
            writer.commit(mergetype=merge_small_segments)
        else:
            writer.cancel()
        return bool(n)

    def rebuild(
        self,
        docs: Iterable[SearchDocument],
        progress: ProgressCallback | None = None,
        *,
        every: int = 1000,
    ) -> int:
        """Build a fresh index from ``docs`` in a new directory and swap it in atomically.

        Searches keep using the previous index until the swap. Changes written to the
        previous index while the rebuild runs are not carried over: re-apply them
        afterwards (or compare :meth:`doc_ids` with the database).
        ``progress`` is called with the number of documents indexed so far.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        flush_at = self.limitmb * 1024 * 1024 * 0.9
        gen = self._new_generation()
        try:
            ix = index.open_dir(str(gen), schema=self.schema)
            writer = self._writer(ix)
            n = 0
            try:
                for doc in docs:
                    writer.add_document(**document_fields(doc))
                    n += 1
                    if progress is not None and n % every == 0:
                        progress(n)
                    if getattr(writer.pool, "currentsize", 0) > flush_at:
                        # Write a segment while the postings still fit in memory: past
                        # ``limitmb`` Whoosh spills sorted runs to disk and merges them
                        # again posting by posting. The searches read many segments well.
                        writer.commit(merge=False)
                        writer = self._writer(ix)
                writer.commit(merge=False)
            except BaseException:
                writer.cancel()
                raise
            ix.close()
        except BaseException:
            shutil.rmtree(gen, ignore_errors=True)
            raise
        if progress is not None:
            progress(n)
        self._publish(gen)
        self._open()
        self._remove_old_generations(keep=gen.name)
        return n

    # ---- reading

    def doc_ids(self) -> set[str]:
        """Ids of all indexed documents (for a consistency check against the database)."""
        searcher = self._get_searcher()
        try:
            reader = searcher.reader()
            if reader.doc_count() == 0:
                return set()
            col = reader.column_reader("id")
            return {col[n] for n in reader.all_doc_ids()}
        except SearchError:
            raise
        except Exception as exc:
            raise IndexCorrupt(f"cannot read search index: {exc!r}") from exc

    def __len__(self) -> int:
        return int(self._get_searcher().doc_count())

    def check(self) -> int:
        """Verify that the index exists and is readable; returns the number of documents.

        Raises :class:`IndexMissing` or :class:`IndexCorrupt` with a message. Reads the
        table of contents, every segment's term dictionaries, a posting list and the
        stored fields of a document per segment, and the id column.
        """
        gen = self._current_generation()
        if gen is None or not (self.directory / gen).is_dir():
            raise IndexMissing(f"no search index in {self.directory}")
        path = str(self.directory / gen)
        if not _has_toc(self.directory / gen):
            raise IndexMissing(f"no search index in {path}")
        try:
            ix = index.open_dir(path, schema=self.schema)
            try:
                with ix.reader() as reader:
                    count = reader.doc_count()
                    for sub, _offset in reader.leaf_readers():
                        for name in ("id", "body", "body_bi", "principals"):
                            for i, term in enumerate(sub.lexicon(name)):
                                list(sub.postings(name, term).all_ids())
                                if i >= 2:
                                    break
                        live = list(sub.all_doc_ids())
                        if live:
                            sub.stored_fields(live[0])
                            sub.stored_fields(live[-1])
                            col = sub.column_reader("id")
                            ids = [col[n] for n in live]
                            if not all(isinstance(x, str) and x for x in ids):
                                raise IndexCorrupt("search index has unreadable document ids")
            finally:
                ix.close()
        except SearchError:
            raise
        except Exception as exc:
            raise IndexCorrupt(f"search index {path} is corrupt: {exc!r}") from exc
        return int(count)

    def _variants_for(self, searcher: Any) -> Variants:
        """Lookup of the indexed exact syllables that fold to a given folded syllable."""
        with self._cache_lock:
            return self._variants_locked(searcher)

    def _variants_locked(self, searcher: Any) -> Variants:
        maps: list[dict[str, set[str]]] = []
        live: set[str] = set()
        for sub, _offset in searcher.reader().leaf_readers():
            if sub.segment() is None:  # the reader of an empty index
                continue
            key = f"{self._gen}/{sub.segment().segment_id()}"
            live.add(key)
            m = self._variant_maps.get(key)
            if m is None:
                m = {}
                for t in sub.lexicon("body"):
                    term = t.decode("utf-8")
                    m.setdefault(fold(term), set()).add(term)
                self._variant_maps[key] = m
            maps.append(m)
        for key in list(self._variant_maps):
            if key not in live:
                self._variant_maps.pop(key, None)

        def lookup(folded: str) -> set[str]:
            out: set[str] = set()
            for m in maps:
                out |= m.get(folded, set())
            return out

        return lookup

    def _engine(self, searcher: Any) -> Engine:
        return Engine(searcher, self._gen or "", self._cache, self._columns, self._cache_lock)

    def search(self, q: SearchQuery) -> SearchResults:
        """Run a query; only documents sharing a principal with ``q.principals`` count.

        Permissions and filters are intersected with the matches before counting,
        faceting, ranking and paging.
        """
        page = max(1, q.page)
        per_page = max(1, min(q.per_page, 200))
        empty = SearchResults(0, (), Facets({}, {}), page, per_page)
        if not q.principals:
            return empty
        parsed = parse_query(q.text)
        searcher = self._get_searcher()
        try:
            return self._search(searcher, parsed, q, page, per_page) or empty
        except SearchError:
            raise
        except Exception as exc:
            raise IndexCorrupt(f"search failed on a damaged index: {exc!r}") from exc

    def _search(
        self, searcher: Any, parsed: ParsedQuery, q: SearchQuery, page: int, per_page: int
    ) -> SearchResults | None:
        engine = self._engine(searcher)
        sets: list[Any] = [engine.union_terms("principals", {_token(p) for p in q.principals})]
        for field, value in (
            ("doc_type", q.doc_type),
            ("year", str(q.year) if q.year is not None else None),
            ("state", q.state),
            ("kind", q.kind),
        ):
            if value:
                sets.append(engine.docs(Term(field, value, 0.0)))
        plan: tuple[list[Node], list[Node]] | None = None
        relaxed = False
        candidates: set[int] = set()
        multi = any(len(r) > 1 for r in parsed.runs)
        variants = self._variants_for(searcher)
        for relaxed in (False, True) if self.adjacent_pairs else (True,):
            plan = text_query(parsed, variants, relaxed=relaxed)
            if plan is None and not parsed.empty:
                return None
            required = plan[0] if plan else []
            candidates = engine.intersect([*(engine.docs(n) for n in required), *sets])
            if q.date_from or q.date_to:
                lo = _date_key(q.date_from) if q.date_from else 0
                hi = _date_key(q.date_to) if q.date_to else 99991231
                dates = engine.column("date")
                candidates = {d for d in candidates if lo <= dates[d] <= hi}
            if candidates or not multi:
                break
        relaxed = relaxed and self.adjacent_pairs
        total = len(candidates)
        if q.facets:
            types, years = engine.facets(candidates)
            facets = Facets(
                {str(k): v for k, v in types.items()},
                {int(k): v for k, v in years.items() if str(k).isdigit()},
            )
        else:
            facets = Facets({}, {})
        want = page * per_page
        by_date = q.sort == "date" or plan is None
        if by_date:
            ranked = engine.newest(candidates, want)
        else:
            assert plan is not None  # noqa: S101 - narrowed for mypy
            ranked = engine.top(candidates, [*plan[0], *plan[1]], want)
        terms = parsed.all_syllables()
        hits = tuple(
            self._hit(searcher, docnum, score, terms)
            for docnum, score in ranked[(page - 1) * per_page : want]
        )
        return SearchResults(total, hits, facets, page, per_page, relaxed)

    @staticmethod
    def _hit(searcher: Any, docnum: int, score: float, terms: set[str]) -> SearchHit:
        stored = searcher.stored_fields(docnum)
        subject = stored.get("subject", "")
        return SearchHit(
            id=stored["id"],
            kind=stored.get("kind", ""),
            score=score,
            doc_type=stored.get("doc_type", ""),
            number_notation=stored.get("number_notation", ""),
            subject=subject,
            issuing_org=stored.get("issuing_org", ""),
            date=_date_from_key(stored.get("date")),
            state=stored.get("state", ""),
            has_text_layer=bool(stored.get("has_text_layer", True)),
            subject_html=highlight(subject, terms),
            snippet_html=snippet(stored.get("snippet_text", ""), terms),
        )

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
