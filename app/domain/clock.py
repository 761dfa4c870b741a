"""Vietnam time: dates of registration and deadlines are Vietnamese calendar days."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def now_vn() -> datetime:
    return datetime.now(VN)


def today_vn() -> date:
    return now_vn().date()
