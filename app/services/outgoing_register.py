"""Sổ đăng ký văn bản đi (Decree 30, Appendix IV): the ten columns and the cover, built for
the writers of `app.reports` (XLSX and PDF) like the incoming registers."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app import reports
from app.domain.doctypes import CONFIDENTIALITY_LABELS, URGENCY_LABELS, Confidentiality, Urgency
from app.domain.models import User
from app.domain.outgoing import OutgoingDocument
from app.reports import Column, Cover, Register

from .incoming import type_name
from .permissions import OUTGOING_ISSUED, require, visible_outgoing
from .registers import FORMATS, Export, Period

OUTGOING_COLUMNS = (
    Column("Số, ký hiệu văn bản", 14, "C"),
    Column("Ngày tháng văn bản", 11, "C"),
    Column("Tên loại và trích yếu nội dung văn bản", 27),
    Column("Người ký", 14),
    Column("Nơi nhận văn bản", 20),
    Column("Đơn vị, người nhận bản lưu", 14),
    Column("Số lượng bản", 7, "C"),
    Column("Ngày chuyển", 11, "C"),
    Column("Ký nhận", 8),
    Column("Ghi chú", 9),
)
STATE_NOTES = {"recalled": "Đã thu hồi", "replaced": "Đã được thay thế"}


def _notes(doc: OutgoingDocument) -> str:
    notes = []
    if doc.urgency > Urgency.NORMAL:
        notes.append(URGENCY_LABELS[Urgency(doc.urgency)])
    if doc.confidentiality > Confidentiality.NORMAL:
        notes.append(CONFIDENTIALITY_LABELS[Confidentiality(doc.confidentiality)])
    if doc.state in STATE_NOTES:
        notes.append(STATE_NOTES[doc.state])
    if doc.replaces is not None:
        notes.append(f"Thay thế văn bản {doc.replaces.number_notation}")
    return "; ".join(notes)


def outgoing_register(session: Session, actor: User, period: Period) -> Register:
    """The issued documents of the period the actor may open, in order of issue."""
    require(actor, "outgoing.export_register")
    doc = OutgoingDocument
    docs = session.scalars(
        select(doc)
        .where(
            doc.organisation_id == actor.organisation_id,
            doc.state.in_(OUTGOING_ISSUED),
            doc.issued_date >= period.start,
            doc.issued_date <= period.end,
            visible_outgoing(actor),
        )
        .order_by(doc.issued_date, doc.issued_at, doc.id)
        .options(selectinload(doc.recipients), selectinload(doc.signer))
    ).all()
    rows: list[tuple[reports.model.Cell, ...]] = []
    for d in docs:
        signer = d.signer.full_name + (f" ({d.signer.position})" if d.signer.position else "")
        rows.append(
            (
                d.number_notation,
                d.issued_date,
                f"{type_name(d.doc_type)}: {d.subject}",
                signer,
                "\n".join(r.name for r in d.recipients),
                f"Văn thư; {d.department.name}",
                len(d.recipients) + 2,  # one per recipient, plus the clerk's and the unit's copies
                d.issued_date,
                "",
                _notes(d),
            )
        )
    org = actor.organisation
    years = sorted({period.start.year, period.end.year})
    cover = Cover(
        parent_name=org.parent.name if org.parent else "",
        org_name=org.name,
        title=("SỔ ĐĂNG KÝ VĂN BẢN ĐI",),
        year=" - ".join(str(y) for y in years),
        date_from=period.start,
        date_to=period.end,
        number_from=docs[0].number_notation if docs else None,
        number_to=docs[-1].number_notation if docs else None,
    )
    return Register("outgoing", "Sổ đăng ký văn bản đi", cover, OUTGOING_COLUMNS, rows)


def export_outgoing_register(session: Session, actor: User, period: Period, fmt: str) -> Export:
    register = outgoing_register(session, actor, period)
    content = (reports.register_xlsx if fmt == "xlsx" else reports.register_pdf)(register)
    name = f"so-di_{period.start:%Y%m%d}-{period.end:%Y%m%d}.{fmt}"
    return Export(name, FORMATS[fmt], content)
