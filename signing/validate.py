"""Validate every signature and document timestamp of a PDF into a JSON-ready report."""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import IO, Any

from asn1crypto import x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel, SuspiciousModification
from pyhanko.sign.validation import (
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from .appearance import format_vn_time
from .errors import MalformedPdf

__all__ = ["SignatureReport", "ValidationReport", "validate_pdf"]

_NOISY_LOGGERS = ("pyhanko", "pyhanko_certvalidator", "pyhanko.sign.diff_analysis",
                  "pyhanko.sign.validation")

VALID = "valid"
INVALID = "invalid"
INDETERMINATE = "indeterminate"
UNSIGNED = "unsigned"


@dataclass(frozen=True)
class SignatureReport:
    """Outcome for one signature or document timestamp."""

    field_name: str
    """Name of the signature field."""
    kind: str
    """'signature' or 'document_timestamp'."""
    verdict: str
    """'valid', 'invalid' or 'indeterminate'."""
    reason: str
    """Human-readable explanation of the verdict."""
    signer_name: str | None
    """Common name of the signer (or the TSA for a document timestamp)."""
    organisation: str | None
    """Organisation (O) of the signer's certificate."""
    serial: str | None
    """Serial number of the signer's certificate (hex)."""
    fingerprint_sha256: str | None
    """SHA-256 fingerprint of the signer's certificate (hex)."""
    issuer: str | None
    """Issuer of the signer's certificate."""
    chain: tuple[str, ...]
    """Certification path from the trust anchor to the signer, when one was built."""
    trusted: bool
    """Whether the chain ends in a configured trust root (and the key usage fits)."""
    intact: bool
    """Whether the signed bytes still hash to the signed digest."""
    cryptographically_valid: bool
    """Whether the signature value itself verifies."""
    coverage: str | None
    """How much of the file the signature covers (ENTIRE_FILE, ENTIRE_REVISION, ...)."""
    modification_level: str | None
    """Changes since signing: NONE, LTA_UPDATES, FORM_FILLING, ANNOTATIONS or OTHER."""
    docmdp_ok: bool | None
    """Whether the changes are allowed by the document's modification policy."""
    signing_time: str | None
    """Signing time claimed by the signer, in Vietnam time."""
    timestamp_time: str | None
    """Time from the signature (or document) timestamp, in Vietnam time."""
    timestamp_trusted: bool | None
    """Whether the timestamp is valid and its TSA trusted; None without timestamp."""
    revocation: str
    """'good', 'revoked' or 'unknown'."""
    revocation_detail: str | None
    """Revocation date and reason when revoked."""
    pades_level: str | None
    """Best-effort PAdES level: B-B, B-T, B-LT (document security store present)."""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["chain"] = list(self.chain)
        return d


@dataclass(frozen=True)
class ValidationReport:
    """Outcome for a whole PDF."""

    verdict: str
    """'valid', 'invalid', 'indeterminate' or 'unsigned'."""
    reason: str
    """Human-readable explanation of the overall verdict."""
    signatures: tuple[SignatureReport, ...] = field(default_factory=tuple)
    """One entry per signature and document timestamp, in signing order."""

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "reason": self.reason,
                "signatures": [s.to_dict() for s in self.signatures]}


def silence_pyhanko_logging() -> None:
    """pyHanko logs tracebacks for outcomes that the report already states."""
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _name_attr(cert: x509.Certificate, attr: str) -> str | None:
    value = cert.subject.native.get(attr)
    if isinstance(value, list):
        value = ", ".join(value)
    return value


def _vn(dt: datetime | None) -> str | None:
    return format_vn_time(dt) if dt is not None else None


def _context(reader: PdfFileReader, trust_roots: Sequence[x509.Certificate],
             crls: Sequence[bytes], allow_fetching: bool) -> tuple[ValidationContext, bool]:
    kwargs: dict[str, Any] = {
        "trust_roots": list(trust_roots),
        "crls": list(crls),
        "allow_fetching": allow_fetching,
        "revocation_mode": "soft-fail",
    }
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return ValidationContext(**kwargs), False
    return dss.as_validation_context(kwargs), True


