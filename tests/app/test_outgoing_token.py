"""Leaders and the organisation sign with a PKCS#11 token (SoftHSM2) and the PIN entered at
that moment; a wrong PIN or a missing token is refused with nothing changed.

The cases live in token_cases.py and run in a separate pytest process: the PKCS#11 library
reads SOFTHSM2_CONF once per process, and other tests (tests/signing) make tokens of their own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).with_name("token_cases.py")


def test_token_signing_through_the_api(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SOFTHSM2_CONF"}
    cmd = [
        sys.executable, "-m", "pytest", str(CASES), "-q", "-p", "no:cacheprovider",
        "--basetemp", str(tmp_path / "cases"),
    ]
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "skipped" not in summary, result.stdout[-2000:]
