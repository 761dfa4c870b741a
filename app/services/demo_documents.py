"""Sample documents for the demo installation, put through the real services.

Each sample stops at a different step, so every demo person has something waiting: the clerk
a document to present, the director one to direct, the head of department one to assign, the
officer one to handle and a draft of their own. Loaded once: nothing is added when the demo
organisation already has documents.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.clock import today_vn
from app.domain.doctypes import DOC_TYPES_BY_CODE, Confidentiality, ReceivedVia, Urgency
from app.domain.incoming import IncomingDocument
from app.domain.models import User
from app.reports.pdf import letter_pdf
from signing.sign import format_issue_date
from storage import ObjectStore

from . import incoming, outgoing
from .files import Upload
from .incoming_input import Direction, Registration, UnitRouting
from .outgoing_input import Draft


@dataclass(frozen=True)
class Sample:
    doc_type: str
    notation: str
    issuing_org: str
    subject: str
    paragraphs: tuple[str, ...]
    signer_position: str
    signer_name: str
    urgency: Urgency
    step: int
    """How far it goes: 0 registered, 1 presented, 2 directed, 3 assigned, 4 in progress."""


SAMPLES = (
    Sample(
        "GM",
        "215/GM-UBND",
        "Ủy ban nhân dân tỉnh Cao Bằng",
        "Họp trực tuyến triển khai kế hoạch chuyển đổi số năm 2027",
        (
            "Ủy ban nhân dân tỉnh trân trọng kính mời lãnh đạo các sở, ban, ngành dự họp "
            "trực tuyến triển khai kế hoạch chuyển đổi số năm 2027.",
            "Thời gian: 8 giờ 00, thứ Hai tuần sau. Địa điểm: điểm cầu tại trụ sở cơ quan.",
        ),
        "TL. Chủ tịch - Chánh Văn phòng",
        "Nông Văn Thắng",
        Urgency.NORMAL,
        0,
    ),
    Sample(
        "CV",
        "1032/UBND-KGVX",
        "Ủy ban nhân dân tỉnh Cao Bằng",
        "V/v báo cáo kết quả ứng dụng công nghệ thông tin năm 2026",
        (
            "Để có cơ sở tổng hợp, báo cáo Bộ Khoa học và Công nghệ, Ủy ban nhân dân tỉnh "
            "đề nghị Sở Khoa học và Công nghệ báo cáo kết quả ứng dụng công nghệ thông tin, "
            "chữ ký số và văn bản điện tử trong năm 2026.",
            "Báo cáo gửi về Ủy ban nhân dân tỉnh trước ngày 15 tháng 12 năm 2026.",
        ),
        "KT. Chủ tịch - Phó Chủ tịch",
        "Lê Thị Hồng",
        Urgency.URGENT,
        1,
    ),
    Sample(
        "QD",
        "2210/QĐ-UBND",
        "Ủy ban nhân dân tỉnh Cao Bằng",
        "Phê duyệt danh mục nhiệm vụ khoa học và công nghệ cấp tỉnh năm 2027",
        (
            "Căn cứ Luật Tổ chức chính quyền địa phương; căn cứ Luật Khoa học, công nghệ và "
            "đổi mới sáng tạo; xét đề nghị của Giám đốc Sở Khoa học và Công nghệ.",
            "Điều 1. Phê duyệt danh mục nhiệm vụ khoa học và công nghệ cấp tỉnh năm 2027.",
            "Điều 2. Sở Khoa học và Công nghệ tổ chức tuyển chọn, giao trực tiếp theo quy định.",
        ),
        "Chủ tịch",
        "Hoàng Văn Đức",
        Urgency.NORMAL,
        2,
    ),
    Sample(
        "KH",
        "87/KH-BKHCN",
        "Bộ Khoa học và Công nghệ",
        "Kiểm tra việc thực hiện nhiệm vụ khoa học và công nghệ tại địa phương",
        (
            "Bộ Khoa học và Công nghệ ban hành kế hoạch kiểm tra việc thực hiện các nhiệm vụ "
            "khoa học và công nghệ sử dụng ngân sách nhà nước tại địa phương.",
            "Đề nghị Sở chuẩn bị hồ sơ, số liệu theo đề cương kèm theo.",
        ),
        "KT. Bộ trưởng - Thứ trưởng",
        "Trần Minh Quân",
        Urgency.NORMAL,
        3,
    ),
    Sample(
        "TB",
        "56/TB-STC",
        "Sở Tài chính tỉnh Cao Bằng",
        "Kết quả thẩm định dự toán kinh phí sự nghiệp khoa học năm 2027",
        (
            "Sở Tài chính thông báo kết quả thẩm định dự toán kinh phí sự nghiệp khoa học "
            "và công nghệ năm 2027 của Sở Khoa học và Công nghệ.",
        ),
        "Giám đốc",
        "Phạm Thu Trang",
        Urgency.NORMAL,
        4,
    ),
)


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise LookupError(f"demo user {username} is missing; load the demo people first")
    return user


def _title(doc_type: str) -> str:
    """The type name printed above the subject; a công văn has none (Appendix I)."""
    kind = DOC_TYPES_BY_CODE[doc_type]
    return kind.name if kind.abbreviation else ""


def _pdf(sample: Sample, dated: date) -> bytes:
    return letter_pdf(
        sample.issuing_org,
        sample.notation,
        format_issue_date(dated, "Cao Bằng"),
        _title(sample.doc_type),
        sample.subject,
        list(sample.paragraphs),
        sample.signer_position,
        sample.signer_name,
    )


def load_demo_documents(session: Session, store: ObjectStore) -> int:
    """Register the sample incoming documents and an outgoing draft; return how many."""
    clerk, leader = _user(session, "vanthu"), _user(session, "giamdoc")
    head, officer = _user(session, "truongphong"), _user(session, "chuyenvien")
    existing = session.scalar(
        select(func.count())
        .select_from(IncomingDocument)
        .where(IncomingDocument.organisation_id == clerk.organisation_id)
    )
    if existing:
        return 0
    today = today_vn()
    deadline = today + timedelta(days=14)
    for sample in SAMPLES:
        issued = today - timedelta(days=2)
        data = Registration(
            doc_type=sample.doc_type,
            number_notation=sample.notation,
            issued_date=issued,
            issuing_org=sample.issuing_org,
            subject=sample.subject,
            signer_name=sample.signer_name,
            signer_position=sample.signer_position,
            urgency=sample.urgency,
            confidentiality=Confidentiality.NORMAL,
            page_count=None,
            reply_due=None,
            received_via=ReceivedVia.EMAIL if sample.step % 2 else ReceivedVia.POST,
        )
        upload = Upload(
            f"{sample.notation.replace('/', '-')}.pdf", io.BytesIO(_pdf(sample, issued))
        )
        doc = incoming.register(session, clerk, data, upload, [], store, []).document
        if sample.step >= 1:
            incoming.submit(session, clerk, doc, leader.id, "Kính trình Giám đốc cho ý kiến.")
        if sample.step >= 2:
            units = (UnitRouting(head.department_id or 0, "lead", deadline),)
            text = "Giao Phòng Quản lý khoa học chủ trì, tham mưu thực hiện."
            incoming.direct(session, leader, doc, Direction(units, text))
        if sample.step >= 3:
            incoming.assign(session, head, doc, [officer.id], deadline, "Đồng chí Cúc xử lý.")
        if sample.step >= 4:
            incoming.record_progress(session, officer, doc, "Đã tổng hợp số liệu, đang dự thảo.")
    reply = Draft(
        doc_type="BC",
        subject="Báo cáo kết quả ứng dụng công nghệ thông tin năm 2026",
        urgency=Urgency.NORMAL,
        confidentiality=Confidentiality.NORMAL,
        signer_id=leader.id,
        legal_normative=False,
        answers_incoming_id=None,
        recipients=None,
    )
    pdf = letter_pdf(
        "Sở Khoa học và Công nghệ tỉnh Cao Bằng",
        "      /BC-SKHCN",
        "Cao Bằng, ngày      tháng      năm",
        _title(reply.doc_type),
        reply.subject,
        [
            "Thực hiện Công văn số 1032/UBND-KGVX của Ủy ban nhân dân tỉnh, Sở Khoa học và "
            "Công nghệ báo cáo kết quả ứng dụng công nghệ thông tin năm 2026 như sau.",
        ],
        "Giám đốc",
        leader.full_name,
    )
    outgoing.create_draft(
        session, officer, reply, Upload("du-thao-bao-cao.pdf", io.BytesIO(pdf)), None, [], store
    )
    return len(SAMPLES) + 1
