"""Exceptions raised by the search package; each keeps a human-readable message."""

from __future__ import annotations

__all__ = ["IndexCorrupt", "IndexLocked", "IndexMissing", "SearchError"]


class SearchError(Exception):
    """Base class of every error raised by :mod:`search`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IndexMissing(SearchError):
    """The index directory does not exist or holds no index; rebuild it."""


class IndexCorrupt(SearchError):
    """The index exists but cannot be read; rebuild it."""


class IndexLocked(SearchError):
    """Another writer holds the index lock and did not release it in time."""
