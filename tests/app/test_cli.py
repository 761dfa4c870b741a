from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from app.cli import main
from app.db import make_engine
from app.domain.models import User


def _env(tmp_path: Path, database_url: str) -> dict[str, str | None]:
    return {
        "VANTHU_HOME": str(tmp_path / "home"),
        "VANTHU_DATABASE_URL": database_url,
        "VANTHU_SECRET_KEY": None,
        "VANTHU_ENV": "production",
    }


def test_init_writes_a_secret_creates_the_schema_and_first_admin(tmp_path, database_url) -> None:
    env = _env(tmp_path, database_url)
    result = CliRunner().invoke(
        main,
        [
            "init",
            "--admin-username",
            "quantri",
            "--admin-password",
            "mat-khau-dai",
            "--org-name",
            "Sở Tư pháp",
            "--org-code",
            "000.00.20.H10",
            "--org-abbreviation",
            "STP",
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert "SECRET_KEY" in (tmp_path / "home" / "config.py").read_text()
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(User)) == 1
    engine.dispose()
    again = CliRunner().invoke(main, ["init"], env=env)
    assert again.exit_code == 0, again.output


def test_demo_is_idempotent_and_check_passes(tmp_path, database_url) -> None:
    env = _env(tmp_path, database_url)
    assert CliRunner().invoke(main, ["init"], env=env).exit_code == 0
    first = CliRunner().invoke(main, ["demo"], env=env)
    assert first.exit_code == 0, first.output
    assert "vanthu-demo" in first.output and "vanthu.ubnd" in first.output
    assert "Added 6 sample documents" in first.output
    second = CliRunner().invoke(main, ["demo"], env=env)
    assert second.exit_code == 0 and "Added" not in second.output
    listing = CliRunner().invoke(main, ["user", "list"], env=env)
    assert listing.output.count("\n") == 7
    assert CliRunner().invoke(main, ["check"], env=env).exit_code == 0


def test_cli_directory_commands_and_their_errors(tmp_path, database_url) -> None:
    env = _env(tmp_path, database_url)
    run = CliRunner().invoke
    assert run(main, ["init"], env=env).exit_code == 0
    assert (
        run(
            main,
            ["org", "add", "--name", "Sở Y tế", "--code", "000.00.21.H10", "--abbreviation", "SYT"],
            env=env,
        ).exit_code
        == 0
    )
    assert (
        run(
            main,
            ["org", "add-department", "SYT", "--name", "Văn phòng", "--abbreviation", "VP"],
            env=env,
        ).exit_code
        == 0
    )
    ok = run(
        main,
        [
            "user",
            "add",
            "vanthu.syt",
            "--full-name",
            "Ngô Thị Giang",
            "--org",
            "SYT",
            "--department",
            "VP",
            "--role",
            "clerk",
            "--password",
            "mat-khau-dai",
        ],
        env=env,
    )
    assert ok.exit_code == 0, ok.output
    dup = run(
        main,
        [
            "user",
            "add",
            "vanthu.syt",
            "--full-name",
            "X",
            "--org",
            "SYT",
            "--role",
            "clerk",
            "--password",
            "mat-khau-dai",
        ],
        env=env,
    )
    assert dup.exit_code != 0 and "taken" in dup.output
    bad = run(
        main,
        [
            "user",
            "add",
            "x.y",
            "--full-name",
            "X",
            "--org",
            "NOPE",
            "--role",
            "clerk",
            "--password",
            "mat-khau-dai",
        ],
        env=env,
    )
    assert bad.exit_code != 0 and "No organisation" in bad.output
    assert run(main, ["holiday", "add", "2026-12-31", "Nghỉ bù"], env=env).exit_code == 0
    assert "Nghỉ bù" in run(main, ["holiday", "list"], env=env).output
    assert run(main, ["user", "deactivate", "vanthu.syt"], env=env).exit_code == 0
    assert "(inactive)" in run(main, ["user", "list"], env=env).output


def test_vanthu_run_serves_and_stops_on_ctrl_c(tmp_path) -> None:
    """The embedded worker must not swallow Ctrl+C or SIGTERM meant for the server."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, VANTHU_HOME=str(tmp_path / "home"), VANTHU_ENV="development")
    env.pop("VANTHU_DATABASE_URL", None)
    for signum in (signal.SIGINT, signal.SIGTERM):
        command = [
            sys.executable,
            "-c",
            "from app.cli import main; main()",
            "run",
            "--port",
            str(port),
        ]
        proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            for _ in range(100):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as r:
                        assert r.status == 200
                    break
                except OSError:
                    time.sleep(0.2)
            else:
                raise AssertionError(proc.stdout.read().decode() if proc.stdout else "no start")
            proc.send_signal(signum)
            assert proc.wait(timeout=15) is not None
        finally:
            if proc.poll() is None:
                proc.kill()
