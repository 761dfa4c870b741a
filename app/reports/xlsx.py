"""Registers as XLSX workbooks (openpyxl): a cover sheet and the register sheet."""

from __future__ import annotations

import io
import unicodedata
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .model import Cell, Cover, Register

FONT = "Times New Roman"  # Decree 30, Appendix I: Times New Roman, Unicode TCVN 6909:2001
DATE_FORMAT = "DD/MM/YYYY"
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
# Relative column widths are scaled so the table fills a landscape A4 page at 100 %.
TOTAL_WIDTH = 150


def _nfc(value: Cell) -> Cell:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _print_setup(ws: Worksheet) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left, ws.page_margins.right = 0.8, 0.6
    ws.page_margins.top, ws.page_margins.bottom = 0.6, 0.6
    ws.print_options.horizontalCentered = True


def _cover(ws: Worksheet, cover: Cover, span: int) -> None:
    lines: list[tuple[str, Font]] = []
    if cover.parent_name:
        lines.append((cover.parent_name.upper(), Font(name=FONT, size=13)))
    lines.append((cover.org_name.upper(), Font(name=FONT, size=13, bold=True)))
    lines.append(("", Font(name=FONT)))
    for title in cover.title:
        lines.append((title, Font(name=FONT, size=20, bold=True)))
    lines.append(("", Font(name=FONT)))
    lines.append((f"Năm: {cover.year}", Font(name=FONT, size=14)))
    lines.append(
        (
            f"Từ ngày {cover.date_from:%d/%m/%Y} đến ngày {cover.date_to:%d/%m/%Y}",
            Font(name=FONT, size=14),
        )
    )
    if cover.show_numbers:
        lines.append(
            (
                f"Từ số {cover.number_from or '……'} đến số {cover.number_to or '……'}",
                Font(name=FONT, size=14),
            )
        )
    lines.append(("Quyển số: ……", Font(name=FONT, size=14)))
    last = get_column_letter(span)
    for row, (text, font) in enumerate(lines, start=2):
        ws.merge_cells(f"A{row}:{last}{row}")
        cell = ws.cell(row=row, column=1, value=_nfc(text))
        cell.font = font
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.row_dimensions[row].height = 32 if font.sz and font.sz >= 20 else 22
    for col in range(1, span + 1):
        ws.column_dimensions[get_column_letter(col)].width = TOTAL_WIDTH / span
    _print_setup(ws)


def register_xlsx(register: Register) -> bytes:
    """The register as an XLSX file: sheet "Bìa" then the register with two header rows."""
    wb = Workbook()
    cover = wb.active
    assert cover is not None
    cover.title = "Bìa"
    columns = register.columns
    _cover(cover, register.cover, len(columns))

    ws = wb.create_sheet(register.sheet_name[:31])
    scale = TOTAL_WIDTH / sum(c.width for c in columns)
    head_font, body_font = Font(name=FONT, size=12, bold=True), Font(name=FONT, size=12)
    for i, column in enumerate(columns, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = round(column.width * scale, 1)
        title = ws.cell(row=1, column=i, value=column.title)
        number = ws.cell(row=2, column=i, value=f"({i})")
        for cell, font in ((title, head_font), (number, body_font)):
            cell.font, cell.border = font, BOX
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[1].height = 48
    for r, values in enumerate(register.rows, start=3):
        for c, (column, value) in enumerate(zip(columns, values, strict=True), start=1):
            cell = ws.cell(row=r, column=c, value=_nfc(value))
            cell.font, cell.border = body_font, BOX
            horizontal = {"L": "left", "C": "center", "R": "right"}[column.align]
            cell.alignment = Alignment(horizontal=horizontal, vertical="top", wrap_text=True)
            if isinstance(value, date):
                cell.number_format = DATE_FORMAT
    ws.freeze_panes = "A3"
    ws.print_title_rows = "1:2"
    _print_setup(ws)
    ws.oddFooter.center.text = "Trang &P/&N"
    ws.oddFooter.center.font = FONT
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
