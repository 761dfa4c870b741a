from datetime import date

from app.domain.calendar import WorkingCalendar


def test_weekends_and_holidays_are_skipped() -> None:
    cal = WorkingCalendar([date(2026, 9, 1), date(2026, 9, 2)])
    # Friday 28 Aug 2026 + 3 working days: Mon 31 Aug, (Tue 1 and Wed 2 Sep off), Thu 3, Fri 4
    assert cal.add_working_days(date(2026, 8, 28), 3) == date(2026, 9, 4)
    assert cal.working_days_between(date(2026, 8, 28), date(2026, 9, 4)) == 3
    assert cal.working_days_between(date(2026, 9, 4), date(2026, 8, 28)) == -3
    assert not cal.is_working_day(date(2026, 8, 29))
    assert not cal.is_working_day(date(2026, 9, 2))
    assert cal.is_working_day(date(2026, 9, 3))
