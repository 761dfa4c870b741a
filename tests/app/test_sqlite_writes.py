"""The SQLite write gate: held from a transaction's first write to its end, queues writers."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app.db import make_engine
from app.sqlite_writes import WriteGate, is_write


def gate_is_free(lock_path: str) -> bool:
    """Whether another process could take the gate's file lock now."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


@pytest.fixture
def engine(tmp_path: Path):
    eng = make_engine(f"sqlite:///{tmp_path / 'gate.db'}")
    with eng.begin() as c:
        c.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)"))
    yield eng
    eng.dispose()


def test_write_statements_are_recognised():
    assert is_write("INSERT INTO t VALUES (1)")
    assert is_write("  update t set who = 'x'")
    assert is_write("DELETE FROM t")
    assert is_write("REPLACE INTO t VALUES (1)")
    assert not is_write("SELECT * FROM t")
    assert not is_write("PRAGMA journal_mode=WAL")


def test_gate_is_held_from_first_write_until_commit(engine, tmp_path):
    lock = str(tmp_path / "gate.db.writelock")
    with engine.connect() as c:
        c.execute(text("SELECT count(*) FROM t"))
        assert gate_is_free(lock)
        c.execute(text("INSERT INTO t (who) VALUES ('a')"))
        assert not gate_is_free(lock)
        c.execute(text("UPDATE t SET who = 'b'"))
        c.commit()
        assert gate_is_free(lock)
        c.execute(text("INSERT INTO t (who) VALUES ('c')"))
        assert not gate_is_free(lock)
        c.rollback()
        assert gate_is_free(lock)
        c.execute(text("DELETE FROM t"))
        assert not gate_is_free(lock)
    # Returning the connection to the pool rolls back and opens the gate.
    assert gate_is_free(lock)
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM t")).scalar() == 1


def test_a_failed_statement_does_not_keep_the_gate(engine, tmp_path):
    lock = str(tmp_path / "gate.db.writelock")
    with engine.connect() as c:
        with pytest.raises(OperationalError):
            c.execute(text("INSERT INTO missing VALUES (1)"))
        c.rollback()
        assert gate_is_free(lock)


def test_a_second_writer_waits_for_the_first_instead_of_failing(engine):
    first_wrote = threading.Event()
    second_done = threading.Event()
    order: list[str] = []

    def first() -> None:
        with engine.connect() as c:
            c.execute(text("INSERT INTO t (who) VALUES ('first')"))
            first_wrote.set()
            # The second writer is now queued at the gate and cannot finish before this commit.
            assert not second_done.wait(0.3)
            order.append("first commits")
            c.commit()

    def second() -> None:
        first_wrote.wait()
        with engine.connect() as c:
            c.execute(text("INSERT INTO t (who) VALUES ('second')"))
            order.append("second wrote")
            c.commit()
        second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(10)
    assert order == ["first commits", "second wrote"]
    with engine.connect() as c:
        assert [r[0] for r in c.execute(text("SELECT who FROM t ORDER BY id"))] == [
            "first",
            "second",
        ]


def test_a_writer_kept_out_too_long_gets_a_clear_error(tmp_path):
    gate = WriteGate(str(tmp_path / "x.db"), timeout=0.2)
    fd = os.open(gate.lock_path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another process holds the gate
    try:
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            gate.acquire()
    finally:
        os.close(fd)
    gate.acquire()  # free again, and the thread lock was not left taken
    gate.release()
