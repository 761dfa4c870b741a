"""Organisation CAs, trust roots and signature checks of one installation (VANTHU_HOME)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import quote

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from sqlalchemy import select
from sqlalchemy.orm import Session

import signing
from app.domain.errors import N_, Conflict, NotFound, ValidationFailed
from app.domain.models import Organisation, User
from signing.ca import REVOCATION_REASONS

from . import audit

CA_FOLDER = "ca"
TRUST_FOLDER = "trust"
CA_CERT_FILE = "ca-cert.pem"
CA_STATE_FILE = "ca.json"
CRL_FILE = "ca.crl"
ROOT_SUFFIXES = frozenset({".pem", ".crt", ".cer", ".der"})
#: Published CRLs carry this nextUpdate; `vanthu ca crl` re-signs one before it lapses.
CRL_VALIDITY_DAYS = 30
LEVELS = ("B-B", "B-T", "B-LT")

T = TypeVar("T")


@dataclass(frozen=True)
class CaSummary:
    """An organisation CA as created or found on disk."""

    org_code: str
    """Identifier code of the organisation (also the CA folder's name)."""
    directory: Path
    """VANTHU_HOME/ca/<org code>."""
    subject: str
    """Subject of the root certificate."""
    fingerprint_sha256: str
    """SHA-256 fingerprint of the root certificate (hex)."""
    not_after: datetime
    """End of the root's validity (UTC)."""
    crl_url: str | None
    """CRL distribution point put into the certificates it issues."""


@dataclass(frozen=True)
class IssuedSummary:
    """A certificate just issued to a user."""

    serial: str
    """Serial number in hex, as `vanthu verify` shows it."""
    subject: str
    """Subject of the certificate (RFC 4514)."""
    not_after: datetime
    """End of validity (UTC)."""
    path: Path | None
    """The PKCS#12 file written, or None when the key lives on a token."""


@dataclass(frozen=True)
class CertificateInfo:
    """What an administrator needs to see about one certificate."""

    subject: str
    """Subject (RFC 4514)."""
    issuer: str
    """Issuer (RFC 4514)."""
    serial: str
    """Serial number (hex)."""
    not_before: datetime
    """Start of validity (UTC)."""
    not_after: datetime
    """End of validity (UTC)."""
    key_usage: tuple[str, ...]
    """Key usages named as in RFC 5280 (digital_signature, non_repudiation, ...)."""
    fingerprint_sha256: str
    """SHA-256 fingerprint (hex)."""
    source: str
    """Where it was found: a file name, or the organisation whose CA it is."""


@dataclass(frozen=True)
class Pkcs12Check:
    """The outcome of checking an externally issued PKCS#12 file."""

    certificate: CertificateInfo
    """The signing certificate."""
    chain: tuple[CertificateInfo, ...]
    """The other certificates in the file (issuers)."""
    problem: str | None
    """Why it may not sign documents (expired, key usage missing, ...), or None."""


# -- small helpers -----------------------------------------------------------------------------


def _signing_errors(fn: Callable[[], T]) -> T:
    """Run ``fn`` and turn the signing package's errors into domain errors (shown as is)."""
    try:
        return fn()
    except signing.WrongPassphrase as exc:
        raise ValidationFailed(str(exc)) from exc
    except signing.SigningError as exc:
        raise ValidationFailed(str(exc)) from exc


def _check_code(code: str) -> str:
    # The code names a folder: refuse anything that could leave VANTHU_HOME/ca.
    if not code or code.startswith(".") or "/" in code or "\\" in code or "\0" in code:
        raise ValidationFailed(N_("%(code)s cannot be used as a CA folder name."), code=code)
    return code


def ca_dir(home: str | os.PathLike[str], org_code: str) -> Path:
    return Path(home) / CA_FOLDER / _check_code(org_code)


def trust_dir(home: str | os.PathLike[str]) -> Path:
    return Path(home) / TRUST_FOLDER


def crl_path(org_code: str) -> str:
    """The app's URL path of an organisation's CRL (app/web/ca_views.py serves it)."""
    return f"/ca/{quote(org_code, safe='.-_~')}.crl"


def crl_base_url(config: Mapping[str, Any]) -> str:
    """Where the app is reachable: CRL_BASE_URL, else SERVER_NAME, else the built-in server."""
    base = str(config.get("CRL_BASE_URL") or "").strip()
    if base:
        return base.rstrip("/")
    server = config.get("SERVER_NAME")
    if server:
        return f"{config.get('PREFERRED_URL_SCHEME') or 'http'}://{server}"
    return "http://127.0.0.1:5000"


def find_organisation(session: Session, code: str) -> Organisation:
    org = session.scalar(
        select(Organisation).where(
            (Organisation.code == code) | (Organisation.abbreviation == code)
        )
    )
    if org is None:
        raise NotFound(N_("No organisation with code or abbreviation %(code)s."), code=code)
    return org


def find_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFound(N_("No user %(username)s."), username=username)
    return user


def _fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


_KEY_USAGES = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
)