def _cert_fields(cert: x509.Certificate | None) -> dict[str, Any]:
    if cert is None:
        return {"signer_name": None, "organisation": None, "serial": None,
                "fingerprint_sha256": None, "issuer": None}
    return {
        "signer_name": _name_attr(cert, "common_name"),
        "organisation": _name_attr(cert, "organization_name"),
        "serial": format(cert.serial_number, "x"),
        "fingerprint_sha256": hashlib.sha256(cert.dump()).hexdigest(),
        "issuer": cert.issuer.human_friendly,
    }


def _chain(status: Any) -> tuple[str, ...]:
    path = getattr(status, "validation_path", None)
    if path is None:
        return ()
    out = []
    for c in path.iter_certs(include_root=True) if hasattr(path, "iter_certs") else ():
        out.append(c.subject.human_friendly)
    return tuple(out)


def _judge(*, intact: bool, valid: bool, trusted: bool, revoked: bool, coverage: Any,
           mod_level: Any, docmdp_ok: bool | None, suspicious: bool, ts_ok: bool | None,
           revocation_detail: str | None) -> tuple[str, str]:
    if not intact:
        return INVALID, ("The signed content was altered after signing "
                         "(the document digest no longer matches).")
    if not valid:
        return INVALID, "The signature value does not verify against the signer's certificate."
    if revoked:
        return INVALID, f"The signer's certificate is revoked ({revocation_detail})."
    if coverage not in (SignatureCoverageLevel.ENTIRE_FILE,
                        SignatureCoverageLevel.ENTIRE_REVISION):
        return INVALID, "The signature does not cover a whole revision of the document."
    if suspicious or mod_level == ModificationLevel.OTHER or docmdp_ok is False:
        return INVALID, ("The document was modified after signing in a way that is not "
                         "allowed (content, not just form filling or later signatures).")
    if not trusted:
        return INDETERMINATE, ("The signature is intact, but the signer's certificate does not "
                               "chain to a configured trust root (or is not usable for signing).")
    if ts_ok is False:
        return INDETERMINATE, "The signature is intact, but its timestamp is invalid or untrusted."
    return VALID, "The signature is valid and the document unchanged since signing" + (
        " (only form filling or later signatures were added)."
        if mod_level not in (None, ModificationLevel.NONE) else "."
    )


async def _validate_one(emb: Any, reader: PdfFileReader, trust_roots: Sequence[x509.Certificate],
                        crls: Sequence[bytes], allow_fetching: bool) -> SignatureReport:
    is_ts = emb.sig_object_type == "/DocTimeStamp"
    vc, has_dss = _context(reader, trust_roots, crls, allow_fetching)
    base = {"field_name": str(emb.field_name),
            "kind": "document_timestamp" if is_ts else "signature"}
    if is_ts:
        status: Any = await async_validate_pdf_timestamp(emb, validation_context=vc)
        ts_time = status.timestamp
        ts_ok = None
        signing_time = None
        level = None
    else:
        ts_vc, _ = _context(reader, trust_roots, crls, allow_fetching)
        status = await async_validate_pdf_signature(
            emb, signer_validation_context=vc, ts_validation_context=ts_vc
        )
        tsv = status.timestamp_validity
        ts_time = tsv.timestamp if tsv is not None else None
        ts_ok = (tsv.intact and tsv.valid and tsv.trusted) if tsv is not None else None
        signing_time = status.signer_reported_dt
        level = "B-LT" if (tsv is not None and has_dss) else ("B-T" if tsv else "B-B")
    details = status.revocation_details
    revoked = details is not None
    revocation_detail = None
    if details is not None:
        revocation_detail = (
            f"{'a CA certificate' if details.ca_revoked else 'signer certificate'} revoked on "
            f"{_vn(details.revocation_date)}, reason {details.revocation_reason.native}"
        )
    has_revinfo = bool(crls) or has_dss or allow_fetching
    revocation = "revoked" if revoked else ("good" if status.trusted and has_revinfo
                                             else "unknown")
    suspicious = isinstance(status.diff_result, SuspiciousModification)
    verdict, reason = _judge(
        intact=status.intact, valid=status.valid, trusted=status.trusted, revoked=revoked,
        coverage=status.coverage, mod_level=status.modification_level,
        docmdp_ok=status.docmdp_ok, suspicious=suspicious, ts_ok=ts_ok,
        revocation_detail=revocation_detail,
    )
    if is_ts:
        reason = reason.replace("signature", "document timestamp").replace(
            "signer's certificate", "TSA certificate")
    return SignatureReport(
        **base,
        verdict=verdict,
        reason=reason,
        **_cert_fields(status.signing_cert),
        chain=_chain(status),
        trusted=bool(status.trusted),
        intact=bool(status.intact),
        cryptographically_valid=bool(status.valid),
        coverage=status.coverage.name if status.coverage is not None else None,
        modification_level=(status.modification_level.name
                            if status.modification_level is not None else None),
        docmdp_ok=status.docmdp_ok,
        signing_time=_vn(signing_time),
        timestamp_time=_vn(ts_time),
        timestamp_trusted=ts_ok if not is_ts else bool(status.trusted),
        revocation=revocation,
        revocation_detail=revocation_detail,
        pades_level=level,
    )


