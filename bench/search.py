"""Benchmark of the search package against plain Whoosh (StandardAnalyzer) on N documents.

    python bench/search.py [--n 100000] [--reference ../shared/reference] [--text-chars 2000]

Prints build throughput, incremental indexing latency, and p50/p95 query latency per
query class for both indexes, with the ratio, and how many documents each query found.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from whoosh import fields, index, sorting  # noqa: E402
from whoosh import query as wq  # noqa: E402
from whoosh.analysis import StandardAnalyzer  # noqa: E402
from whoosh.qparser import QueryParser  # noqa: E402

from search import SearchDocument, SearchIndex, SearchQuery  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_REFERENCE = os.environ.get(
    "VANTHU_BENCH_REFERENCE", str(REPO / ".." / "shared" / "reference")
)

DOC_TYPES = [
    ("QĐ", "Quyết định"), ("CV", "Công văn"), ("TB", "Thông báo"), ("KH", "Kế hoạch"),
    ("BC", "Báo cáo"), ("TTr", "Tờ trình"), ("CT", "Chỉ thị"), ("HD", "Hướng dẫn"),
    ("GM", "Giấy mời"), ("NQ", "Nghị quyết"),
]
ORGS = [
    ("UBND", "Ủy ban nhân dân tỉnh Bình Dương"), ("SNV", "Sở Nội vụ"),
    ("STC", "Sở Tài chính"), ("SGDĐT", "Sở Giáo dục và Đào tạo"), ("SYT", "Sở Y tế"),
    ("STTTT", "Sở Thông tin và Truyền thông"), ("VP", "Văn phòng Ủy ban nhân dân"),
    ("SXD", "Sở Xây dựng"),
]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Quang", "Thanh"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hùng", "Lan", "Long", "Mai", "Nam",
         "Phương", "Quân", "Sơn", "Thảo", "Trang", "Tuấn", "Việt", "Yến", "Đường"]
DEPARTMENTS = ["Tổng hợp", "Hành chính", "Kế toán", "Pháp chế"]
STATES = ["registered", "assigned", "in_progress", "done", "archived"]
# Organisations whose members the benchmark's user shares tokens with: 1 of 5.
N_ORGS = 5


def load_lines(reference: Path) -> list[str]:
    files = sorted(
        p for p in reference.rglob("*") if p.suffix in (".txt", ".md") and p.is_file()
    )
    if not files:
        sys.exit(f"no .txt/.md reference texts under {reference}")
    lines: list[str] = []
    for p in files:
        for line in p.read_text(encoding="utf-8").splitlines():
            line = " ".join(line.replace("|", " ").split())
            if len(line) >= 20:
                lines.append(line)
    return lines


def make_corpus(
    n: int, lines: list[str], text_chars: int, seed: int = 30
) -> Iterator[SearchDocument]:
    rnd = random.Random(seed)
    counters: dict[tuple[str, str, int], int] = {}
    start = dt.date(2019, 1, 1)
    for i in range(n):
        code, type_name = DOC_TYPES[rnd.randrange(len(DOC_TYPES))]
        org_code, org_name = ORGS[rnd.randrange(len(ORGS))]
        date = start + dt.timedelta(days=rnd.randrange(7 * 365))
        key = (code, org_code, date.year)
        counters[key] = counters.get(key, 0) + 1
        k = rnd.randrange(len(lines))
        parts: list[str] = []
        size = 0
        while size < text_chars:
            line = lines[k % len(lines)]
            parts.append(line)
            size += len(line) + 1
            k += 1
        subject = f"{type_name} về việc {rnd.choice(lines)[:rnd.randint(40, 120)].lower()}"
        org_id = 1 + i % N_ORGS
        secret = rnd.random() < 0.05
        principals = {f"dept:{rnd.randint(1, 40)}", f"user:{rnd.randint(1, 400)}"}
        if not secret:
            principals.add(f"org:{org_id}:all")
        kind = "incoming" if rnd.random() < 0.6 else "outgoing"
        yield SearchDocument(
            id=f"{'in' if kind == 'incoming' else 'out'}:{i + 1}",
            kind=kind,
            doc_type=code,
            number_notation=f"{counters[key]}/{code}-{org_code}",
            issuing_org=org_name,
            subject=subject,
            signer=f"{rnd.choice(SURNAMES)} {rnd.choice(MIDDLE)} {rnd.choice(GIVEN)}",
            issued_date=date,
            registered_date=date + dt.timedelta(days=rnd.randint(0, 5)),
            state=rnd.choice(STATES),
            urgency=rnd.choice(["", "khẩn", "thượng khẩn"]),
            confidentiality="mật" if secret else "",
            departments=(f"Phòng {rnd.choice(DEPARTMENTS)}",),
            year=date.year,
            organisation_id=org_id,
            text="\n".join(parts),
            principals=frozenset(principals),
        )


# --------------------------------------------------------------------------- baseline


class Baseline:
    """Whoosh as Whoosh-based document managers ship it: StandardAnalyzer + QueryParser."""

    def __init__(self, directory: Path) -> None:
        self.schema = fields.Schema(
            id=fields.ID(stored=True, unique=True),
            kind=fields.ID(stored=True),
            doc_type=fields.ID(stored=True, sortable=True),
            year=fields.ID(stored=True, sortable=True),
            state=fields.ID(stored=True),
            date=fields.NUMERIC(int, bits=32, stored=True, sortable=True),
            principals=fields.KEYWORD(scorable=False),
            number_notation=fields.TEXT(stored=True),
            subject=fields.TEXT(stored=True),
            content=fields.TEXT(analyzer=StandardAnalyzer(), stored=True),
        )
        directory.mkdir(parents=True)
        self.ix = index.create_in(str(directory), self.schema)
        self.parser = QueryParser("content", self.schema)
        self.searcher: Any = None

    @staticmethod
    def values(d: SearchDocument) -> dict[str, Any]:
        date = d.issued_date or dt.date(1970, 1, 1)
        return {
            "id": d.id,
            "kind": d.kind,
            "doc_type": d.doc_type,
            "year": str(d.year),
            "state": d.state,
            "date": date.year * 10000 + date.month * 100 + date.day,
            "principals": " ".join(sorted(d.principals)),
            "number_notation": d.number_notation,
            "subject": d.subject,
            "content": "\n".join([d.subject, d.number_notation, d.issuing_org, d.signer, d.text]),
        }

    def build(self, docs: list[SearchDocument]) -> None:
        w = self.ix.writer(procs=1, limitmb=256)
        for d in docs:
            w.add_document(**self.values(d))
        w.commit()

    def update(self, d: SearchDocument) -> None:
        w = self.ix.writer(procs=1, limitmb=256, timeout=30)
        w.update_document(**self.values(d))
        w.commit()

    def search(self, q: SearchQuery) -> int:
        if self.searcher is None or not self.searcher.up_to_date():
            self.searcher = self.ix.searcher()
        parts = [self.parser.parse(q.text)]
        parts.append(wq.Or([wq.Term("principals", p) for p in q.principals]))
        if q.doc_type:
            parts.append(wq.Term("doc_type", q.doc_type))
        if q.year:
            parts.append(wq.Term("year", str(q.year)))
        r = self.searcher.search(
            wq.And(parts),
            limit=q.per_page,
            groupedby={
                "doc_type": sorting.FieldFacet("doc_type"),
                "year": sorting.FieldFacet("year"),
            },
            maptype=sorting.Count,
        )
        for hit in r:  # load stored fields and a highlight like a results page would
            hit.highlights("content")
        return sum(r.groups("doc_type").values())


# --------------------------------------------------------------------------- runner


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    out: list[float] = []
    value: Any = None
    for _ in range(repeat):
        t = time.perf_counter()
        value = fn()
        out.append((time.perf_counter() - t) * 1000)
    return out, value


def build(label: str, fn: Callable[[], Any], n: int) -> float:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"build: {n} docs in {wall:.1f} s wall = {n / wall:.0f} docs/s "
          f"({cpu:.1f} s CPU = {n / cpu:.0f} docs/s per core busy)")
    return n / wall


def report(title: str, samples: list[float]) -> None:
    print(f"{title}: p50 {percentile(samples, 50):.0f} ms, p95 {percentile(samples, 95):.0f} ms")


def run_queries(
    search: Callable[[SearchQuery], int],
    queries: list[tuple[str, SearchQuery]],
    repeat: int,
    cold: list[float] | None = None,
) -> tuple[dict[str, list[float]], list[int]]:
    by_class: dict[str, list[float]] = {}
    counts: list[int] = []
    for cls, q in queries:
        first, _ = timed(lambda q=q: search(q), 1)  # fills the caches
        if cold is not None:
            cold.extend(first)
        ms, total = timed(lambda q=q: search(q), repeat)
        by_class.setdefault(cls, []).extend(ms)
        counts.append(total)
    return by_class, counts


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--n", type=int, default=100_000, help="number of documents")
    ap.add_argument("--reference", default=DEFAULT_REFERENCE,
                    help="folder of decree texts (env VANTHU_BENCH_REFERENCE)")
    ap.add_argument("--text-chars", type=int, default=2000, help="text characters per document")
    ap.add_argument("--repeat", type=int, default=5, help="runs of each query")
    ap.add_argument("--no-baseline", action="store_true", help="skip the baseline")
    ap.add_argument("--keep", help="build the indexes in this folder and keep them")
    ap.add_argument("--reuse", action="store_true",
                    help="with --keep: query an index already built there (same --n)")
    args = ap.parse_args()

    lines = load_lines(Path(args.reference))
    t = time.perf_counter()
    docs = list(make_corpus(args.n, lines, args.text_chars))
    chars = sum(len(d.text) for d in docs) / args.n
    print(f"corpus: {args.n} documents, {chars:.0f} text chars/doc, generated in "
          f"{time.perf_counter() - t:.1f} s from {len(lines)} lines of {args.reference}")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")

    sample = docs[len(docs) // 2]
    notation = sample.number_notation
    prefix = notation.split("-")[0]
    user = frozenset({"org:1:all", "dept:7", "user:12"})
    routed = user | sample.principals

    def sq(text: str, **kw: Any) -> SearchQuery:
        kw.setdefault("principals", user)
        return SearchQuery(text, **kw)

    queries: list[tuple[str, SearchQuery]] = [
        ("accented", sq("quyết định")),
        ("accented", sq("văn bản điện tử")),
        ("accented", sq("chữ ký số")),
        ("accented", sq("lưu trữ")),
        ("unaccented", sq("quyet dinh")),
        ("unaccented", sq("van ban dien tu")),
        ("unaccented", sq("chu ky so")),
        ("unaccented", sq("luu tru")),
        ("phrase", sq('"thể thức văn bản"')),
        ("phrase", sq('"cơ quan tổ chức"')),
        ("notation", sq(notation, principals=routed)),
        ("notation", sq(prefix, principals=routed)),
        ("filtered", sq("văn bản", doc_type="QĐ", year=2023)),
        ("filtered", sq("ky so", kind="outgoing", date_from=dt.date(2024, 1, 1),
                        date_to=dt.date(2024, 6, 30))),
        ("date-sorted", sq("báo cáo", sort="date")),
    ]

    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="vanthu-bench-"))
    reuse = bool(args.reuse and args.keep and (root / "vanthu" / "CURRENT").exists())
    if args.keep and root.exists() and not reuse:
        shutil.rmtree(root)
    try:
        print(f"\n== VanThu search (exact + folded syllable pairs), index in {root}")
        ix = SearchIndex(root / "vanthu")
        if reuse:
            print(f"reusing the index built before in {root / 'vanthu'} (no build figures)")
            ours_rate = 0.0
        else:
            ours_rate = build("ours", lambda: ix.rebuild(iter(docs)), args.n)
        segments = len(ix._get_searcher().reader().leaf_readers())
        print(f"index: {len(ix)} documents in {segments} segments")
        rnd = random.Random(7)
        inc, _ = timed(
            lambda: ix.update([replace(docs[rnd.randrange(args.n)], subject="sửa đổi bổ sung")]),
            10,
        )
        report("incremental update of 1 document (commit included)", inc)
        ix.search(queries[0][1])
        timed(lambda: ix.update([replace(docs[0], subject="sửa đổi")]), 1)
        first, _ = timed(lambda: ix.search(queries[0][1]), 1)
        print(f"first query after an update (reopens the searcher): {first[0]:.0f} ms")
        cold: list[float] = []
        ours, counts = run_queries(lambda q: ix.search(q).total, queries, args.repeat, cold)
        report("first run of each query (postings not yet cached)", cold)

        anyorder = SearchIndex(root / "vanthu", adjacent_pairs=False)
        multi = [(c, q) for c, q in queries if c in ("accented", "unaccented")]
        loose, loose_counts = run_queries(lambda q: anyorder.search(q).total, multi, args.repeat)

        base: dict[str, list[float]] = {}
        bcounts: list[int] = []
        base_rate = 0.0
        if not args.no_baseline:
            print(f"\n== Baseline: Whoosh StandardAnalyzer + QueryParser, in {root / 'baseline'}")
            b = Baseline(root / "baseline")
            base_rate = build("baseline", lambda: b.build(docs), args.n)
            binc, _ = timed(
                lambda: b.update(replace(docs[rnd.randrange(args.n)], subject="sửa đổi")), 10
            )
            report("incremental update of 1 document (commit included)", binc)
            base, bcounts = run_queries(b.search, queries, args.repeat)

        print("\n== Query latency (ms): user of 1 of 5 organisations; facets, snippets included")
        print(f"{'class':<12} {'ours p50':>9} {'ours p95':>9} {'base p50':>9} {'base p95':>9}"
              f" {'p95 ours/base':>14}")
        all_ours = [x for v in ours.values() for x in v]
        all_base = [x for v in base.values() for x in v]
        for cls in [*ours, "ALL"]:
            o = all_ours if cls == "ALL" else ours[cls]
            line = f"{cls:<12} {percentile(o, 50):9.1f} {percentile(o, 95):9.1f}"
            if base:
                bb = all_base if cls == "ALL" else base[cls]
                ratio = percentile(o, 95) / percentile(bb, 95)
                line += f" {percentile(bb, 50):9.1f} {percentile(bb, 95):9.1f} {ratio:14.3g}"
            print(line)
        print("\n== Matches per query (ours / baseline StandardAnalyzer)")
        for i, (cls, q) in enumerate(queries):
            extra = f"{bcounts[i]:>8}" if bcounts else ""
            print(f"{cls:<12} {q.text!r:<28} {counts[i]:>8} {extra}")
        print("\n== Multi-syllable words: adjacent pairs required (ours) vs any order")
        for i, (_cls, q) in enumerate(multi):
            pos = queries.index((_cls, q))
            print(f"{q.text!r:<20} pairs {counts[pos]:>7} matches / any order {loose_counts[i]:>7}")
        lo = [x for v in loose.values() for x in v]
        pa = [x for c in ("accented", "unaccented") for x in ours[c]]
        print(f"latency p50/p95: pairs {percentile(pa, 50):.1f}/{percentile(pa, 95):.1f} ms,"
              f" any order {percentile(lo, 50):.1f}/{percentile(lo, 95):.1f} ms")

        print("\n== Summary")
        line = f"build docs/s: ours {ours_rate:.0f}"
        if base_rate:
            line += f", baseline {base_rate:.0f}, ratio {ours_rate / base_rate:.2f}"
        print(line)
        p95 = percentile(all_ours, 95)
        line = f"query p95 over all classes: ours {p95:.1f} ms"
        if base:
            bp95 = percentile(all_base, 95)
            line += f", baseline {bp95:.1f} ms, ratio {p95 / bp95:.3g}"
        print(line)
        print(f"targets at 100k (this run N={args.n}): p95 <= 100 ms "
              f"{'met' if p95 <= 100 else 'NOT met'}"
              + (f"; build >= 300 docs/s {'met' if ours_rate >= 300 else 'NOT met'}"
                 if ours_rate else ""))
        print(f"load average at end: {os.getloadavg()[0]:.1f}")
        ix.close()
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
