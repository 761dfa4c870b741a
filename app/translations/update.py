"""Maintainer tool: re-extract messages, merge them into the catalogues, compile.

python -m app.translations.update
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
APP = HERE.parent


def pybabel(*args: str) -> None:
    cmd = [sys.executable, "-m", "babel.messages.frontend", *args]
    subprocess.run(cmd, check=True)  # noqa: S603 - fixed arguments, our own paths


def main() -> int:
    pot = str(HERE / "messages.pot")
    pybabel(
        "extract",
        "-F",
        str(HERE / "babel.cfg"),
        "-k",
        "N_",
        "-k",
        "_l",
        "--no-location",
        "-o",
        pot,
        str(APP),
    )
    for lang in ("vi", "en"):
        exists = (HERE / lang / "LC_MESSAGES" / "messages.po").exists()
        pybabel("update" if exists else "init", "-i", pot, "-d", str(HERE), "-l", lang)
    pybabel("compile", "-d", str(HERE), "--statistics")
    return 0


if __name__ == "__main__":
    sys.exit(main())
