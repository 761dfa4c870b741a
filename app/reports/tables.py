"""Statistical reports: a heading and a few titled tables, written as XLSX or PDF."""

from __future__ import annotations

import io
from dataclasses import dataclass

from fpdf.enums import Align, TableHeadingsDisplay, VAlign, XPos, YPos
from fpdf.fonts import FontFace
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .model import Cell, Column
from .pdf import FAMILY, _centered, _Document, _nfc, _text
from .xlsx import BOX, FONT, _print_setup
from .xlsx import _nfc as _xlsx_nfc


@dataclass(frozen=True)
class Table:
    """One titled table of a report."""

    title: str
    """Heading printed above the table."""
    columns: tuple[Column, ...]
    """Column headings and relative widths."""
    rows: tuple[tuple[Cell | float, ...], ...]
    """Values; numbers stay numbers in the spreadsheet."""


@dataclass(frozen=True)
class TableReport:
    """A report: who issues it, its title and period lines, and its tables."""

    org_name: str
    """Organisation printed at the top."""
    title: str
    """Report title, e.g. "BÁO CÁO TÌNH HÌNH XỬ LÝ VĂN BẢN ĐẾN"."""
    subtitle: tuple[str, ...]
    """Lines under the title: scope, period."""
    tables: tuple[Table, ...]
    """The tables, in order."""
    sheet_name: str = "Báo cáo"
    """Name of the spreadsheet sheet (≤ 31 characters)."""


def _value(value: Cell | float) -> Cell | float:
    return _xlsx_nfc(value) if not isinstance(value, float) else value


def tables_xlsx(report: TableReport) -> bytes:
    """One sheet: the heading lines, then each table with its title and column headings."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = report.sheet_name[:31]
    span = max(len(t.columns) for t in report.tables)
    row = 1
    for text, font in (
        (report.org_name.upper(), Font(name=FONT, size=12, bold=True)),
        (report.title, Font(name=FONT, size=14, bold=True)),
        *((line, Font(name=FONT, size=12, italic=True)) for line in report.subtitle),
    ):
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=span)
        cell = ws.cell(row=row, column=1, value=_xlsx_nfc(text))
        cell.font, cell.alignment = font, Alignment(horizontal="center", wrap_text=True)
        row += 1
    head, body = Font(name=FONT, size=12, bold=True), Font(name=FONT, size=12)
    widths = [12.0] * span
    for table in report.tables:
        row += 1
        ws.cell(row=row, column=1, value=_xlsx_nfc(table.title)).font = head
        row += 1
        for c, column in enumerate(table.columns, start=1):
            cell = ws.cell(row=row, column=c, value=_xlsx_nfc(column.title))
            cell.font, cell.border = head, BOX
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            widths[c - 1] = max(widths[c - 1], column.width)
        for values in table.rows:
            row += 1
            for c, (column, value) in enumerate(zip(table.columns, values, strict=True), start=1):
                cell = ws.cell(row=row, column=c, value=_value(value))
                cell.font, cell.border = body, BOX
                horizontal = {"L": "left", "C": "center", "R": "right"}[column.align]
                cell.alignment = Alignment(horizontal=horizontal, vertical="top", wrap_text=True)
        row += 1
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    _print_setup(ws)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def tables_pdf(report: TableReport) -> bytes:
    """Landscape A4 with the embedded Vietnamese font; headings repeat on every page."""
    pdf = _Document("L")
    pdf.set_margins(20, 15, 15)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    _centered(pdf, report.org_name.upper(), 12, "B", gap=4)
    _centered(pdf, report.title, 15, "B", gap=1)
    for line in report.subtitle:
        _centered(pdf, line, 12, "I")
    for table in report.tables:
        pdf.ln(5)
        pdf.set_font(FAMILY, "B", 12)
        pdf.multi_cell(0, 6, _nfc(table.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FAMILY, "", 10.5)
        aligns = tuple(c.align for c in table.columns)
        with pdf.table(
            col_widths=tuple(c.width for c in table.columns),
            width=pdf.epw,
            text_align=aligns,  # type: ignore[arg-type]
            v_align=VAlign.T,
            repeat_headings=TableHeadingsDisplay.ON_TOP_OF_EVERY_PAGE,
            headings_style=FontFace(emphasis="BOLD"),
            line_height=5,
            padding=1,
        ) as grid:
            heading = grid.row()
            for column in table.columns:
                heading.cell(_nfc(column.title), align=Align.C, v_align=VAlign.M)
            for values in table.rows:
                cells = grid.row()
                for value in values:
                    cells.cell(_number(value) if isinstance(value, float) else _text(value))
    return bytes(pdf.output())


def _number(value: float) -> str:
    # Vietnamese decimal comma: 7,25
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")
