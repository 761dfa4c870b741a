"""The processing report as XLSX and PDF: Vietnamese headings, the same figures as the JSON."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.domain.doctypes import DOC_TYPES_BY_CODE
from app.domain.models import User
from app.reports.model import Cell, Column
from app.reports.tables import Table, TableReport, tables_pdf, tables_xlsx

from .registers import FORMATS, Export
from .statistics import Figures, ProcessingReport, ReportPeriod, Scope, processing_report

TITLE = "BÁO CÁO TÌNH HÌNH TIẾP NHẬN, GIẢI QUYẾT VĂN BẢN ĐẾN"
FIGURE_COLUMNS = (
    Column("Tiếp nhận trong kỳ", 16, "R"),
    Column("Đã giải quyết đúng hạn", 18, "R"),
    Column("Đã giải quyết quá hạn", 18, "R"),
    Column("Đang giải quyết trong hạn", 18, "R"),
    Column("Đang giải quyết quá hạn", 18, "R"),
    Column("Tỷ lệ đúng hạn", 14, "R"),
    Column("Thời gian xử lý bình quân (ngày làm việc)", 22, "R"),
)


def on_time_share(f: Figures) -> str:
    """ "3/5 (60,0%)": completed on time of all completed, as agencies publish it."""
    if not f.completed:
        return "–"
    percent = f"{100 * f.completed_on_time / f.completed:.1f}".replace(".", ",")
    return f"{f.completed_on_time}/{f.completed} ({percent}%)"


def _row(f: Figures, with_label: bool = True) -> tuple[Cell | float, ...]:
    values: tuple[Cell | float, ...] = (
        f.received,
        f.completed_on_time,
        f.completed_late,
        f.in_progress_on_time,
        f.in_progress_overdue,
        on_time_share(f),
        f.average_working_days if f.average_working_days is not None else "–",
    )
    return (f.label, *values) if with_label else values


def as_tables(report: ProcessingReport) -> TableReport:
    period = report.period
    subtitle = (
        report.scope_name,
        f"Từ ngày {period.start:%d/%m/%Y} đến ngày {period.end:%d/%m/%Y}",
    )
    totals = Table("I. Tổng hợp", FIGURE_COLUMNS, (_row(report.totals, with_label=False),))
    departments = Table(
        "II. Theo đơn vị chủ trì",
        (Column("Đơn vị", 40), *FIGURE_COLUMNS),
        tuple(_row(f) for f in report.by_department),
    )
    months = Table(
        "III. Theo tháng",
        (Column("Tháng", 20, "C"), *FIGURE_COLUMNS),
        tuple(_row(f) for f in report.by_month),
    )
    outgoing = Table(
        "IV. Văn bản đi đã ban hành theo loại",
        (Column("Loại văn bản", 60), Column("Số lượng", 20, "R")),
        tuple(
            (DOC_TYPES_BY_CODE[code].name if code in DOC_TYPES_BY_CODE else code, n)
            for code, n in report.outgoing_by_type
        )
        + (("Tổng cộng", sum(n for _c, n in report.outgoing_by_type)),),
    )
    return TableReport(
        org_name=report.organisation_name,
        title=TITLE,
        subtitle=subtitle,
        tables=(totals, departments, months, outgoing),
    )


def export_report(
    session: Session, actor: User, scope: Scope, period: ReportPeriod, fmt: str
) -> Export:
    """The processing report of `scope` for `period` as an XLSX or PDF file."""
    tables = as_tables(processing_report(session, actor, scope, period))
    content = (tables_xlsx if fmt == "xlsx" else tables_pdf)(tables)
    suffix = f"_dv{scope.department_id}" if scope.department_id else ""
    name = f"bao-cao-xu-ly-van-ban{suffix}_{period.start:%Y%m%d}-{period.end:%Y%m%d}.{fmt}"
    return Export(name, FORMATS[fmt], content)
