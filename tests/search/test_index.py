"""The Whoosh index: analysis in practice, lookups, filters, facets, permissions."""

import datetime as dt
import unicodedata
from dataclasses import replace

import pytest

from search import SearchIndex, SearchQuery

from .conftest import ORG, ids


def test_decomposed_document_is_found_by_precomposed_query_and_back(ix, doc, find):
    nfd = unicodedata.normalize("NFD", "Báo cáo tình hình triển khai")
    ix.add([doc(id="in:1", subject=nfd), doc(id="in:2", subject="Kế hoạch năm")])
    assert ids(find("triển khai")) == ["in:1"]
    assert ids(find(unicodedata.normalize("NFD", "tình hình"))) == ["in:1"]
    assert ids(find("triển")) == ["in:1"]


def test_unaccented_query_finds_accented_document(ix, doc, find):
    ix.add([doc(id="in:1", subject="Quyết định phê duyệt dự toán"), doc(id="in:2")])
    assert ids(find("quyet dinh")) == ["in:1"]
    assert ids(find("QUYET DINH phe duyet")) == ["in:1"]
    assert ids(find("duyet")) == ["in:1"]


def test_exact_match_ranks_above_folded_match(ix, doc, find):
    ix.add(
        [
            doc(id="in:1", subject="Về việc Bình Dương", text="dương"),
            doc(id="in:2", subject="Về việc sửa chữa đường", text="đường"),
        ]
    )
    assert ids(find("đường")) == ["in:2", "in:1"]
    assert ids(find("dương")) == ["in:1", "in:2"]
    assert ids(find("đường giao thông")) == []
    ix.add([doc(id="in:3", subject="đường giao thông"), doc(id="in:4", subject="dương giao thông")])
    assert ids(find("đường giao thông")) == ["in:3", "in:4"]


def test_multi_syllable_query_requires_adjacent_syllables(ix, doc, find):
    ix.add(
        [
            doc(id="in:1", subject="Tăng cường công tác văn thư lưu trữ"),
            doc(id="in:2", subject="Công bố thư mời dự hội nghị văn hóa tác giả"),
        ]
    )
    results = find("văn thư")
    assert ids(results) == ["in:1"] and not results.relaxed


def test_multi_syllable_query_relaxes_when_no_document_has_them_adjacent(ix, doc, find):
    ix.add([doc(id="in:1", subject="Thư mời dự hội nghị văn hóa"), doc(id="in:2", subject="Khác")])
    results = find("văn thư")
    assert ids(results) == ["in:1"] and results.relaxed


def test_quoted_phrase_needs_adjacent_words_in_exact_form(ix, doc, find):
    ix.add(
        [
            doc(id="in:1", subject="Kế hoạch công tác năm 2024"),
            doc(id="in:2", subject="Công tác kế hoạch hóa gia đình"),
            doc(id="in:3", subject="Kê hoach công tac"),
        ]
    )
    assert ids(find('"kế hoạch công tác"')) == ["in:1"]
    assert set(ids(find('"ke hoach cong tac"'))) == {"in:1", "in:3"}


def test_number_notation_exact_prefix_and_folded(ix, doc, find):
    ix.add(
        [
            doc(id="in:1", number_notation="12/QĐ-UBND", doc_type="QĐ"),
            doc(id="in:2", number_notation="12/QĐ-SNV", doc_type="QĐ"),
            doc(id="in:3", number_notation="120/QĐ-UBND", doc_type="QĐ"),
            doc(id="in:4", number_notation="12/CV-UBND"),
        ]
    )
    assert ids(find("12/QĐ-UBND")) == ["in:1"]
    assert ids(find("12/qd-ubnd")) == ["in:1"]
    assert set(ids(find("12/QĐ"))) == {"in:1", "in:2"}
    assert set(ids(find("12/qd"))) == {"in:1", "in:2"}
    assert ids(find(unicodedata.normalize("NFD", "120/QĐ-UBND"))) == ["in:3"]


def test_exact_notation_ranks_above_prefix_matches(ix, doc, find):
    ix.add([doc(id="in:1", number_notation="5/TB-VP5"), doc(id="in:2", number_notation="5/TB-VP")])
    assert ids(find("5/TB-VP")) == ["in:2", "in:1"]


def test_filters_by_type_year_state_kind_and_date_range(ix, doc, find):
    ix.add(
        [
            doc(id="in:1", subject="báo cáo", doc_type="BC", issued_date=dt.date(2023, 5, 1)),
            doc(id="in:2", subject="báo cáo", doc_type="BC", issued_date=dt.date(2024, 5, 1),
                state="done"),
            doc(id="out:3", kind="outgoing", subject="báo cáo", doc_type="TB",
                issued_date=dt.date(2024, 7, 1)),
        ]
    )
    assert set(ids(find("báo cáo", doc_type="BC"))) == {"in:1", "in:2"}
    assert ids(find("bao cao", year=2023)) == ["in:1"]
    assert ids(find("báo cáo", state="done")) == ["in:2"]
    assert ids(find("báo cáo", kind="outgoing")) == ["out:3"]
    assert set(ids(find("báo cáo", date_from=dt.date(2024, 1, 1)))) == {"in:2", "out:3"}
    assert ids(find("", date_from=dt.date(2024, 6, 1), date_to=dt.date(2024, 7, 1))) == ["out:3"]
    assert ids(find("báo cáo", date_to=dt.date(2023, 12, 31))) == ["in:1"]


