"""Processing statistics on a hand-built history whose figures are known in advance.

Period 01/02/2026 – 31/03/2026; the demo calendar has Tết from Monday 16/02 to Friday 20/02.

doc  lead  arrival  deadline  history                                    Feb end    Mar end
A    QLKH  02/02    13/02     completed 13/02 06:00 VN (deadline day)     on time    –
B    QLKH  09/02    13/02     completed Sat 14/02 01:00 VN (13/02 UTC!)   late       –
C    KHTC  10/02    24/02     completed 24/02 (across Tết)                on time    –
D    KHTC  12/02    26/02     still open                                  overdue    overdue
E    QLKH  25/02    10/03     completed 05/03                             open ok    on time
F    –     03/03    –         submitted; directed to QLKH only on 01/04   –          open ok
G    –     05/02    –         returned to the sender                      –          –
H    QLKH  20/01    03/02     completed 04/02 (carried over)              late       –
I    QLKH  20/03    25/03     completed 02/04, after the period           –          overdue
J    KHTC  05/01    16/01     completed 15/01, before the period          –          –

Working days registration → completion: A 9, B 4, C 5 (Tết skipped), E 6, H 11.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.domain.clock import VN
from app.domain.errors import PermissionDenied
from app.domain.incoming import IncomingDocument, IncomingEvent, IncomingUnit
from app.domain.models import Department, Organisation, User
from app.domain.outgoing import OutgoingDocument
from app.services import statistics
from app.services.statistics import ReportPeriod, Scope

PERIOD = ReportPeriod(date(2026, 2, 1), date(2026, 3, 31))
KHTC_NAME = "Phòng Kế hoạch - Tài chính"
QLKH_NAME = "Phòng Quản lý khoa học"


def vn(day: str, hour: int = 9, minute: int = 0) -> datetime:
    d = date.fromisoformat(day)
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=VN)


class History:
    def __init__(self, db) -> None:
        self.db = db
        self.org = db.scalar(select(Organisation).where(Organisation.abbreviation == "SKHCN"))
        self.clerk = db.scalar(select(User).where(User.username == "vanthu"))
        self.leader = db.scalar(select(User).where(User.username == "giamdoc"))
        self.qlkh, self.khtc = (
            db.scalar(
                select(Department).where(
                    Department.organisation_id == self.org.id, Department.abbreviation == abbr
                )
            )
            for abbr in ("QLKH", "KHTC")
        )
        self.number = 0
        self.docs: dict[str, IncomingDocument] = {}

    def doc(
        self,
        key: str,
        arrival: str,
        *,
        lead: Department | None = None,
        directed: datetime | None = None,
        deadline: str | None = None,
        completed: datetime | None = None,
        returned: datetime | None = None,
        submitted: datetime | None = None,
    ) -> IncomingDocument:
        self.number += 1
        registered = vn(arrival, 8)
        d = IncomingDocument(
            organisation_id=self.org.id,
            year=int(arrival[:4]),
            arrival_number=self.number,
            arrival_date=date.fromisoformat(arrival),
            registered_at=registered,
            registered_by_id=self.clerk.id,
            doc_type="CV",
            number_notation=f"{self.number}/UBND-VP",
            issued_date=date.fromisoformat(arrival),
            issuing_org="UBND tỉnh",
            subject=f"Văn bản {key}",
            received_via="paper",
            state="registered",
            state_changed_at=registered,
            deadline=date.fromisoformat(deadline) if deadline else None,
        )
        events = [("register", "registered", "registered", registered)]
        if submitted or directed:
            events.append(("submit", "registered", "submitted", submitted or registered))
        if returned:
            events.append(("return", "registered", "returned", returned))
        if directed:
            d.directed_at, d.directed_by_id = directed, self.leader.id
            events.append(("direct", "submitted", "directed", directed))
            events.append(("assign", "directed", "in_progress", directed))
        if completed:
            d.completed_at = completed
            events.append(("complete", "in_progress", "completed", completed))
        d.state = events[-1][2]
        d.state_changed_at = events[-1][3]
        if lead is not None:
            d.units.append(IncomingUnit(department_id=lead.id, role="lead", deadline=d.deadline))
        for action, before, after, at in events:
            d.events.append(
                IncomingEvent(
                    at=at, actor_id=self.clerk.id, action=action, from_state=before, to_state=after
                )
            )
        self.db.add(d)
        self.db.flush()
        self.docs[key] = d
        return d

    def outgoing(self, doc_type: str, issued: datetime | None, number: int) -> None:
        self.db.add(
            OutgoingDocument(
                organisation_id=self.org.id,
                department_id=self.qlkh.id,
                drafted_by_id=self.clerk.id,
                doc_type=doc_type,
                subject="Văn bản đi",
                signer_id=self.leader.id,
                state="issued" if issued else "draft",
                series="admin",
                year=2026,
                number=number,
                issued_at=issued,
            )
        )


@pytest.fixture
def history(db, demo) -> History:
    h = History(db)
    q, k = h.qlkh, h.khtc
    h.doc(
        "A",
        "2026-02-02",
        lead=q,
        directed=vn("2026-02-03"),
        deadline="2026-02-13",
        completed=vn("2026-02-13", 6),
    )
    h.doc(
        "B",
        "2026-02-09",
        lead=q,
        directed=vn("2026-02-09", 10),
        deadline="2026-02-13",
        completed=vn("2026-02-14", 1),
    )
    h.doc(
        "C",
        "2026-02-10",
        lead=k,
        directed=vn("2026-02-10", 11),
        deadline="2026-02-24",
        completed=vn("2026-02-24", 15),
    )
    h.doc("D", "2026-02-12", lead=k, directed=vn("2026-02-12", 14), deadline="2026-02-26")
    h.doc(
        "E",
        "2026-02-25",
        lead=q,
        directed=vn("2026-02-25", 10),
        deadline="2026-03-10",
        completed=vn("2026-03-05", 10),
    )
    h.doc(
        "F",
        "2026-03-03",
        lead=q,
        submitted=vn("2026-03-03", 10),
        directed=vn("2026-04-01", 9),
        deadline="2026-04-15",
    )
    h.doc("G", "2026-02-05", returned=vn("2026-02-05", 10))
    h.doc(
        "H",
        "2026-01-20",
        lead=q,
        directed=vn("2026-01-21"),
        deadline="2026-02-03",
        completed=vn("2026-02-04", 16),
    )
    h.doc(
        "I",
        "2026-03-20",
        lead=q,
        directed=vn("2026-03-23"),
        deadline="2026-03-25",
        completed=vn("2026-04-02", 9),
    )
    h.doc(
        "J",
        "2026-01-05",
        lead=k,
        directed=vn("2026-01-06"),
        deadline="2026-01-16",
        completed=vn("2026-01-15"),
    )
    h.outgoing("QD", vn("2026-02-10", 10), 1)
    h.outgoing("CV", vn("2026-03-02", 10), 2)
    h.outgoing("CV", vn("2026-03-02", 11), 3)
    h.outgoing("QD", vn("2026-03-31", 23, 30), 4)  # 16:30 UTC: still 31/03 in Vietnam
    h.outgoing("TB", vn("2026-04-01", 0, 30), 5)  # 31/03 in UTC, but 01/04 in Vietnam
    h.outgoing("TB", None, 6)  # a draft
    h.outgoing("TB", vn("2026-01-30", 10), 7)  # before the period
    db.commit()
    return h


def figures(f: statistics.Figures) -> tuple:
    return (
        f.received,
        f.completed_on_time,
        f.completed_late,
        f.in_progress_on_time,
        f.in_progress_overdue,
        f.average_working_days,
    )


def test_organisation_figures_for_the_period(db, history) -> None:
    report = statistics.processing_report(db, history.leader, Scope(history.org.id), PERIOD)
    # received 8 (A B C D E F G I); on time A C E; late B H; open F; overdue D I.
    assert figures(report.totals) == (8, 3, 2, 1, 2, 7.0)  # (9+4+5+6+11)/5
    assert report.totals.completed == 5
    assert report.totals.handled == 8


def test_rows_per_department_count_for_the_lead_unit(db, history) -> None:
    report = statistics.processing_report(db, history.leader, Scope(history.org.id), PERIOD)
    rows = {r.label: figures(r) for r in report.by_department}
    assert rows == {
        QLKH_NAME: (4, 2, 2, 0, 1, 7.5),  # A B E I received; A E / B H; I overdue; 30/4
        KHTC_NAME: (2, 1, 0, 0, 1, 5.0),  # C D; C on time; D overdue
        statistics.NO_DEPARTMENT: (2, 0, 0, 1, 0, None),  # F (directed only in April), G
    }
    assert [r.label for r in report.by_department][-1] == statistics.NO_DEPARTMENT


def test_rows_per_month_give_the_state_at_each_month_end(db, history) -> None:
    report = statistics.processing_report(db, history.leader, Scope(history.org.id), PERIOD)
    assert [(r.label, figures(r)) for r in report.by_month] == [
        ("02/2026", (6, 2, 2, 1, 1, 7.25)),  # A C / B H; E open on time; D overdue; 29/4
        ("03/2026", (2, 1, 0, 1, 2, 6.0)),  # E on time; F open; D I overdue
    ]


def test_completed_on_the_deadline_day_is_on_time_and_the_day_is_vietnamese(db, history) -> None:
    a_only = ReportPeriod(date(2026, 2, 13), date(2026, 2, 14))
    report = statistics.processing_report(db, history.leader, Scope(history.org.id), a_only)
    # A at 06:00 on its deadline day: on time; B at 01:00 on Saturday (Friday in UTC): late.
    assert (report.totals.completed_on_time, report.totals.completed_late) == (1, 1)


def test_a_department_sees_only_its_own_documents(db, history) -> None:
    head = db.scalar(select(User).where(User.username == "truongphong"))
    report = statistics.processing_report(db, head, Scope(history.org.id, history.qlkh.id), PERIOD)
    assert figures(report.totals) == (4, 2, 2, 0, 1, 7.5)
    assert [r.label for r in report.by_department] == [QLKH_NAME]
    assert report.outgoing_by_type == [("CV", 2), ("QD", 2)]
    with pytest.raises(PermissionDenied):
        statistics.processing_report(db, head, Scope(history.org.id, history.khtc.id), PERIOD)
    with pytest.raises(PermissionDenied):
        statistics.processing_report(db, head, Scope(history.org.id), PERIOD)


def test_outgoing_issued_by_type_counts_the_vietnamese_issue_day(db, history) -> None:
    report = statistics.processing_report(db, history.leader, Scope(history.org.id), PERIOD)
    assert report.outgoing_by_type == [("CV", 2), ("QD", 2)]


def test_past_figures_do_not_change_when_documents_move_on(db, history) -> None:
    scope = Scope(history.org.id)
    before = statistics.processing_report(db, history.leader, scope, PERIOD)
    d = history.docs["D"]
    d.state, d.completed_at = "completed", vn("2026-11-20", 9)
    d.events.append(
        IncomingEvent(
            at=datetime.now(UTC),
            actor_id=history.clerk.id,
            action="complete",
            from_state="in_progress",
            to_state="completed",
        )
    )
    db.commit()
    after = statistics.processing_report(db, history.leader, scope, PERIOD)
    assert after == before


def test_json_has_every_figure(db, history) -> None:
    report = statistics.processing_report(db, history.leader, Scope(history.org.id), PERIOD)
    data = statistics.as_json(report)
    assert data["from"] == "2026-02-01" and data["to"] == "2026-03-31"
    assert data["totals"]["completed_on_time"] == 3
    assert data["totals"]["in_progress_overdue"] == 2
    assert data["outgoing_issued_by_type"] == [
        {"doc_type": "CV", "count": 2},
        {"doc_type": "QD", "count": 2},
    ]


def test_workload_counts_open_and_overdue_assignments_per_person(db, history) -> None:
    from app.domain.incoming import IncomingAssignment

    head = db.scalar(select(User).where(User.username == "truongphong"))
    officer = db.scalar(select(User).where(User.username == "chuyenvien"))
    for key, deadline in (("D", date(2026, 2, 26)), ("F", date(2026, 4, 15))):
        doc = history.docs[key]
        doc.units[0].assignments.append(
            IncomingAssignment(
                document_id=doc.id, user_id=officer.id, deadline=deadline, assigned_by_id=head.id
            )
        )
    db.commit()
    rows = statistics.department_workload(db, head, history.qlkh.id, today=date(2026, 3, 1))
    assert {(r.name, r.open_assignments, r.overdue) for r in rows} == {
        (officer.full_name, 2, 1),
        (head.full_name, 0, 0),
    }
