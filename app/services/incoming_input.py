"""Parsing the registration and workflow fields of incoming documents (forms and API alike)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.domain.doctypes import DOC_TYPES_BY_CODE, Confidentiality, ReceivedVia, Urgency
from app.domain.errors import N_, ValidationFailed


@dataclass(frozen=True)
class Registration:
    """The metadata a clerk enters for an incoming document."""

    doc_type: str
    """Code of the Appendix III type (e.g. QD, CV)."""
    number_notation: str
    """Số, ký hiệu as printed, e.g. 12/QĐ-UBND."""
    issued_date: date
    """Ngày tháng văn bản."""
    issuing_org: str
    """Cơ quan ban hành (free text)."""
    subject: str
    """Trích yếu nội dung."""
    signer_name: str
    """Người ký."""
    signer_position: str
    """Chức vụ người ký."""
    urgency: Urgency
    """Độ khẩn."""
    confidentiality: Confidentiality
    """Độ mật."""
    page_count: int | None
    """Số trang (taken from the PDF when empty)."""
    reply_due: date | None
    """Hạn trả lời requested by the sender, if any."""
    received_via: ReceivedVia
    """Paper, email, post or electronic exchange."""


def text(
    data: Mapping[str, Any], name: str, label: str, max_len: int, required: bool = True
) -> str:
    value = str(data.get(name) or "").strip()
    if required and not value:
        raise ValidationFailed(N_("%(field)s is required."), field=label)
    if len(value) > max_len:
        raise ValidationFailed(
            N_("%(field)s is longer than %(n)s characters."), field=label, n=max_len
        )
    return value


def parse_date(
    data: Mapping[str, Any], name: str, label: str, required: bool = True
) -> date | None:
    raw = str(data.get(name) or "").strip()
    if not raw:
        if required:
            raise ValidationFailed(N_("%(field)s is required."), field=label)
        return None
    for parse in (date.fromisoformat, _dmy):
        try:
            return parse(raw)
        except ValueError:
            continue
    raise ValidationFailed(
        N_("%(field)s must be a date like 2026-03-05 or 05/03/2026."), field=label
    )


def _dmy(raw: str) -> date:
    day, month, year = raw.split("/")
    return date(int(year), int(month), int(day))


def optional_int(data: Mapping[str, Any], name: str) -> int | None:
    """A whole number from a form or query string; empty means None."""
    raw = str(data.get(name) or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise ValidationFailed(N_("%(field)s must be a whole number."), field=name) from exc


def parse_int(
    data: Mapping[str, Any], name: str, label: str, minimum: int = 0, maximum: int = 100000
) -> int | None:
    raw = str(data.get(name) if data.get(name) is not None else "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValidationFailed(N_("%(field)s must be a whole number."), field=label) from exc
    if not minimum <= value <= maximum:
        raise ValidationFailed(
            N_("%(field)s must be between %(lo)s and %(hi)s."), field=label, lo=minimum, hi=maximum
        )
    return value


def _enum(data: Mapping[str, Any], name: str, label: str, enum: Any, default: Any) -> Any:
    raw = str(data.get(name) if data.get(name) is not None else "").strip()
    if not raw:
        return default
    try:
        return enum(int(raw)) if issubclass(enum, int) else enum(raw)
    except ValueError as exc:
        allowed = ", ".join(str(e.value) for e in enum)
        raise ValidationFailed(
            N_("%(field)s must be one of: %(allowed)s."), field=label, allowed=allowed
        ) from exc


def parse_registration(data: Mapping[str, Any]) -> Registration:
    doc_type = text(data, "doc_type", "doc_type", 8)
    if doc_type not in DOC_TYPES_BY_CODE:
        raise ValidationFailed(
            N_("Unknown document type %(code)s; use one of: %(codes)s."),
            code=doc_type,
            codes=", ".join(DOC_TYPES_BY_CODE),
        )
    issued = parse_date(data, "issued_date", "issued_date")
    assert issued is not None
    if issued > date.today():
        raise ValidationFailed(N_("The issued date cannot be in the future."))
    return Registration(
        doc_type=doc_type,
        number_notation=text(data, "number_notation", "number_notation", 64),
        issued_date=issued,
        issuing_org=text(data, "issuing_org", "issuing_org", 255),
        subject=text(data, "subject", "subject", 1000),
        signer_name=text(data, "signer_name", "signer_name", 255, required=False),
        signer_position=text(data, "signer_position", "signer_position", 255, required=False),
        urgency=_enum(data, "urgency", "urgency", Urgency, Urgency.NORMAL),
        confidentiality=_enum(
            data, "confidentiality", "confidentiality", Confidentiality, Confidentiality.NORMAL
        ),
        page_count=parse_int(data, "page_count", "page_count", 1, 100000),
        reply_due=parse_date(data, "reply_due", "reply_due", required=False),
        received_via=_enum(data, "received_via", "received_via", ReceivedVia, ReceivedVia.PAPER),
    )


@dataclass(frozen=True)
class UnitRouting:
    """One department in the leader's direction."""

    department_id: int
    """The unit."""
    role: str
    """lead | support | info."""
    deadline: date | None
    """Its deadline (none for units informed only)."""


@dataclass(frozen=True)
class Direction:
    """The leader's direction (ý kiến chỉ đạo)."""

    units: tuple[UnitRouting, ...]
    """Lead unit first, then supporting and informed units."""
    text: str
    """The direction text."""


def _ids(value: Any) -> list[int]:
    if value is None or value == "":
        return []
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    try:
        return [int(str(v).strip()) for v in items if str(v).strip()]
    except ValueError as exc:
        raise ValidationFailed(N_("Departments must be given by their numeric ids.")) from exc


def parse_direction(data: Mapping[str, Any], getlist: Any = None) -> Direction:
    """Fields: lead (id), lead_deadline, support (ids), support_deadline[_<id>], info (ids),
    text. Form posts give lists through `getlist`; JSON gives lists or comma strings."""

    def many(name: str) -> list[int]:
        if getlist is not None:
            values = getlist(name)
            return _ids(values if len(values) != 1 else values[0])
        return _ids(data.get(name))

    lead = many("lead")
    if len(lead) != 1:
        raise ValidationFailed(N_("Choose exactly one lead unit."))
    lead_deadline = parse_date(data, "lead_deadline", "lead_deadline", required=False)
    units = [UnitRouting(lead[0], "lead", lead_deadline)]
    seen = {lead[0]}
    default_support = parse_date(data, "support_deadline", "support_deadline", required=False)
    for dept in many("support"):
        if dept in seen:
            raise ValidationFailed(N_("A unit appears twice in the direction."))
        seen.add(dept)
        deadline = (
            parse_date(data, f"support_deadline_{dept}", "support_deadline", required=False)
            or default_support
            or lead_deadline
        )
        units.append(UnitRouting(dept, "support", deadline))
    for dept in many("info"):
        if dept in seen:
            raise ValidationFailed(N_("A unit appears twice in the direction."))
        seen.add(dept)
        units.append(UnitRouting(dept, "info", None))
    return Direction(tuple(units), text(data, "text", "text", 5000, required=False))