def test_sort_by_date_newest_first_and_empty_query_lists_by_date(ix, doc, find):
    ix.add(
        [
            doc(id="in:1", subject="kế hoạch kế hoạch kế hoạch", issued_date=dt.date(2022, 1, 1)),
            doc(id="in:2", subject="kế hoạch", issued_date=dt.date(2024, 1, 1)),
            doc(id="in:3", subject="kế hoạch", issued_date=dt.date(2023, 1, 1)),
        ]
    )
    assert ids(find("kế hoạch", sort="date")) == ["in:2", "in:3", "in:1"]
    assert ids(find("")) == ["in:2", "in:3", "in:1"]
    assert find("", sort="date").hits[0].date == dt.date(2024, 1, 1)


def test_facets_count_all_matches_per_type_and_year_across_pages(ix, doc, find):
    docs = [
        doc(subject="thông báo lịch họp", doc_type="TB", issued_date=dt.date(2024, 1, i + 1))
        for i in range(5)
    ] + [doc(subject="thông báo kết quả", doc_type="CV", issued_date=dt.date(2023, 2, 1))]
    ix.add(docs)
    results = find("thông báo", per_page=2)
    assert results.total == 6 and len(results.hits) == 2 and results.pages == 3
    assert results.facets.doc_type == {"TB": 5, "CV": 1}
    assert results.facets.year == {2024: 5, 2023: 1}
    page3 = find("thông báo", per_page=2, page=3)
    assert len(page3.hits) == 2
    seen = set()
    for page in (1, 2, 3):
        seen.update(ids(find("thông báo", per_page=2, page=page)))
    assert len(seen) == 6


def test_snippets_highlight_matches_and_escape_html(ix, doc, find):
    text = "Phần mở đầu <b>không</b> liên quan. " * 20 + "Thực hiện chữ ký số trên văn bản điện tử."
    ix.add([doc(id="in:1", subject="Triển khai chữ ký số", text=text)])
    hit = find("chu ky so").hits[0]
    assert "<mark>chữ</mark> <mark>ký</mark> <mark>số</mark>" in hit.snippet_html
    assert "Triển khai <mark>chữ</mark>" in hit.subject_html
    assert "<b>" not in hit.snippet_html
    hit = find("không").hits[0]
    assert "&lt;b&gt;<mark>không</mark>&lt;/b&gt;" in hit.snippet_html


def test_secret_document_never_appears_for_an_unrouted_user(ix, doc, find):
    secret = frozenset({"org:1:clerk", "dept:7", "user:12"})
    ix.add(
        [
            doc(id="in:1", subject="Kế hoạch bảo vệ bí mật", doc_type="KH", principals=secret,
                confidentiality="mật"),
            doc(id="in:2", subject="Kế hoạch năm", doc_type="TB"),
            doc(id="in:3", subject="Kế hoạch khác", principals=frozenset({"org:2:all"})),
        ]
    )
    for q in ("kế hoạch", "ke hoach", "bí mật", "", '"bảo vệ bí mật"'):
        results = find(q)
        assert "in:1" not in ids(results) and "in:3" not in ids(results)
        assert "KH" not in results.facets.doc_type
        assert results.total == len(results.hits)
    assert find("kế hoạch").facets.doc_type == {"TB": 1}
    assert set(ids(find("kế hoạch", principals=frozenset({ORG, "user:12"})))) == {"in:1", "in:2"}
    assert ids(find("bí mật", principals=frozenset({"dept:7"}))) == ["in:1"]
    assert find("kế hoạch", principals=frozenset()).total == 0


def test_permissions_apply_before_paging(ix, doc, find):
    hidden = [doc(subject="báo cáo", principals=frozenset({"user:99"})) for _ in range(30)]
    visible = doc(id="in:visible", subject="báo cáo")
    ix.add([*hidden, visible])
    results = find("báo cáo", per_page=5)
    assert ids(results) == ["in:visible"] and results.total == 1


def test_update_replaces_and_delete_removes(ix, doc, find):
    d = doc(id="in:1", subject="Công văn cũ")
    ix.add([d])
    ix.update([replace(d, subject="Công văn mới")])
    assert ids(find("mới")) == ["in:1"] and find("cũ").total == 0
    assert ix.doc_ids() == {"in:1"}
    assert ix.delete("in:1") is True
    assert ix.delete("in:1") is False
    assert find("mới").total == 0 and ix.doc_ids() == set()


