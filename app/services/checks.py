"""Installation invariants checked by `vanthu check`; later parts add their own checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session

from . import audit


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


CHECKS: list[Callable[[Session], CheckResult]] = [check_audit_chain]


def run_checks(session: Session) -> Iterator[CheckResult]:
    for check in CHECKS:
        yield check(session)
