"""Full-text search of VanThu documents on Whoosh, with Vietnamese-aware analysis.

The package never imports the application: the app maps its documents to
:class:`SearchDocument`, its users to principal tokens, and calls :class:`SearchIndex`.

Principal tokens (who may open a document; a query matches only documents sharing
at least one token with the searching user):

- ``org:<id>:all``  every clerk and leader of organisation ``<id>`` (non-secret documents)
- ``org:<id>:clerk``  the organisation's clerks (văn thư) only
- ``dept:<id>``  members of department ``<id>`` the document is routed to
- ``user:<id>``  one user (handler, drafter, signer, a person it was forwarded to)
- ``role:<name>``  holders of an application-wide role (e.g. ``role:admin``)
"""

from .analysis import fold, normalize, parse_query
from .errors import IndexCorrupt, IndexLocked, IndexMissing, SearchError
from .extract import extract_text
from .index import SearchIndex
from .model import (
    ExtractedText,
    Facets,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResults,
)
from .principals import dept_principal, org_principal, role_principal, user_principal

__all__ = [
    "ExtractedText",
    "Facets",
    "IndexCorrupt",
    "IndexLocked",
    "IndexMissing",
    "SearchDocument",
    "SearchError",
    "SearchHit",
    "SearchIndex",
    "SearchQuery",
    "SearchResults",
    "dept_principal",
    "extract_text",
    "fold",
    "normalize",
    "org_principal",
    "parse_query",
    "role_principal",
    "user_principal",
]
