"""One SQLite writer at a time, handed over at once instead of by SQLite's sleeping retries.

SQLite lets one transaction write at a time. A connection that finds the database locked
retries in SQLite's busy handler, which sleeps 1, 2, 5, … up to 100 ms between attempts: under
load a waiting request often sleeps long after the lock was freed, which is most of the
latency tail of concurrent registrations. This gate queues writers instead: a thread lock
inside the process (woken as soon as it is released) and an advisory file lock beside the
database across processes (gunicorn workers, the job worker, the CLI).

A write transaction enters the gate at its first INSERT/UPDATE/DELETE (where the SQLite driver
begins the transaction) and leaves it when the connection commits, rolls back or closes.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from typing import Any

__all__ = ["WriteGate", "GatedConnection", "is_write"]

_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE")
#: Longest pause between two attempts at the file lock held by another process.
_POLL_MAX_SECONDS = 0.002


def is_write(statement: str) -> bool:
    """True for the statements before which the sqlite3 driver begins a transaction."""
    return statement.lstrip()[:7].upper().startswith(_WRITE_VERBS)


class WriteGate:
    """Mutual exclusion of write transactions on one SQLite database file."""

    def __init__(self, database_path: str, timeout: float) -> None:
        self.lock_path = database_path + ".writelock"
        self.timeout = timeout
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int:
        # One descriptor per process: a descriptor inherited over fork() would share the lock.
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    def acquire(self) -> None:
        deadline = time.monotonic() + self.timeout
        if not self._threads.acquire(timeout=self.timeout):
            raise sqlite3.OperationalError("database is locked (another writer kept it)")
        try:
            fd = self._file()
            pause = 0.0001
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise sqlite3.OperationalError(
                            "database is locked (another process kept it)"
                        ) from None
                    time.sleep(pause)
                    pause = min(pause * 2, _POLL_MAX_SECONDS)
        except BaseException:
            self._threads.release()
            raise

    def release(self) -> None:
        try:
            fcntl.flock(self._file(), fcntl.LOCK_UN)
        finally:
            self._threads.release()


class GatedConnection(sqlite3.Connection):
    """A sqlite3 connection that leaves its gate when its transaction ends."""

    gate: WriteGate | None = None
    holds_gate = False

    def enter_gate(self) -> None:
        if self.gate is not None and not self.holds_gate:
            self.gate.acquire()
            self.holds_gate = True

    def _leave_gate(self) -> None:
        if self.holds_gate:
            self.holds_gate = False
            assert self.gate is not None
            self.gate.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            if not self.in_transaction:
                self._leave_gate()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._leave_gate()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._leave_gate()


def before_cursor_execute(
    _conn: Any, cursor: Any, statement: str, *_args: Any
) -> None:
    """SQLAlchemy event: enter the gate before the statement that begins a write."""
    dbapi_conn = cursor.connection
    if isinstance(dbapi_conn, GatedConnection) and not dbapi_conn.holds_gate:
        if is_write(statement):
            dbapi_conn.enter_gate()
