"""Registers of incoming documents (Appendix IV, VI and VIII) and the processing slip (VII).

The queries build the value objects of `app.reports`; the writers there turn them into
XLSX and PDF. A register lists only what the exporting user may open.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app import reports
from app.domain.clock import VN, today_vn
from app.domain.doctypes import (
    CONFIDENTIALITY_LABELS,
    URGENCY_LABELS,
    Confidentiality,
    Urgency,
)
from app.domain.errors import N_, ValidationFailed
from app.domain.incoming import IncomingAssignment, IncomingDocument, IncomingUnit
from app.domain.models import Organisation, User
from app.reports import Column, Cover, Register, Slip, SlipSection

from .incoming import get as get_incoming
from .incoming import type_name
from .incoming_input import parse_date
from .incoming_queries import calendar, deadline_flags
from .permissions import require, visible_incoming

MAX_DAYS = 366
KINDS = ("incoming", "follow-up")
FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
ROLE_LABELS = {"lead": "chủ trì", "support": "phối hợp", "info": "để biết"}
STEP_LABELS = {
    "register": "Vào sổ văn bản đến",
    "submit": "Trình lãnh đạo",
    "direct": "Cho ý kiến chỉ đạo",
    "assign": "Giao người xử lý",
    "progress": "Báo cáo tiến độ",
    "complete_part": "Hoàn thành phần việc",
    "complete": "Hoàn thành",
    "return": "Trả lại nơi gửi",
    "withdraw": "Thu hồi",
}

INCOMING_COLUMNS = (
    Column("Ngày đến", 11, "C"),
    Column("Số đến", 6, "C"),
    Column("Tác giả", 16),
    Column("Số, ký hiệu văn bản", 15, "C"),
    Column("Ngày tháng văn bản", 11, "C"),
    Column("Tên loại và trích yếu nội dung văn bản", 27),
    Column("Đơn vị hoặc người nhận", 18),
    Column("Ngày chuyển", 11, "C"),
    Column("Ký nhận", 8),
    Column("Ghi chú", 9),
)
FOLLOW_UP_COLUMNS = (
    Column("Số đến", 6, "C"),
    Column("Tên loại, số, ký hiệu, ngày, tháng và tên cơ quan, tổ chức ban hành văn bản", 28),
    Column("Đơn vị hoặc người nhận", 24),
    Column("Thời hạn giải quyết", 11, "C"),
    Column("Tiến độ giải quyết", 22),
    Column("Số, ký hiệu văn bản trả lời", 15, "C"),
    Column("Ghi chú", 14),
)


@dataclass(frozen=True)
class Period:
    """The arrival dates a register covers, both ends included."""

    start: date
    """Từ ngày."""
    end: date
    """Đến ngày."""


@dataclass(frozen=True)
class Export:
    """A file ready to send."""

    filename: str
    """Suggested download name."""
    mimetype: str
    """Its content type."""
    content: bytes
    """The file."""


def parse_period(args: Mapping[str, Any]) -> Period:
    """`from` and `to` (ISO or dd/mm/yyyy); by default 1 January of this year up to today."""
    end = parse_date(args, "to", "to", required=False) or today_vn()
    start = parse_date(args, "from", "from", required=False) or date(end.year, 1, 1)
    if start > end:
        raise ValidationFailed(N_("The start date 'from' is after the end date 'to'."))
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationFailed(
            N_("A register covers at most %(n)s days; choose a shorter period."), n=MAX_DAYS
        )
    return Period(start, end)


def parse_format(value: Any, allowed: tuple[str, ...] = ("xlsx", "pdf")) -> str:
    fmt = str(value or "").strip().lower()
    if fmt not in allowed:
        raise ValidationFailed(
            N_("Unknown format %(format)s; use one of %(allowed)s."),
            format=fmt or "''",
            allowed=", ".join(allowed),
        )
    return fmt


def _d(day: date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


def _vn_date(moment: datetime | None) -> date | None:
    return moment.astimezone(VN).date() if moment else None


def _cover(org: Organisation, title: tuple[str, ...], period: Period, **numbers: Any) -> Cover:
    years = sorted({period.start.year, period.end.year})
    return Cover(
        parent_name=org.parent.name if org.parent else "",
        org_name=org.name,
        title=title,
        year=" - ".join(str(y) for y in years),
        date_from=period.start,
        date_to=period.end,
        **numbers,
    )


def _documents(
    session: Session, actor: User, period: Period, directed_only: bool = False
) -> list[IncomingDocument]:
    require(actor, "incoming.export_register")
    doc = IncomingDocument
    query = (
        select(doc)
        .where(
            doc.organisation_id == actor.organisation_id,
            doc.arrival_date >= period.start,
            doc.arrival_date <= period.end,
            visible_incoming(actor),
        )
        .order_by(doc.year, doc.arrival_number)
        .options(
            selectinload(doc.submitted_to),
            selectinload(doc.events),
            selectinload(doc.units).selectinload(IncomingUnit.department),
            selectinload(doc.units)
            .selectinload(IncomingUnit.assignments)
            .selectinload(IncomingAssignment.user),
        )
    )
    if directed_only:
        query = query.where(doc.directed_at.is_not(None))
    return list(session.scalars(query))


def _identity(doc: IncomingDocument) -> str:
    return (
        f"{type_name(doc.doc_type)} số {doc.number_notation} ngày {_d(doc.issued_date)} "
        f"của {doc.issuing_org}"
    )


def _flags(doc: IncomingDocument) -> list[str]:
    flags = []
    if doc.urgency > Urgency.NORMAL:
        flags.append(URGENCY_LABELS[Urgency(doc.urgency)])
    if doc.confidentiality > Confidentiality.NORMAL:
        flags.append(CONFIDENTIALITY_LABELS[Confidentiality(doc.confidentiality)])
    return flags


def _state_note(doc: IncomingDocument) -> list[str]:
    if doc.state == "returned":
        return [f"Đã trả lại nơi gửi: {doc.state_reason}".rstrip(": ")]
    if doc.state == "withdrawn":
        return [f"Đã thu hồi: {doc.state_reason}".rstrip(": ")]
    return []


def _unit_line(unit: IncomingUnit, with_people: bool = False) -> str:
    line = f"{unit.department.name} ({ROLE_LABELS.get(unit.role, unit.role)})"
    people = [a.user.full_name for a in unit.assignments]
    if with_people and people:
        line += ": " + ", ".join(people)
    return line


def incoming_register(session: Session, actor: User, period: Period) -> Register:
    """Sổ đăng ký văn bản đến: the ten columns of Appendix IV, VI for the period."""
    docs = _documents(session, actor, period)
    rows: list[tuple[reports.model.Cell, ...]] = []
    for doc in docs:
        recipients = []
        if doc.submitted_to is not None:
            who = doc.submitted_to
            recipients.append(
                f"{who.full_name} ({who.position})" if who.position else who.full_name
            )
        recipients += [_unit_line(u) for u in doc.units]
        transferred = next((e.at for e in doc.events if e.action == "submit"), None)
        rows.append(
            (
                doc.arrival_date,
                doc.arrival_number,
                doc.issuing_org,
                doc.number_notation,
                doc.issued_date,
                f"{type_name(doc.doc_type)}: {doc.subject}",
                "\n".join(recipients),
                _vn_date(transferred),
                "",
                "; ".join(_flags(doc) + _state_note(doc)),
            )
        )
    first, last = (docs[0], docs[-1]) if docs else (None, None)
    cross_year = first is not None and last is not None and first.year != last.year

    def number(doc: IncomingDocument | None) -> str | None:
        if doc is None:
            return None
        return f"{doc.arrival_number} (năm {doc.year})" if cross_year else str(doc.arrival_number)

    cover = _cover(
        actor.organisation,
        ("SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",),
        period,
        number_from=number(first),
        number_to=number(last),
    )
    return Register("incoming", "Sổ đăng ký văn bản đến", cover, INCOMING_COLUMNS, rows)


def _deadline_cell(doc: IncomingDocument) -> reports.model.Cell:
    handling = [u for u in doc.units if u.role in ("lead", "support") and u.deadline]
    if all(u.deadline == doc.deadline for u in handling):
        return doc.deadline
    return "\n".join(f"{u.department.name}: {_d(u.deadline)}" for u in handling)


def _progress(doc: IncomingDocument, today: date, cal: Any) -> str:
    if doc.state == "completed":
        done = _vn_date(doc.completed_at)
        text = f"Đã giải quyết ngày {_d(done)}"
        if doc.deadline and done:
            text += " (quá hạn)" if done > doc.deadline else " (đúng hạn)"
        return text
    if doc.state == "returned":
        return "Đã trả lại nơi gửi"
    if doc.state == "withdrawn":
        return "Đã thu hồi"
    lines = ["Đang giải quyết" if doc.state == "in_progress" else "Chưa giao người xử lý"]
    overdue, near_due = deadline_flags(doc, cal, today)
    if overdue:
        lines[0] += f" - quá hạn {cal.working_days_between(doc.deadline, today)} ngày làm việc"
    elif near_due:
        lines[0] += " - sắp đến hạn"
    notes = [e for e in doc.events if e.action in ("progress", "complete_part")]
    if notes:
        last = notes[-1]
        lines.append(f"{_d(_vn_date(last.at))}: {last.comment}")
    return "\n".join(lines)


def follow_up_register(session: Session, actor: User, period: Period) -> Register:
    """Sổ theo dõi giải quyết văn bản đến (Appendix IV, VIII): the documents a leader directed."""
    docs = _documents(session, actor, period, directed_only=True)
    cal, today = calendar(session), today_vn()
    rows: list[tuple[reports.model.Cell, ...]] = []
    for doc in docs:
        notes = _flags(doc) + ([doc.result_text] if doc.result_text else [])
        rows.append(
            (
                doc.arrival_number,
                _identity(doc),
                "\n".join(_unit_line(u, with_people=True) for u in doc.units),
                _deadline_cell(doc),
                _progress(doc, today, cal),
                doc.reply_reference,
                "; ".join(notes),
            )
        )
    cover = _cover(
        actor.organisation,
        ("SỔ THEO DÕI GIẢI QUYẾT", "VĂN BẢN ĐẾN"),
        period,
        show_numbers=False,
    )
    return Register("follow-up", "Sổ theo dõi giải quyết", cover, FOLLOW_UP_COLUMNS, rows)


def build(session: Session, actor: User, kind: str, period: Period) -> Register:
    if kind == "incoming":
        return incoming_register(session, actor, period)
    if kind == "follow-up":
        return follow_up_register(session, actor, period)
    raise ValidationFailed(N_("Unknown register %(kind)s."), kind=kind)


def export_register(session: Session, actor: User, kind: str, period: Period, fmt: str) -> Export:
    """The register as an XLSX or PDF file."""
    register = build(session, actor, kind, period)
    content = (reports.register_xlsx if fmt == "xlsx" else reports.register_pdf)(register)
    name = "so-den" if kind == "incoming" else "so-theo-doi-giai-quyet"
    return Export(f"{name}_{period.start:%Y%m%d}-{period.end:%Y%m%d}.{fmt}", FORMATS[fmt], content)


def as_json(register: Register) -> dict[str, Any]:
    def value(v: reports.model.Cell) -> Any:
        return v.isoformat() if isinstance(v, date) else v

    cover = register.cover
    return {
        "kind": register.kind,
        "cover": {
            "parent_name": cover.parent_name,
            "org_name": cover.org_name,
            "title": " ".join(cover.title),
            "year": cover.year,
            "from_date": cover.date_from.isoformat(),
            "to_date": cover.date_to.isoformat(),
            **(
                {"from_number": cover.number_from, "to_number": cover.number_to}
                if cover.show_numbers
                else {}
            ),
        },
        "columns": [c.title for c in register.columns],
        "rows": [[value(v) for v in row] for row in register.rows],
    }


# The processing slip -------------------------------------------------------------------------


def _about(subject: str) -> str:
    """Join the trích yếu to the identity: "… của X về việc Y" reads as one phrase."""
    subject = subject.strip()
    if subject.lower().startswith(("về ", "v/v")):
        return " " + subject[0].lower() + subject[1:]
    return f": {subject}" if subject else ""


def _person(user: User | None) -> str:
    if user is None:
        return ""
    return f"{user.full_name} ({user.position})" if user.position else user.full_name


def processing_slip(session: Session, actor: User, doc_id: int) -> Slip:
    """Phiếu giải quyết văn bản đến for one document the actor may open."""
    doc = get_incoming(session, actor, doc_id)
    org = doc.organisation
    leader_lines: list[str] = []
    if doc.direction_text:
        leader_lines.append(f"- Ý kiến chỉ đạo: {doc.direction_text}")
    for role in ("lead", "support", "info"):
        units = [u for u in doc.units if u.role == role]
        if not units:
            continue
        label = {
            "lead": "Đơn vị chủ trì",
            "support": "Đơn vị phối hợp",
            "info": "Đơn vị nhận để biết",
        }[role]
        parts = [
            u.department.name + (f" (thời hạn {_d(u.deadline)})" if u.deadline else "")
            for u in units
        ]
        leader_lines.append(f"- {label}: {'; '.join(parts)}.")
    if doc.directed_at:
        leader_lines.append(
            f"- Ngày cho ý kiến: {_d(_vn_date(doc.directed_at))}, {_person(doc.directed_by)}."
        )
    elif doc.submitted_to:
        leader_lines.append(f"- Đã trình: {_person(doc.submitted_to)}.")

    head_lines: list[str] = []
    for unit in doc.units:
        for a in unit.assignments:
            by = session.get(User, a.assigned_by_id)
            line = f"- {unit.department.name}: giao {a.user.full_name}"
            if a.deadline:
                line += f", thời hạn {_d(a.deadline)}"
            line += f" (ngày {_d(_vn_date(a.assigned_at))}"
            line += f", {by.full_name})." if by else ")."
            head_lines.append(line)

    handler_lines: list[str] = []
    for e in doc.events:
        if e.action in ("progress", "complete_part", "complete") and e.comment:
            handler_lines.append(f"- {_d(_vn_date(e.at))}, {e.actor.full_name}: {e.comment}")
    if doc.state == "completed":
        result = f"- Kết quả: đã giải quyết ngày {_d(_vn_date(doc.completed_at))}"
        if doc.reply_reference:
            result += f"; văn bản trả lời số {doc.reply_reference}"
        handler_lines.append(result + ".")
    elif doc.state in ("returned", "withdrawn"):
        handler_lines.append(_state_note(doc)[0] + ".")

    arrival = f"Số đến: {doc.arrival_number} - Ngày đến: {_d(doc.arrival_date)}"
    flags = _flags(doc)
    if flags:
        arrival += " - " + ", ".join(flags)
    if doc.deadline:
        arrival += f" - Thời hạn giải quyết: {_d(doc.deadline)}"
    timeline = tuple(
        (
            e.at.astimezone(VN).strftime("%H:%M %d/%m/%Y"),
            e.actor.full_name,
            STEP_LABELS.get(e.action, e.action),
            e.comment,
        )
        for e in doc.events
    )
    return Slip(
        parent_name=org.parent.name if org.parent else "",
        org_name=org.name,
        dated=doc.arrival_date,
        identity=f"{_identity(doc)}{_about(doc.subject)}",
        arrival=arrival,
        sections=(
            SlipSection("1. Ý kiến của lãnh đạo cơ quan, tổ chức", tuple(leader_lines)),
            SlipSection("2. Ý kiến của lãnh đạo đơn vị", tuple(head_lines)),
            SlipSection("3. Ý kiến đề xuất của người giải quyết", tuple(handler_lines)),
        ),
        timeline=timeline,
    )


def export_slip(session: Session, actor: User, doc_id: int) -> Export:
    slip = processing_slip(session, actor, doc_id)
    doc = session.get(IncomingDocument, doc_id)
    assert doc is not None
    return Export(
        f"phieu-giai-quyet_{doc.year}-{doc.arrival_number}.pdf",
        FORMATS["pdf"],
        reports.slip_pdf(slip),
    )
