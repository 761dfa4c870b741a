"""Missing and corrupt indexes are detected with a clear error."""

import os

import pytest

from search import IndexCorrupt, IndexMissing, SearchIndex, SearchQuery

from .conftest import ORG

Q = SearchQuery("kế hoạch", principals=frozenset({ORG}))


def _index_files(root):
    gen = (root / "CURRENT").read_text().strip()
    return [p for p in (root / gen).iterdir() if p.is_file() and not p.name.endswith("LOCK")]


@pytest.fixture
def filled(tmp_path, doc):
    root = tmp_path / "idx"
    ix = SearchIndex(root).open_or_create()
    ix.add([doc(subject=f"Kế hoạch số {i}", text="văn bản " * 50) for i in range(20)])
    ix.close()
    return root


def test_missing_index_is_reported(tmp_path):
    ix = SearchIndex(tmp_path / "nothing")
    with pytest.raises(IndexMissing, match="no search index"):
        ix.check()
    with pytest.raises(IndexMissing):
        ix.search(Q)
    assert not ix.exists()


def test_deleted_generation_directory_is_reported_missing(filled):
    import shutil

    gen = (filled / "CURRENT").read_text().strip()
    shutil.rmtree(filled / gen)
    with pytest.raises(IndexMissing):
        SearchIndex(filled).check()


def test_healthy_index_passes_check(filled):
    assert SearchIndex(filled).check() == 20


def test_garbled_index_files_are_detected(filled):
    for path in _index_files(filled):
        size = path.stat().st_size
        path.write_bytes(os.urandom(size))
    ix = SearchIndex(filled)
    with pytest.raises(IndexCorrupt, match="corrupt|cannot"):
        ix.check()
    with pytest.raises(IndexCorrupt):
        ix.search(Q)


def test_truncated_segment_is_detected(filled):
    segs = [p for p in _index_files(filled) if p.suffix == ".seg"]
    assert segs
    for seg in segs:
        data = seg.read_bytes()
        seg.write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexCorrupt):
        SearchIndex(filled).check()


def test_garbage_pointer_file_is_detected(filled):
    (filled / "CURRENT").write_bytes(b"\xff\xfe../../etc")
    with pytest.raises(IndexCorrupt):
        SearchIndex(filled).check()


def test_corrupt_index_can_be_rebuilt(filled, doc):
    for path in _index_files(filled):
        path.write_bytes(os.urandom(path.stat().st_size))
    ix = SearchIndex(filled)
    ix.rebuild([doc(id="in:1", subject="Kế hoạch mới")])
    assert ix.check() == 1
    assert [h.id for h in ix.search(Q).hits] == ["in:1"]


def test_second_writer_gets_index_locked_after_timeout(filled, doc):
    from search import IndexLocked

    holder = SearchIndex(filled)
    writer = holder._writer(holder._open())
    try:
        other = SearchIndex(filled, lock_timeout=0.2)
        with pytest.raises(IndexLocked):
            other.update([doc(id="in:999")])
    finally:
        writer.cancel()
    SearchIndex(filled).update([doc(id="in:999")])
    assert "in:999" in SearchIndex(filled).doc_ids()


def test_a_new_empty_index_answers_with_no_hits(tmp_path):
    ix = SearchIndex(tmp_path / "ix").open_or_create()
    assert ix.check() == 0
    assert ix.search(Q).total == 0
    assert ix.search(SearchQuery("", principals=frozenset({ORG}))).total == 0
