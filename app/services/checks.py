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


CHECKS: list[Callable[[Session], CheckResult]] = [check_audit_chain, check_storage]


def run_checks(session: Session) -> Iterator[CheckResult]:
    for check in CHECKS:
        yield check(session)
