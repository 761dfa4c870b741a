"""Fixtures for the search package tests: a fresh index per test and a document factory."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from search import SearchDocument, SearchIndex, SearchQuery, SearchResults

ORG = "org:1:all"
_ids = itertools.count(1)


def make_doc(**kw: Any) -> SearchDocument:
    """A non-secret incoming document visible to organisation 1, overridable per field."""
    n = next(_ids)
    defaults: dict[str, Any] = {
        "id": f"in:{n}",
        "kind": "incoming",
        "doc_type": "CV",
        "number_notation": f"{n}/CV-TEST",
        "issuing_org": "Sở Nội vụ",
        "subject": "Về việc chung",
        "issued_date": dt.date(2024, 3, 1),
        "state": "registered",
        "text": "",
        "organisation_id": 1,
        "principals": frozenset({ORG}),
    }
    defaults.update(kw)
    return SearchDocument(**defaults)


@pytest.fixture
def doc() -> Callable[..., SearchDocument]:
    return make_doc


@pytest.fixture
def ix(tmp_path: Path) -> SearchIndex:
    index = SearchIndex(tmp_path / "index").open_or_create()
    yield index
    index.close()


@pytest.fixture
def find(ix: SearchIndex) -> Callable[..., SearchResults]:
    """Search as a member of organisation 1 unless principals are given."""

    def _find(text: str = "", **kw: Any) -> SearchResults:
        kw.setdefault("principals", frozenset({ORG}))
        return ix.search(SearchQuery(text=text, **kw))

    return _find


def ids(results: SearchResults) -> list[str]:
    return [h.id for h in results.hits]
