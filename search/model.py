"""Value objects exchanged with the search package: documents, queries and results."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "ExtractedText",
    "Facets",
    "SearchDocument",
    "SearchHit",
    "SearchQuery",
    "SearchResults",
]

Kind = Literal["incoming", "outgoing"]
Sort = Literal["relevance", "date"]


@dataclass(frozen=True, slots=True)
class ExtractedText:
    """Text pulled out of an uploaded file."""

    text: str
    """Extracted text, NFC-normalised; empty when nothing could be read."""
    has_text_layer: bool
    """False for a PDF without a text layer (a scan) or an unreadable file."""
    error: str | None = None
    """Why extraction failed (malformed or unsupported file); None on success."""


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """One incoming or outgoing document as the index sees it."""

    id: str
    """Stable identifier: "in:<db id>" for incoming, "out:<db id>" for outgoing."""
    kind: Kind
    """Direction of the document: "incoming" or "outgoing"."""
    doc_type: str = ""
    """Document type code (e.g. "QĐ", "CV", "TB")."""
    number_notation: str = ""
    """Number and notation as printed, e.g. "12/QĐ-UBND"."""
    issuing_org: str = ""
    """Name of the issuing organisation."""
    subject: str = ""
    """Subject line (trích yếu)."""
    signer: str = ""
    """Name of the signer."""
    issued_date: dt.date | None = None
    """Date the document was issued (ngày ban hành)."""
    registered_date: dt.date | None = None
    """Arrival date (incoming) or registration date (outgoing)."""
    state: str = ""
    """Workflow state name."""
    urgency: str = ""
    """Urgency level (độ khẩn)."""
    confidentiality: str = ""
    """Confidentiality level (độ mật)."""
    departments: tuple[str, ...] = ()
    """Names of the departments the document is routed to or drafted by."""
    year: int | None = None
    """Register year; defaults to the year of the issued or registered date."""
    organisation_id: int | None = None
    """Owning organisation."""
    text: str = ""
    """Full text of the PDFs and attachments."""
    has_text_layer: bool = True
    """False when a file had no text layer (scanned PDF)."""
    principals: frozenset[str] = field(default_factory=frozenset)
    """Access tokens of who may open it, e.g. {"org:3:all", "dept:7", "user:12"}."""

    @property
    def date(self) -> dt.date | None:
        """The date used for sorting and date-range filters."""
        return self.issued_date or self.registered_date

    @property
    def effective_year(self) -> int | None:
        """The register year, or the year of :attr:`date`."""
        if self.year is not None:
            return self.year
        d = self.date
        return d.year if d else None


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What a user searches for, with filters, sorting, paging and their principals."""

    text: str = ""
    """Free text; "quoted phrases" and numbers/notations such as 12/QĐ-UBND are understood."""
    principals: frozenset[str] = field(default_factory=frozenset)
    """Access tokens of the searching user; no token means no result."""
    doc_type: str | None = None
    """Only this document type."""
    year: int | None = None
    """Only this register year."""
    state: str | None = None
    """Only this workflow state."""
    kind: Kind | None = None
    """Only incoming or only outgoing documents."""
    date_from: dt.date | None = None
    """Earliest document date, inclusive."""
    date_to: dt.date | None = None
    """Latest document date, inclusive."""
    sort: Sort = "relevance"
    """"relevance" (best first) or "date" (newest first)."""
    page: int = 1
    """1-based page number."""
    per_page: int = 20
    """Hits per page."""
    facets: bool = True
    """Whether to count the matching documents per type and per year."""


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One document in a result page."""

    id: str
    """Document identifier ("in:123", "out:45")."""
    kind: str
    """"incoming" or "outgoing"."""
    score: float
    """Relevance score (0 when sorted by date)."""
    doc_type: str
    """Document type code."""
    number_notation: str
    """Number and notation as printed."""
    subject: str
    """Subject line, plain text."""
    issuing_org: str
    """Issuing organisation."""
    date: dt.date | None
    """Issued (or registered) date."""
    state: str
    """Workflow state."""
    has_text_layer: bool
    """False when the files had no text layer."""
    subject_html: str
    """Subject, HTML-escaped, with matched words wrapped in <mark>."""
    snippet_html: str
    """Passage of the text around the matches, HTML-escaped, matches in <mark>."""


@dataclass(frozen=True, slots=True)
class Facets:
    """Counts of the permitted matching documents."""

    doc_type: dict[str, int]
    """Number of matches per document type."""
    year: dict[int, int]
    """Number of matches per year."""


@dataclass(frozen=True, slots=True)
class SearchResults:
    """One page of results."""

    total: int
    """Number of permitted documents matching the query (all pages)."""
    hits: tuple[SearchHit, ...]
    """The hits of the requested page."""
    facets: Facets
    """Counts per type and per year (empty when not requested)."""
    page: int
    """The page returned."""
    per_page: int
    """Hits per page."""
    relaxed: bool = False
    """True when no document had the words next to each other and any order was accepted."""

    @property
    def pages(self) -> int:
        """Number of pages."""
        return max(1, -(-self.total // self.per_page))
