"""Run every check VanThu's CI runs: `python -m tests` (after `pip install -e '.[test]'`).

Installs the Debian packages the tests need when missing (as root), then runs ruff, mypy,
the whole pytest suite on SQLite, and the database-backed tests again on PostgreSQL when
VANTHU_TEST_DATABASE_URL is set. Extra arguments are passed to every pytest run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

DEBIAN_PACKAGES = ["softhsm2", "opensc", "chromium", "poppler-utils", "fonts-freefont-ttf"]
PACKAGES = ["app", "signing", "storage", "search"]
DATABASE_TESTS = ["tests/app", "tests/browser"]


def _missing_debian_packages() -> list[str]:
    missing = []
    for name in DEBIAN_PACKAGES:
        probe = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", name],  # noqa: S603,S607
            capture_output=True,
            text=True,
        )
        if "install ok installed" not in probe.stdout:
            missing.append(name)
    return missing


def ensure_debian_packages() -> None:
    if shutil.which("dpkg-query") is None:
        print("not a Debian system: install softhsm2, opensc, chromium and poppler yourself")
        return
    missing = _missing_debian_packages()
    if not missing:
        return
    if os.geteuid() != 0:
        sys.exit(
            f"missing Debian packages: {' '.join(missing)}; run as root or "
            f"`sudo apt-get install {' '.join(missing)}`"
        )
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    step(["apt-get", "update", "-qq"], env=env)
    step(["apt-get", "install", "-y", "-qq", *missing], env=env)


def step(cmd: list[str], env: dict[str, str] | None = None) -> None:
    print("+", " ".join(cmd), flush=True)
    result = subprocess.run(cmd, env=env)  # noqa: S603
    if result.returncode != 0:
        sys.exit(result.returncode)


def main(argv: list[str]) -> None:
    ensure_debian_packages()
    packages = [p for p in PACKAGES if os.path.isdir(p)]
    lint = [p for p in (*packages, "tests", "bench", "wsgi.py") if os.path.exists(p)]
    step([sys.executable, "-m", "ruff", "check", *lint])
    step([sys.executable, "-m", "mypy", *packages])
    sqlite_env = {k: v for k, v in os.environ.items() if k != "VANTHU_TEST_DATABASE_URL"}
    step([sys.executable, "-m", "pytest", *argv], env=sqlite_env)
    pg_url = os.environ.get("VANTHU_TEST_DATABASE_URL")
    if pg_url:
        step([sys.executable, "-m", "pytest", *DATABASE_TESTS, *argv])
    else:
        print("VANTHU_TEST_DATABASE_URL is not set: the PostgreSQL run was not done")


if __name__ == "__main__":
    main(sys.argv[1:])
