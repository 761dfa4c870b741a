"""Value objects of a register (cover, columns, rows) and of a processing slip."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

Cell = str | int | date | None


@dataclass(frozen=True)
class Column:
    """One column of a register, as printed in Appendix IV."""

    title: str
    """Heading, Vietnamese as in the decree."""
    width: float
    """Relative width (the writers scale it to the page)."""
    align: str = "L"
    """Alignment of the values: L, C or R."""


@dataclass(frozen=True)
class Cover:
    """The cover page (bìa và trang đầu) of a register."""

    parent_name: str
    """Tên cơ quan chủ quản trực tiếp; empty for a top-level organisation."""
    org_name: str
    """Tên cơ quan/đơn vị."""
    title: tuple[str, ...]
    """Title lines, e.g. ("SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",)."""
    year: str
    """Năm: one year, or "2025 - 2026" for a period across New Year."""
    date_from: date
    """Từ ngày."""
    date_to: date
    """Đến ngày."""
    number_from: str | None = None
    """Từ số; None when the register has no number range (follow-up register)."""
    number_to: str | None = None
    """Đến số."""
    show_numbers: bool = True
    """Whether the form has a "Từ số … đến số …" line."""


@dataclass(frozen=True)
class Register:
    """A register for a period: the cover, the columns and one row per document."""

    kind: str
    """incoming | follow-up."""
    sheet_name: str
    """Name of the register sheet (≤ 31 characters)."""
    cover: Cover
    """The cover data."""
    columns: tuple[Column, ...]
    """The columns of the appendix, in order."""
    rows: list[tuple[Cell, ...]] = field(default_factory=list)
    """Values; dates stay dates so spreadsheets can sort them."""


@dataclass(frozen=True)
class SlipSection:
    """A numbered part of the slip: a heading and its lines."""

    heading: str
    """e.g. "1. Ý kiến của lãnh đạo cơ quan, tổ chức"."""
    lines: tuple[str, ...]
    """Paragraphs, each printed on its own line(s)."""


@dataclass(frozen=True)
class Slip:
    """Phiếu giải quyết văn bản đến (Appendix IV, VII) for one document."""

    parent_name: str
    """Tên cơ quan chủ quản trực tiếp; may be empty."""
    org_name: str
    """Tên cơ quan, tổ chức."""
    dated: date
    """Date printed in the place-and-date line."""
    identity: str
    """Tên loại; số và ký hiệu; ngày tháng; cơ quan ban hành và trích yếu."""
    arrival: str
    """Số đến, ngày đến, độ khẩn, độ mật."""
    sections: tuple[SlipSection, ...]
    """The numbered parts of the form."""
    timeline: tuple[tuple[str, str, str, str], ...]
    """(time, person, step, comment) of every step so far."""
