"""The memory bound: 200 MB through each store with < 50 MB peak growth, measured."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SIZE = 200 * 1024 * 1024
LIMIT_KIB = 50 * 1024
WORKER = Path(__file__).with_name("worker.py")


@pytest.mark.slow
def test_200_mb_round_trip_grows_peak_memory_by_less_than_50_mb(case):
    # A separate process, so ru_maxrss measures only the client side (moto's server
    # lives in this process and holds the object in memory).
    run = subprocess.run(
        [sys.executable, str(WORKER), "memory", json.dumps(case.config), str(SIZE)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)

    assert result["size"] == SIZE
    assert result["read"] == SIZE
    assert result["same_hash"]
    growth_kib = result["peak_kib"] - result["baseline_kib"]
    print(f"{case.name}: peak RSS grew by {growth_kib / 1024:.1f} MiB for 200 MiB")
    assert growth_kib < LIMIT_KIB
