"""Print a validation report as text or JSON; ``main(argv)`` backs ``vanthu verify``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .ca import load_trust_roots
from .errors import SigningError
from .validate import ValidationReport, validate_pdf

__all__ = ["format_text", "main"]

_LABELS = {"valid": "HỢP LỆ / valid", "invalid": "KHÔNG HỢP LỆ / invalid",
           "indeterminate": "CHƯA XÁC ĐỊNH / indeterminate", "unsigned": "CHƯA KÝ / unsigned"}


def _yn(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "no")


def format_text(report: ValidationReport) -> str:
    """A plain-text rendering of ``report`` for terminals and logs."""
    lines = [f"Verdict: {_LABELS.get(report.verdict, report.verdict)}", report.reason]
    for i, s in enumerate(report.signatures, 1):
        lines += [
            "",
            f"[{i}] {s.kind} '{s.field_name}': {s.verdict.upper()}",
            f"    {s.reason}",
            f"    signer:        {s.signer_name or '-'} ({s.organisation or '-'})",
            f"    serial:        {s.serial or '-'}",
            f"    SHA-256:       {s.fingerprint_sha256 or '-'}",
            f"    issuer:        {s.issuer or '-'}",
            f"    trusted:       {_yn(s.trusted)}   intact: {_yn(s.intact)}   "
            f"signature value ok: {_yn(s.cryptographically_valid)}",
            f"    coverage:      {s.coverage or '-'}   changes since: "
            f"{s.modification_level or '-'}",
            f"    signing time:  {s.signing_time or '-'}",
            f"    timestamp:     {s.timestamp_time or '-'} (trusted: {_yn(s.timestamp_trusted)})",
            f"    revocation:    {s.revocation}"
            + (f" - {s.revocation_detail}" if s.revocation_detail else ""),
            f"    level:         {s.pades_level or '-'}",
        ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``verify FILE.pdf [--json] [--trust ROOT ...] [--crl CRL ...] [--fetch]``.

    Exit code 0 when valid, 1 when invalid/indeterminate/unsigned, 2 on unreadable input.
    """
    parser = argparse.ArgumentParser(prog="vanthu verify",
                                     description="Validate the digital signatures of a PDF.")
    parser.add_argument("file", type=Path)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--trust", action="append", default=[], metavar="ROOT",
                        help="trust root certificate (PEM or DER); repeatable")
    parser.add_argument("--crl", action="append", default=[], metavar="CRL",
                        help="DER CRL to use offline; repeatable")
    parser.add_argument("--fetch", action="store_true",
                        help="allow fetching CRL/OCSP over the network")
    args = parser.parse_args(argv)
    try:
        roots = load_trust_roots(args.trust)
        crls = [Path(p).read_bytes() for p in args.crl]
        report = validate_pdf(args.file.read_bytes(), roots, crls=crls,
                              allow_fetching=args.fetch)
    except (SigningError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_text(report))
    return 0 if report.verdict == "valid" else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
