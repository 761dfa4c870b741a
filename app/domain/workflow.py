"""State machines: one explicit transition table per document kind, one checking function."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .errors import N_, InvalidTransition


@dataclass(frozen=True)
class Transition:
    """An action and the states it may start from."""

    sources: frozenset[str]
    """States in which the action is allowed."""
    target: str
    """State after the action."""


@dataclass(frozen=True)
class StateMachine:
    """A transition table; `apply` is the only way a document changes state."""

    kind: str
    """What the machine governs, e.g. 'incoming'."""
    transitions: Mapping[str, Transition]
    """Action name → transition."""

    def allowed(self, state: str) -> list[str]:
        return [a for a, t in self.transitions.items() if state in t.sources]

    def apply(self, state: str, action: str) -> str:
        transition = self.transitions.get(action)
        if transition is None:
            raise InvalidTransition(N_("Unknown action %(action)s."), action=action)
        if state not in transition.sources:
            allowed = ", ".join(self.allowed(state)) or "none"
            raise InvalidTransition(
                N_("Cannot %(action)s a document that is %(state)s; allowed now: %(allowed)s."),
                action=action,
                state=state,
                allowed=allowed,
            )
        return transition.target


def _t(sources: str, target: str) -> Transition:
    return Transition(frozenset(sources.split()), target)


INCOMING = StateMachine(
    "incoming",
    {
        "submit": _t("registered", "submitted"),
        "direct": _t("submitted", "directed"),
        "assign": _t("directed in_progress", "in_progress"),
        "progress": _t("in_progress", "in_progress"),
        "complete": _t("in_progress", "completed"),
        "complete_part": _t("in_progress", "in_progress"),
        "return": _t("registered submitted", "returned"),
        "withdraw": _t("registered submitted directed in_progress", "withdrawn"),
    },
)

INCOMING_STATES = (
    "registered",
    "submitted",
    "directed",
    "in_progress",
    "completed",
    "returned",
    "withdrawn",
)

OUTGOING = StateMachine(
    "outgoing",
    {
        "submit": _t("draft returned_for_revision", "in_review"),
        "approve": _t("in_review", "awaiting_signature"),
        "return": _t("in_review awaiting_signature", "returned_for_revision"),
        "sign": _t("awaiting_signature", "signed"),
        "issue": _t("signed", "issued"),
        "recall": _t("issued", "recalled"),
        "replace": _t("issued recalled", "replaced"),
    },
)

OUTGOING_STATES = (
    "draft",
    "in_review",
    "awaiting_signature",
    "returned_for_revision",
    "signed",
    "issued",
    "recalled",
    "replaced",
)
# States in which the drafter may still change the content.
OUTGOING_EDITABLE = frozenset({"draft", "returned_for_revision"})
