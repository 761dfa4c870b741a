"""Installation invariants checked by `vanthu check`; later parts add their own checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session

import storage

from . import audit, storage_checks


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one invariant check."""

    name: str
    """Short name of the invariant."""
    ok: bool
    """True when the invariant holds."""
    message: str
    """What was checked, or the first thing found broken."""


def check_audit_chain(session: Session) -> CheckResult:
    count, broken = audit.verify_chain(session)
    if broken is None:
        return CheckResult("audit trail", True, f"{count} events, chain intact")
    where = f"event {broken.event_id} (#{broken.seq})" if broken.event_id else f"#{broken.seq}"
    return CheckResult("audit trail", False, f"broken at {where}: {broken.reason}")


def check_storage(session: Session) -> CheckResult:
    """Every file the database refers to is in the object store, intact (needs an app context)."""
    # Imported here so services stay free of Flask at import; `vanthu check` has an app context.
    from app.adapters import get_store

    try:
        count, problems = storage_checks.check_store(session, get_store())
    except storage.StorageError as exc:
        return CheckResult("file store", False, f"cannot be read: {exc}")
    if not problems:
        return CheckResult("file store", True, f"{count} objects present and intact")
    listed = "; ".join(p.message for p in problems[:5])
    more = f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
    return CheckResult(
        "file store", False, f"{len(problems)} of {count} objects bad: {listed}{more}"
    )


def check_search_index(session: Session) -> CheckResult:
    """Every document that should be searchable is in the index, and nothing else."""
    import search
    from app.adapters import get_search_index

    from . import search_index

    index = get_search_index()
    expected = search_index.database_ids(session)
    try:
        index.check()
        indexed = index.doc_ids()
    except search.IndexMissing as exc:
        if not expected:
            return CheckResult("search index", True, "no documents to index yet")
        return CheckResult("search index", False, f"{exc}; run `vanthu search reindex`")
    except search.SearchError as exc:
        return CheckResult("search index", False, f"{exc}; run `vanthu search reindex`")
    missing, extra = sorted(expected - indexed), sorted(indexed - expected)
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"{len(missing)} documents missing from the index: "
                         + ", ".join(missing[:5]) + (" …" if len(missing) > 5 else ""))
        if extra:
            parts.append(f"{len(extra)} indexed documents not in the database: "
                         + ", ".join(extra[:5]))
        return CheckResult("search index", False,
                           "; ".join(parts) + "; run `vanthu search reindex`")
    return CheckResult("search index", True, f"{len(indexed)} documents indexed")


CHECKS: list[Callable[[Session], CheckResult]] = [
    check_audit_chain,
    check_storage,
    check_search_index,
]


def run_checks(session: Session) -> Iterator[CheckResult]:
    for check in CHECKS:
        yield check(session)