def _error_entry(emb: Any, exc: Exception) -> SignatureReport:
    try:
        name = str(emb.field_name)
    except Exception:
        name = "?"
    return SignatureReport(
        field_name=name, kind="signature", verdict=INVALID,
        reason=f"The signature could not be validated: {exc}",
        signer_name=None, organisation=None, serial=None, fingerprint_sha256=None, issuer=None,
        chain=(), trusted=False, intact=False, cryptographically_valid=False, coverage=None,
        modification_level=None, docmdp_ok=None, signing_time=None, timestamp_time=None,
        timestamp_trusted=None, revocation="unknown", revocation_detail=None, pades_level=None,
    )


def _overall(entries: Sequence[SignatureReport]) -> tuple[str, str]:
    if not entries:
        return UNSIGNED, "The document has no digital signature."
    for e in entries:
        if e.verdict == INVALID:
            return INVALID, f"{e.field_name}: {e.reason}"
    for e in entries:
        if e.verdict == INDETERMINATE:
            return INDETERMINATE, f"{e.field_name}: {e.reason}"
    n = len(entries)
    return VALID, "The signature is valid." if n == 1 else f"All {n} signatures are valid."


async def async_validate_pdf(
    data: bytes | IO[bytes],
    trust_roots: Iterable[x509.Certificate] = (),
    *,
    crls: Iterable[bytes] = (),
    allow_fetching: bool = False,
) -> ValidationReport:
    """Async variant of :func:`validate_pdf` (for callers inside an event loop)."""
    silence_pyhanko_logging()
    stream = io.BytesIO(data) if isinstance(data, bytes | bytearray | memoryview) else data
    roots = list(trust_roots)
    crl_list = list(crls)
    try:
        reader = PdfFileReader(stream, strict=False)
        sigs = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError) as e:
        raise MalformedPdf(f"The file is not a readable PDF: {e}") from e
    entries = []
    for emb in sigs:
        try:
            entries.append(await _validate_one(emb, reader, roots, crl_list, allow_fetching))
        except Exception as e:  # a broken signature must not hide the others
            entries.append(_error_entry(emb, e))
    verdict, reason = _overall(entries)
    return ValidationReport(verdict=verdict, reason=reason, signatures=tuple(entries))


def validate_pdf(
    data: bytes | IO[bytes],
    trust_roots: Iterable[x509.Certificate] = (),
    *,
    crls: Iterable[bytes] = (),
    allow_fetching: bool = False,
) -> ValidationReport:
    """Validate all signatures of a PDF against ``trust_roots``.

    ``crls`` are DER CRLs known offline (e.g. the organisation CA's); ``allow_fetching`` lets
    the validator download CRLs/OCSP responses (off by default, so validation is offline and
    fast; revocation is then 'unknown' unless the PDF or ``crls`` provide the data).
    Raises :class:`MalformedPdf` when the file cannot be parsed.
    """
    return asyncio.run(async_validate_pdf(data, trust_roots, crls=crls,
                                          allow_fetching=allow_fetching))