def _key_usage(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return ()
    names = [n for n in _KEY_USAGES if getattr(ku, n)]
    # RFC 5280 calls content_commitment nonRepudiation; pyHanko and admins know that name.
    return tuple("non_repudiation" if n == "content_commitment" else n for n in names)


def certificate_info(cert: x509.Certificate, source: str) -> CertificateInfo:
    return CertificateInfo(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        serial=format(cert.serial_number, "x"),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        key_usage=_key_usage(cert),
        fingerprint_sha256=_fingerprint(cert),
        source=source,
    )


def _parse_certificates(data: bytes, name: str) -> list[x509.Certificate]:
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise ValidationFailed(
            N_("%(name)s is not a PEM or DER certificate file."), name=name
        ) from exc


def _write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class _StateGuard:
    """Restores ca.json when an operation fails after the CA recorded it (nothing half-done)."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / CA_STATE_FILE
        self.saved = self.path.read_bytes()

    def restore(self) -> None:
        self.path.write_bytes(self.saved)


# -- organisation CAs --------------------------------------------------------------------------


def _summary(org_code: str, directory: Path, cert: x509.Certificate,
             crl_url: str | None) -> CaSummary:
    return CaSummary(
        org_code=org_code,
        directory=directory,
        subject=cert.subject.rfc4514_string(),
        fingerprint_sha256=_fingerprint(cert),
        not_after=cert.not_valid_after_utc,
        crl_url=crl_url,
    )


def init_ca(
    session: Session, home: str | os.PathLike[str], org: Organisation, passphrase: str,
    base_url: str,
) -> CaSummary:
    """Create the organisation's root CA under VANTHU_HOME/ca/<code> and publish its first CRL.

    The CA is built in a hidden sibling folder and renamed into place only once it is
    complete and its audit event is recorded, so a failure leaves no CA folder behind.
    """
    target = ca_dir(home, org.code)
    if target.exists():
        raise Conflict(N_("%(org)s already has a CA in %(path)s."), org=org.abbreviation,
                       path=str(target))
    if not passphrase:
        raise ValidationFailed(N_("A passphrase is required to protect the CA key."))
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".init-", dir=target.parent))
    url = base_url.rstrip("/") + crl_path(org.code)
    try:
        ca = _signing_errors(
            lambda: signing.OrgCA.init(work, org.name, org.code, passphrase, crl_url=url)
        )
        _write_atomic(work / CRL_FILE, ca.crl(validity_days=CRL_VALIDITY_DAYS))
        summary = _summary(org.code, target, ca.certificate, url)
        audit.record(session, None, "ca.initialised", "organisation", org.id,
                     org_code=org.code, subject=summary.subject,
                     fingerprint_sha256=summary.fingerprint_sha256, crl_url=url)
        session.flush()
        os.rename(work, target)
    except BaseException:
        session.rollback()
        shutil.rmtree(work, ignore_errors=True)
        raise
    try:
        session.commit()
    except BaseException:
        session.rollback()
        shutil.rmtree(target, ignore_errors=True)
        raise
    return summary


def has_ca(home: str | os.PathLike[str], org_code: str) -> bool:
    return (ca_dir(home, org_code) / CA_CERT_FILE).is_file()


def open_ca(home: str | os.PathLike[str], org: Organisation, passphrase: str) -> signing.OrgCA:
    if not has_ca(home, org.code):
        raise NotFound(
            N_("%(org)s has no CA yet: run `vanthu ca init --org %(code)s` first."),
            org=org.abbreviation, code=org.code,
        )
    return _signing_errors(lambda: signing.OrgCA.open(ca_dir(home, org.code), passphrase))


def _subject_fields(user: User, validity_days: int) -> dict[str, Any]:
    if validity_days < 1:
        raise ValidationFailed(N_("The validity must be at least one day."))
    return {
        "common_name": user.full_name,
        "username": user.username,
        "org_name": user.organisation.name,
        "position": user.position or None,
        "unit": user.department.name if user.department is not None else None,
        "email": user.email or None,
        "validity_days": validity_days,
    }


def _keep_crl_url(ca: signing.OrgCA, org_code: str, base_url: str) -> None:
    # Follow CRL_BASE_URL changes: certificates issued from now on point at the current URL.
    url = base_url.rstrip("/") + crl_path(org_code)
    if ca.crl_url != url:
        ca.crl_url = url


def _issued_row(ca: signing.OrgCA, serial: int) -> signing.IssuedCertificate:
    return next(c for c in ca.issued() if c.serial == serial)


def issue_pkcs12(
    session: Session, home: str | os.PathLike[str], user: User, ca_passphrase: str,
    p12_passphrase: str, out: Path, base_url: str, validity_days: int = 730,
) -> IssuedSummary:
    """Issue a signing certificate for ``user`` into a new PKCS#12 file ``out`` (mode 0600)."""
    if out.exists():
        raise Conflict(N_("%(path)s already exists; choose another file name."), path=str(out))
    if not out.parent.is_dir():
        raise ValidationFailed(N_("The folder %(path)s does not exist."), path=str(out.parent))
    if not p12_passphrase:
        raise ValidationFailed(N_("A passphrase is required for the PKCS#12 file."))
    fields = _subject_fields(user, validity_days)
    ca = open_ca(home, user.organisation, ca_passphrase)
    guard = _StateGuard(ca.directory)
    try:
        _keep_crl_url(ca, user.organisation.code, base_url)
        common_name = fields.pop("common_name")
        username = fields.pop("username")
        data = _signing_errors(lambda: ca.issue(common_name, username, p12_passphrase, **fields))
        _key, cert, _others = pkcs12.load_key_and_certificates(data, p12_passphrase.encode())
        assert cert is not None  # noqa: S101 - the CA just put it there
        summary = IssuedSummary(format(cert.serial_number, "x"), cert.subject.rfc4514_string(),
                                cert.not_valid_after_utc, out)
        audit.record(session, None, "ca.issued", "user", user.id, username=user.username,
                     org_code=user.organisation.code, serial=summary.serial,
                     subject=summary.subject, not_after=summary.not_after.isoformat(),
                     key_store="pkcs12")
        session.flush()
        _write_atomic(out, data, 0o600)
    except BaseException:
        session.rollback()
        guard.restore()
        raise
    try:
        session.commit()
    except BaseException:
        session.rollback()
        guard.restore()
        out.unlink(missing_ok=True)
        raise
    return summary


def issue_on_token(
    session: Session, home: str | os.PathLike[str], user: User, ca_passphrase: str,
    base_url: str, *, module: str, token_label: str, pin: str, key_label: str,
    validity_days: int = 730,
) -> IssuedSummary:
    """Generate a key pair on a PKCS#11 token, issue its certificate and store it there too."""
    fields = _subject_fields(user, validity_days)
    ca = open_ca(home, user.organisation, ca_passphrase)
    guard = _StateGuard(ca.directory)
    try:
        _keep_crl_url(ca, user.organisation.code, base_url)
        common_name = fields.pop("common_name")
        username = fields.pop("username")
        serial = _signing_errors(lambda: ca.issue_to_token(
            module, token_label, pin, key_label, common_name, username, **fields
        ))
        row = _issued_row(ca, serial)
        summary = IssuedSummary(format(serial, "x"), row.subject, row.not_after, None)
        audit.record(session, None, "ca.issued", "user", user.id, username=user.username,
                     org_code=user.organisation.code, serial=summary.serial,
                     subject=summary.subject, not_after=summary.not_after.isoformat(),
                     key_store="pkcs11", token_label=token_label, key_label=key_label)
        session.commit()
    except BaseException:
        session.rollback()
        guard.restore()
        raise
    return summary


def parse_serial(text: str) -> int:
    """Serials are written in hex (as `vanthu ca list` and `vanthu verify` show them)."""
    cleaned = text.strip().lower().removeprefix("0x").replace(":", "")
    if not re.fullmatch(r"[0-9a-f]{1,64}", cleaned):
        raise ValidationFailed(N_("%(serial)s is not a hexadecimal serial number."), serial=text)
    return int(cleaned, 16)


def publish_crl(ca: signing.OrgCA) -> bytes:
    """Sign a fresh CRL and put it where the app serves it (VANTHU_HOME/ca/<code>/ca.crl)."""
    crl = ca.crl(validity_days=CRL_VALIDITY_DAYS)
    _write_atomic(ca.directory / CRL_FILE, crl)
    return crl


def revoke(
    session: Session, home: str | os.PathLike[str], org: Organisation, passphrase: str,
    serial: str, reason: str = "unspecified",
) -> signing.IssuedCertificate:
    """Revoke a certificate of the organisation's CA and publish the new CRL."""
    if reason not in REVOCATION_REASONS:
        raise ValidationFailed(N_("Unknown revocation reason %(reason)s; use one of %(known)s."),
                               reason=reason, known=", ".join(sorted(REVOCATION_REASONS)))
    number = parse_serial(serial)
    ca = open_ca(home, org, passphrase)
    guard = _StateGuard(ca.directory)
    old_crl = (ca.directory / CRL_FILE).read_bytes() if (ca.directory / CRL_FILE).exists() else None
    before = {c.serial: c for c in ca.issued()}
    if number not in before:
        raise NotFound(N_("The CA of %(org)s issued no certificate with serial %(serial)s."),
                       org=org.abbreviation, serial=format(number, "x"))
    if before[number].revoked_at is not None:
        raise Conflict(N_("Certificate %(serial)s is already revoked."), serial=format(number, "x"))
    try:
        _signing_errors(lambda: ca.revoke(number, reason))
        row = _issued_row(ca, number)
        publish_crl(ca)
        audit.record(session, None, "ca.revoked", "certificate", format(number, "x"),
                     org_code=org.code, username=row.username, subject=row.subject,
                     reason=reason)
        session.commit()
    except BaseException:
        session.rollback()
        guard.restore()
        if old_crl is not None:
            _write_atomic(ca.directory / CRL_FILE, old_crl)
        raise
    return row


def refresh_crl(home: str | os.PathLike[str], org: Organisation, passphrase: str) -> bytes:
    """Re-sign the published CRL (its nextUpdate is CRL_VALIDITY_DAYS ahead); run from cron."""
    return publish_crl(open_ca(home, org, passphrase))


def issued_certificates(home: str | os.PathLike[str],
                        org: Organisation) -> list[signing.IssuedCertificate]:
    """The CA's certificates with their revocation state; needs no passphrase."""
    if not has_ca(home, org.code):
        raise NotFound(N_("%(org)s has no CA yet."), org=org.abbreviation)
    directory = ca_dir(home, org.code)
    state = json.loads((directory / CA_STATE_FILE).read_text("utf-8"))
    cert = x509.load_pem_x509_certificate((directory / CA_CERT_FILE).read_bytes())
    # Listing reads only the public state; the CA key stays encrypted and unused.
    reader = signing.OrgCA(directory, cert, cast(Any, None), state)
    return sorted(reader.issued(), key=lambda c: c.not_after)


def published_crl(home: str | os.PathLike[str], org_code: str) -> bytes | None:
    """The CRL the app serves for ``org_code``, or None when there is no such CA."""
    try:
        path = ca_dir(home, org_code) / CRL_FILE
    except ValidationFailed:
        return None
    return path.read_bytes() if path.is_file() else None


def root_certificate_pem(home: str | os.PathLike[str], org_code: str) -> bytes | None:
    try:
        path = ca_dir(home, org_code) / CA_CERT_FILE
    except ValidationFailed:
        return None
    return path.read_bytes() if path.is_file() else None


def published_crls(home: str | os.PathLike[str]) -> list[bytes]:
    """Every organisation CA's current CRL (used offline when verifying)."""
    return [p.read_bytes() for p in sorted((Path(home) / CA_FOLDER).glob(f"*/{CRL_FILE}"))]


# -- trust roots -------------------------------------------------------------------------------


def _safe_name(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-") or "root"
    return stem[:80]


def _store_root(session: Session, home: str | os.PathLike[str], data: bytes, name: str,
                origin: str) -> tuple[Path, list[CertificateInfo], bool]:
    certs = _parse_certificates(data, name)
    folder = trust_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(name).suffix.lower()
    if suffix not in ROOT_SUFFIXES:
        suffix = ".pem" if b"-----BEGIN" in data else ".der"
    target = folder / (_safe_name(Path(name).stem) + suffix)
    infos = [certificate_info(c, target.name) for c in certs]
    if target.exists():
        if target.read_bytes() == data:
            return target, infos, False
        raise Conflict(N_("%(path)s already exists with other content; rename the file."),
                       path=str(target))
    audit.record(session, None, "trust.added", "trust_root", target.name, origin=origin,
                 subjects=[i.subject for i in infos],
                 fingerprints_sha256=[i.fingerprint_sha256 for i in infos])
    session.flush()
    return target, infos, True


def add_trust_root(session: Session, home: str | os.PathLike[str],
                   path: Path) -> tuple[Path, list[CertificateInfo]]:
    """Copy a PEM/DER root certificate file into VANTHU_HOME/trust after checking it parses."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationFailed(N_("%(path)s cannot be read: %(error)s"), path=str(path),
                               error=exc.strerror or str(exc)) from exc
    try:
        target, infos, new = _store_root(session, home, data, path.name, str(path))
        if new:
            _write_atomic(target, data)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return target, infos


def list_trust_roots(home: str | os.PathLike[str]) -> list[CertificateInfo]:
    """Configured roots (VANTHU_HOME/trust) and the organisation CAs' roots."""
    out: list[CertificateInfo] = []
    folder = trust_dir(home)
    files = sorted(p for p in folder.glob("*") if p.suffix.lower() in ROOT_SUFFIXES)
    for p in files:
        try:
            certs = _parse_certificates(p.read_bytes(), p.name)
        except ValidationFailed:
            continue
        out += [certificate_info(c, p.name) for c in certs]
    for p in sorted((Path(home) / CA_FOLDER).glob(f"*/{CA_CERT_FILE}")):
        for c in _parse_certificates(p.read_bytes(), p.name):
            out.append(certificate_info(c, f"CA of {p.parent.name}"))
    return out


def check_pkcs12(data: bytes, passphrase: str) -> Pkcs12Check:
    """Open an externally issued PKCS#12 and say whether it may sign documents."""
    try:
        _key, cert, others = pkcs12.load_key_and_certificates(data, passphrase.encode() or None)
    except ValueError as exc:
        raise ValidationFailed(
            N_("The PKCS#12 passphrase is wrong, or the file is not a PKCS#12 file.")
        ) from exc
    if cert is None:
        raise ValidationFailed(N_("The PKCS#12 file holds no certificate."))
    problem = None
    try:
        signing.import_pkcs12(data, passphrase)
    except signing.WrongPassphrase as exc:
        raise ValidationFailed(str(exc)) from exc
    except signing.SigningError as exc:
        problem = str(exc)
    return Pkcs12Check(
        certificate=certificate_info(cert, "PKCS#12"),
        chain=tuple(certificate_info(c, "PKCS#12") for c in others),
        problem=problem,
    )


def add_pkcs12_roots(session: Session, home: str | os.PathLike[str], data: bytes,
                     passphrase: str, origin: str) -> list[Path]:
    """Store the self-signed roots a PKCS#12 file carries in its chain as trust roots."""
    try:
        _key, _cert, others = pkcs12.load_key_and_certificates(data, passphrase.encode() or None)
    except ValueError as exc:
        raise ValidationFailed(
            N_("The PKCS#12 passphrase is wrong, or the file is not a PKCS#12 file.")
        ) from exc
    roots = [c for c in others if c.issuer == c.subject]
    if not roots:
        raise NotFound(N_("The PKCS#12 file does not contain its root certificate; add the "
                          "root with `vanthu trust add ROOT.pem`."))
    written: list[tuple[Path, bytes]] = []
    try:
        for root in roots:
            cn = root.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
            label = str(cn[0].value) if cn else "root"
            pem = root.public_bytes(serialization.Encoding.PEM)
            name = f"{label}-{_fingerprint(root)[:8]}.pem"
            target, _infos, new = _store_root(session, home, pem, name, origin)
            if new:
                written.append((target, pem))
        for target, pem in written:
            _write_atomic(target, pem)
        session.commit()
    except BaseException:
        session.rollback()
        for target, _pem in written:
            target.unlink(missing_ok=True)
        raise
    return [t for t, _ in written]


# -- verification and signing policy -------------------------------------------------------


def verify_pdf(data: bytes, trust_roots: Sequence[Any], crls: Iterable[bytes] = (),
               allow_fetching: bool = False) -> signing.ValidationReport:
    """Validate every signature of a PDF (raises signing.MalformedPdf on an unreadable file)."""
    return signing.validate_pdf(data, trust_roots, crls=list(crls), allow_fetching=allow_fetching)


def signing_policy(config: Mapping[str, Any], trust_roots: Sequence[Any] = (),
                   crls: Sequence[bytes] = ()) -> signing.SigningPolicy:
    """The installation's PAdES level and TSA (SIGNATURE_LEVEL, TSA_URL) as a signing policy."""
    from app.config import ConfigError

    level = str(config.get("SIGNATURE_LEVEL") or "B-B").upper()
    if level not in LEVELS:
        raise ConfigError(f"VANTHU_SIGNATURE_LEVEL must be one of {', '.join(LEVELS)}, "
                          f"not {level!r}.")
    tsa_url = str(config.get("TSA_URL") or "").strip() or None
    if level != "B-B" and not tsa_url:
        raise ConfigError(f"VANTHU_SIGNATURE_LEVEL={level} needs VANTHU_TSA_URL "
                          "(an RFC 3161 time-stamping service).")
    return signing.SigningPolicy(level=signing.Level(level), tsa_url=tsa_url,
                                 trust_roots=tuple(trust_roots), crls=tuple(crls))
