"""Document types (Decree 30, Appendix III), urgency, confidentiality and delivery channels."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Mapped


@dataclass(frozen=True)
class DocType:
    """One kind of document of Appendix III."""

    code: str
    """Stable identifier stored in the database (ASCII)."""
    name: str
    """Vietnamese name (tên loại)."""
    abbreviation: str
    """Abbreviation used in notations; empty for công văn and thư công."""


DOC_TYPES: tuple[DocType, ...] = (
    DocType("NQ", "Nghị quyết", "NQ"),
    DocType("QD", "Quyết định", "QĐ"),
    DocType("CT", "Chỉ thị", "CT"),
    DocType("QC", "Quy chế", "QC"),
    DocType("QYD", "Quy định", "QyĐ"),
    DocType("TC", "Thông cáo", "TC"),
    DocType("TB", "Thông báo", "TB"),
    DocType("HD", "Hướng dẫn", "HD"),
    DocType("CTR", "Chương trình", "CTr"),
    DocType("KH", "Kế hoạch", "KH"),
    DocType("PA", "Phương án", "PA"),
    DocType("DEA", "Đề án", "ĐA"),
    DocType("DA", "Dự án", "DA"),
    DocType("BC", "Báo cáo", "BC"),
    DocType("BB", "Biên bản", "BB"),
    DocType("TTR", "Tờ trình", "TTr"),
    DocType("HDG", "Hợp đồng", "HĐ"),
    DocType("CD", "Công điện", "CĐ"),
    DocType("BGN", "Bản ghi nhớ", "BGN"),
    DocType("BTT", "Bản thỏa thuận", "BTT"),
    DocType("GUQ", "Giấy ủy quyền", "GUQ"),
    DocType("GM", "Giấy mời", "GM"),
    DocType("GGT", "Giấy giới thiệu", "GGT"),
    DocType("GNP", "Giấy nghỉ phép", "GNP"),
    DocType("PG", "Phiếu gửi", "PG"),
    DocType("PC", "Phiếu chuyển", "PC"),
    DocType("PB", "Phiếu báo", "PB"),
    DocType("CV", "Công văn", ""),
    DocType("THC", "Thư công", ""),
    DocType("SY", "Bản sao y", "SY"),
    DocType("TRS", "Bản trích sao", "TrS"),
    DocType("SL", "Bản sao lục", "SL"),
)
DOC_TYPES_BY_CODE = {t.code: t for t in DOC_TYPES}


class Urgency(enum.IntEnum):
    """Độ khẩn; the value is the edXML Priority."""

    NORMAL = 0
    URGENT = 1
    VERY_URGENT = 2
    FLASH = 3
    FLASH_TIMED = 4


URGENCY_LABELS = {
    Urgency.NORMAL: "Thường",
    Urgency.URGENT: "Khẩn",
    Urgency.VERY_URGENT: "Thượng khẩn",
    Urgency.FLASH: "Hỏa tốc",
    Urgency.FLASH_TIMED: "Hỏa tốc hẹn giờ",
}


class Confidentiality(enum.IntEnum):
    """Độ mật; anything above NORMAL is secret."""

    NORMAL = 0
    CONFIDENTIAL = 1
    SECRET = 2
    TOP_SECRET = 3


CONFIDENTIALITY_LABELS = {
    Confidentiality.NORMAL: "Thường",
    Confidentiality.CONFIDENTIAL: "Mật",
    Confidentiality.SECRET: "Tối mật",
    Confidentiality.TOP_SECRET: "Tuyệt mật",
}


class Marked:
    """Urgency and confidentiality flags of a document (incoming or outgoing)."""

    if TYPE_CHECKING:
        urgency: Mapped[int]
        confidentiality: Mapped[int]

    @property
    def is_secret(self) -> bool:
        return self.confidentiality > Confidentiality.NORMAL

    @property
    def is_urgent(self) -> bool:
        return self.urgency > Urgency.NORMAL


class ReceivedVia(enum.StrEnum):
    PAPER = "paper"
    EMAIL = "email"
    POST = "post"
    EXCHANGE = "exchange"


RECEIVED_VIA_LABELS = {
    ReceivedVia.PAPER: "Bản giấy",
    ReceivedVia.EMAIL: "Thư điện tử",
    ReceivedVia.POST: "Bưu chính",
    ReceivedVia.EXCHANGE: "Trục liên thông",
}
