"""Registers and slips as PDF (fpdf2) with an embedded Unicode serif font.

FreeSerif (GNU FreeFont, GPL with the font exception) is shipped in `fonts/`: it is
metric-compatible in spirit with Times, which Decree 30 prescribes, and covers every
Vietnamese letter; fpdf2 embeds only the glyphs used.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import Align, TableHeadingsDisplay, VAlign, XPos, YPos
from fpdf.fonts import FontFace

from .model import Cell, Cover, Register, Slip

FONT_DIR = Path(__file__).with_name("fonts")
FAMILY = "Serif"


def _nfc(text: str) -> str:
    # Decomposed input (combining accents) would print as separate marks.
    return unicodedata.normalize("NFC", text)


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return _nfc(str(value))


class _Document(FPDF):
    """A4 with the shipped font and "Trang x/y" in the footer (except on the cover)."""

    def __init__(self, orientation: str, footer_from_page: int = 1) -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        for style, name in (("", "FreeSerif"), ("B", "FreeSerifBold"), ("I", "FreeSerifItalic")):
            self.add_font(FAMILY, style, str(FONT_DIR / f"{name}.ttf"))
        self.footer_from_page = footer_from_page
        self.set_creator("VanThu")
        self.set_font(FAMILY, size=12)

    def footer(self) -> None:
        if self.page_no() < self.footer_from_page:
            return
        self.set_y(-12)
        self.set_font(FAMILY, size=10)
        self.cell(0, 6, f"Trang {self.page_no()}/{{nb}}", align="C")


def _centered(pdf: FPDF, text: str, size: float, style: str = "", gap: float = 0) -> None:
    pdf.set_font(FAMILY, style, size)
    pdf.multi_cell(0, size * 0.5, _nfc(text), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if gap:
        pdf.ln(gap)


def _rule(pdf: FPDF, width: float, x_center: float | None = None, gap: float = 1) -> None:
    center = x_center if x_center is not None else pdf.l_margin + pdf.epw / 2
    y = pdf.get_y() + gap
    pdf.set_line_width(0.3)
    pdf.line(center - width / 2, y, center + width / 2, y)
    pdf.set_y(y + 2)


def _cover(pdf: FPDF, cover: Cover) -> None:
    pdf.add_page()
    pdf.set_y(25)
    if cover.parent_name:
        _centered(pdf, cover.parent_name.upper(), 13)
    _centered(pdf, cover.org_name.upper(), 13, "B")
    _rule(pdf, 40)
    pdf.set_y(pdf.get_y() + 30)
    for line in cover.title:
        _centered(pdf, line, 24, "B", gap=2)
    pdf.ln(14)
    _centered(pdf, f"Năm: {cover.year}", 14, gap=3)
    _centered(
        pdf, f"Từ ngày {cover.date_from:%d/%m/%Y} đến ngày {cover.date_to:%d/%m/%Y}", 14, gap=3
    )
    if cover.show_numbers:
        _centered(
            pdf, f"Từ số {cover.number_from or '……'} đến số {cover.number_to or '……'}", 14, gap=3
        )
    _centered(pdf, "Quyển số: ……", 14)


def register_pdf(register: Register) -> bytes:
    """Landscape A4: the cover, then the table with its two header rows on every page."""
    pdf = _Document("L", footer_from_page=2)
    pdf.set_margins(20, 15, 15)
    pdf.set_auto_page_break(True, margin=15)
    _cover(pdf, register.cover)
    pdf.add_page()
    pdf.set_font(FAMILY, size=10)
    columns = register.columns
    align: Any = tuple(c.align for c in columns)
    plain = FontFace(emphasis="NONE")
    with pdf.table(
        col_widths=tuple(c.width for c in columns),
        width=pdf.epw,
        text_align=align,
        v_align=VAlign.T,
        num_heading_rows=2,
        repeat_headings=TableHeadingsDisplay.ON_TOP_OF_EVERY_PAGE,
        headings_style=FontFace(emphasis="BOLD"),
        line_height=5,
        padding=1,
    ) as table:
        heading = table.row()
        for column in columns:
            heading.cell(_nfc(column.title), align=Align.C, v_align=VAlign.M)
        numbers = table.row()
        for i in range(1, len(columns) + 1):
            numbers.cell(f"({i})", align=Align.C, style=plain)
        for values in register.rows:
            row = table.row()
            for value in values:
                row.cell(_text(value))
    return bytes(pdf.output())


def _header(
    pdf: FPDF, parent_name: str | None, org_name: str, date_line: str, notation: str = ""
) -> None:
    """The two header blocks of Appendix I: the issuing body (with the number) on the left,
    the national title and the place and date on the right."""
    # The national title fits on one line at 12 pt only with thin cell margins.
    cell_margin, pdf.c_margin = pdf.c_margin, 0.5
    right_w = 90.0
    left_w = pdf.epw - right_w
    top = pdf.get_y()
    left_x, right_x = pdf.l_margin, pdf.l_margin + left_w

    pdf.set_xy(left_x, top)
    if parent_name:
        pdf.set_font(FAMILY, "", 12)
        pdf.multi_cell(left_w, 5.5, _nfc(parent_name.upper()), align="C", new_x=XPos.LEFT)
    pdf.set_font(FAMILY, "B", 12)
    pdf.multi_cell(left_w, 5.5, _nfc(org_name.upper()), align="C", new_x=XPos.LEFT)
    _rule(pdf, 25, left_x + left_w / 2)
    if notation:
        pdf.set_x(left_x)
        pdf.set_font(FAMILY, "", 13)
        pdf.multi_cell(left_w, 6, _nfc(f"Số: {notation}"), align="C", new_x=XPos.LEFT)
    left_bottom = pdf.get_y()

    pdf.set_xy(right_x, top)
    pdf.set_font(FAMILY, "B", 12)
    pdf.multi_cell(right_w, 5.5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C", new_x=XPos.LEFT)
    pdf.set_font(FAMILY, "B", 13)
    pdf.multi_cell(right_w, 6, "Độc lập - Tự do - Hạnh phúc", align="C", new_x=XPos.LEFT)
    _rule(pdf, 50, right_x + right_w / 2)
    pdf.set_x(right_x)
    pdf.set_font(FAMILY, "I", 13)
    pdf.multi_cell(right_w, 6, _nfc(date_line), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(left_bottom, pdf.get_y()) + 8)
    pdf.c_margin = cell_margin


def letter_pdf(
    org_name: str,
    notation: str,
    place_and_date: str,
    title: str,
    subject: str,
    paragraphs: list[str],
    signer_position: str,
    signer_name: str,
) -> bytes:
    """A plain administrative document in the Decree 30 layout, with a text layer (used for
    the demo installation's sample documents)."""
    pdf = _Document("P", footer_from_page=2)
    pdf.set_margins(30, 20, 15)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    _header(pdf, None, org_name, place_and_date, notation)
    if title:
        _centered(pdf, title.upper(), 14, "B")
    _centered(pdf, subject, 14, "B", gap=4)
    pdf.set_font(FAMILY, "", 14)
    for text in paragraphs:
        pdf.multi_cell(
            0, 7, _nfc("        " + text), align="J", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        pdf.ln(2)
    pdf.ln(6)
    x = pdf.l_margin + pdf.epw / 2
    for line, style in ((signer_position.upper(), "B"), ("", ""), ("", ""), (signer_name, "B")):
        pdf.set_x(x)
        pdf.set_font(FAMILY, style, 14)
        pdf.multi_cell(pdf.epw / 2, 7, _nfc(line), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def slip_pdf(slip: Slip) -> bytes:
    """Portrait A4 following the form of Appendix IV, VII."""
    pdf = _Document("P", footer_from_page=2)
    # Close to the Decree 30 page margins; 25 mm on the left keeps the two header blocks
    # (both 12 pt at least, Appendix I) apart on one line each.
    pdf.set_margins(25, 20, 15)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    dated = slip.dated
    _header(
        pdf,
        slip.parent_name,
        slip.org_name,
        f"……, ngày {dated.day:02d} tháng {dated.month:02d} năm {dated.year}",
    )

    _centered(pdf, "PHIẾU GIẢI QUYẾT VĂN BẢN ĐẾN", 14, "B", gap=1)
    pdf.set_font(FAMILY, "I", 13)
    pdf.multi_cell(0, 6, f"({_nfc(slip.identity)})", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _rule(pdf, 30, gap=2)
    pdf.set_font(FAMILY, "", 13)
    pdf.multi_cell(0, 6, _nfc(slip.arrival), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)

    for section in slip.sections:
        pdf.set_font(FAMILY, "B", 13)
        pdf.multi_cell(0, 6.5, _nfc(section.heading), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FAMILY, "", 13)
        for line in section.lines or ("……………………………………………………………",):
            pdf.multi_cell(0, 6.5, _nfc(line), align="J", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)

    if slip.timeline:
        pdf.set_font(FAMILY, "B", 13)
        pdf.multi_cell(0, 6.5, "Quá trình giải quyết", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FAMILY, "", 10.5)
        with pdf.table(
            col_widths=(24, 36, 32, 78),
            width=pdf.epw,
            text_align=("C", "L", "L", "L"),
            v_align=VAlign.T,
            repeat_headings=TableHeadingsDisplay.ON_TOP_OF_EVERY_PAGE,
            headings_style=FontFace(emphasis="BOLD"),
            line_height=4.8,
            padding=1,
        ) as table:
            heading = table.row()
            for title in ("Thời gian", "Người thực hiện", "Bước", "Nội dung"):
                heading.cell(title, align=Align.C)
            for values in slip.timeline:
                row = table.row()
                for value in values:
                    row.cell(_nfc(value))
    return bytes(pdf.output())