def test_a_commit_reopens_only_the_segments_it_changed(ix, doc, find):
    """The cached searcher is renewed after each commit, keeping unchanged segment readers;
    a deletion committed into an existing segment is seen at once (not served stale)."""
    ix.rebuild(iter([doc(id=f"in:{i}", subject="báo cáo quý") for i in range(6)]))
    ix.add([doc(id="in:new", subject="báo cáo năm")])
    assert find("báo cáo").total == 7

    def leaves() -> dict[str, object]:
        reader = ix._get_searcher().reader()
        return {r.segment().segment_id(): r for r, _ in reader.leaf_readers()}

    before = leaves()
    assert len(before) == 2
    assert ix.delete("in:3") is True  # into the rebuilt segment, which stays
    assert find("báo cáo").total == 6 and "in:3" not in ids(find("báo cáo", per_page=20))
    after = leaves()
    assert after.keys() == before.keys()
    changed = [sid for sid in after if after[sid] is not before[sid]]
    assert len(changed) == 1  # only the segment with the new deletion was opened again
    assert before[changed[0]].segment().deleted_count() == 0
    ix.update([replace(doc(id="in:4"), subject="kế hoạch")])
    assert ids(find("kế hoạch")) == ["in:4"] and find("báo cáo").total == 5


def test_doc_ids_lists_live_documents(ix, doc):
    ix.add([doc(id="in:1"), doc(id="out:2", kind="outgoing"), doc(id="in:3")])
    ix.delete("in:3")
    assert ix.doc_ids() == {"in:1", "out:2"}
    assert ix.check() == 2


def test_rebuild_swaps_in_a_fresh_index_while_searches_keep_working(tmp_path, doc):
    ix = SearchIndex(tmp_path / "idx").open_or_create()
    ix.add([doc(id="in:old", subject="tài liệu cũ")])
    other = SearchIndex(tmp_path / "idx")  # e.g. a web worker holding the old index
    seen_during: list[list[str]] = []
    progress: list[int] = []

    def on_progress(n):
        progress.append(n)
        seen_during.append(ids(other.search(SearchQuery("tài liệu", principals=frozenset({ORG})))))

    new_docs = [doc(id=f"in:{i}", subject="tài liệu mới") for i in range(5)]
    assert ix.rebuild(iter(new_docs), progress=on_progress, every=2) == 5
    assert progress == [2, 4, 5]
    assert all(seen == ["in:old"] for seen in seen_during)
    assert ix.doc_ids() == {f"in:{i}" for i in range(5)}
    assert other.search(SearchQuery("tài liệu", principals=frozenset({ORG}))).total == 5
    gens = [p for p in (tmp_path / "idx").iterdir() if p.is_dir()]
    assert len(gens) == 1


def test_failed_rebuild_keeps_the_previous_index(tmp_path, doc):
    ix = SearchIndex(tmp_path / "idx").open_or_create()
    ix.add([doc(id="in:1")])

    def broken():
        yield doc(id="in:2")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        ix.rebuild(broken())
    assert ix.doc_ids() == {"in:1"}
    assert len([p for p in (tmp_path / "idx").iterdir() if p.is_dir()]) == 1


def test_hit_reports_missing_text_layer(ix, doc, find):
    ix.add([doc(id="in:1", subject="Bản scan công văn", has_text_layer=False)])
    assert find("scan").hits[0].has_text_layer is False


def test_query_text_without_words_lists_everything_permitted(ix, doc, find):
    ix.add([doc(id="in:1"), doc(id="in:2", principals=frozenset({"user:5"}))])
    assert ids(find("  ")) == ["in:1"]


def test_large_rebuild_writes_several_segments_and_stays_consistent(tmp_path, doc):
    ix = SearchIndex(tmp_path / "idx", limitmb=1)
    text = "Căn cứ Nghị định về công tác văn thư và lưu trữ tài liệu. " * 20
    docs = [doc(id=f"in:{i}", subject=f"Công văn số {i}", text=text) for i in range(120)]
    assert ix.rebuild(docs) == 120
    searcher = ix._get_searcher()
    assert len(searcher.reader().leaf_readers()) > 1
    results = ix.search(SearchQuery("văn thư", principals=frozenset({ORG}), per_page=200))
    assert results.total == 120 and len(results.hits) == 120
    ix.delete("in:0")
    ix.update([doc(id="in:1", subject="Đã sửa", text="")])
    assert ix.search(SearchQuery("van thu", principals=frozenset({ORG}))).total == 118
    assert ids(ix.search(SearchQuery("đã sửa", principals=frozenset({ORG})))) == ["in:1"]
    assert len(ix.doc_ids()) == 119
    assert ix.check() == 119


def test_incremental_commits_merge_small_segments_by_tier(tmp_path, doc):
    ix = SearchIndex(tmp_path / "idx").open_or_create()
    for i in range(9):
        ix.update([doc(id=f"in:{i}", subject="một văn bản")])
    segments = ix._get_searcher().reader().leaf_readers()
    assert len(segments) < 9
    assert ix.search(SearchQuery("văn bản", principals=frozenset({ORG}))).total == 9
