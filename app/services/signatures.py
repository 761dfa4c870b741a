"""Checking the signatures of received PDFs with the signing package's validator."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

import signing


@dataclass(frozen=True)
class SignatureCheck:
    """The outcome of validating every signature of one PDF."""

    verdict: str
    """valid | invalid | indeterminate | unsigned."""
    summary: str
    """One human-readable sentence."""
    report_json: str
    """The full report (every signature and timestamp) as JSON."""


def check_pdf(stream: IO[bytes], trust_roots: Sequence[Any]) -> SignatureCheck:
    try:
        report = signing.validate_pdf(stream, trust_roots=trust_roots)
    except signing.MalformedPdf as exc:
        return SignatureCheck(
            "invalid",
            f"Signatures cannot be read: {exc}",
            json.dumps({"verdict": "invalid", "reason": str(exc)}),
        )
    finally:
        stream.seek(0)
    return SignatureCheck(
        report.verdict,
        report.reason[:500],
        json.dumps(report.to_dict(), ensure_ascii=False, default=str),
    )
