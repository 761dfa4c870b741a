"""Organisation certificate authority (for agencies without an external CA) and trust roots.

Choice: the root private key is stored encrypted with a passphrase (PKCS#8, best available
encryption) *and* written with 0600 permissions; the passphrase is asked for each time the
CA is opened and never stored.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from .errors import CertificateAuthorityError, WrongPassphrase

__all__ = [
    "IssuedCertificate",
    "OrgCA",
    "REVOCATION_REASONS",
    "load_trust_roots",
    "import_pkcs12",
]

#: RFC 9336 id-kp-documentSigning.
DOCUMENT_SIGNING_OID = ObjectIdentifier("1.3.6.1.5.5.7.3.36")

REVOCATION_REASONS = {
    "unspecified": x509.ReasonFlags.unspecified,
    "key_compromise": x509.ReasonFlags.key_compromise,
    "affiliation_changed": x509.ReasonFlags.affiliation_changed,
    "superseded": x509.ReasonFlags.superseded,
    "cessation_of_operation": x509.ReasonFlags.cessation_of_operation,
    "certificate_hold": x509.ReasonFlags.certificate_hold,
}

_CERT = "ca-cert.pem"
_KEY = "ca-key.pem"
_STATE = "ca.json"


@dataclass(frozen=True)
class IssuedCertificate:
    """A certificate issued by the organisation CA."""

    serial: int
    """Serial number of the certificate."""
    subject: str
    """Human-readable subject (CN, O, ...)."""
    username: str
    """VanThu username the certificate was issued to."""
    not_after: datetime
    """End of validity (UTC)."""
    revoked_at: datetime | None
    """Revocation time (UTC), or None when not revoked."""
    reason: str | None
    """Revocation reason name, or None."""


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)


def _name(common_name: str, org_name: str | None, org_code: str | None = None,
          username: str | None = None, position: str | None = None,
          unit: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if org_name:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org_name))
    if unit:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    if org_code:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, org_code))
    if position:
        attrs.append(x509.NameAttribute(NameOID.TITLE, position))
    if username:
        attrs.append(x509.NameAttribute(NameOID.USER_ID, username))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


class OrgCA:
    """An organisation root CA kept in a directory: certificate, encrypted key, state."""

    def __init__(self, directory: Path, cert: x509.Certificate, key: rsa.RSAPrivateKey,
                 state: dict[str, Any]) -> None:
        self.directory = directory
        self.certificate = cert
        self._key = key
        self._state = state

    # -- creation and loading -------------------------------------------------------------
    @classmethod
    def init(
        cls,
        directory: str | os.PathLike[str],
        org_name: str,
        org_code: str,
        passphrase: str,
        *,
        crl_url: str | None = None,
        validity_days: int = 3650,
        key_size: int = 3072,
    ) -> OrgCA:
        """Create a new root CA in ``directory`` (must not already hold one)."""
        path = Path(directory)
        if (path / _CERT).exists():
            raise CertificateAuthorityError(f"A CA already exists in {path}.")
        if not passphrase:
            raise CertificateAuthorityError("A passphrase is required to protect the CA key.")
        path.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
        name = _name(f"{org_name} CA", org_name, org_code)
        now = datetime.now(UTC) - timedelta(minutes=5)
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + timedelta(days=validity_days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .add_extension(ski, critical=False)
            .sign(key, hashes.SHA256())
        )
        state: dict[str, Any] = {"org_name": org_name, "org_code": org_code, "crl_url": crl_url,
                 "crl_number": 0, "issued": {}}
        _write_private(
            path / _KEY,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(passphrase.encode()),
            ),
        )
        (path / _CERT).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        ca = cls(path, cert, key, state)
        ca._save()
        return ca

    @classmethod
    def open(cls, directory: str | os.PathLike[str], passphrase: str) -> OrgCA:
        """Open an existing CA; raises WrongPassphrase if the key cannot be decrypted."""
        path = Path(directory)
        try:
            cert = x509.load_pem_x509_certificate((path / _CERT).read_bytes())
            key_pem = (path / _KEY).read_bytes()
            state = json.loads((path / _STATE).read_text("utf-8"))
        except FileNotFoundError as e:
            raise CertificateAuthorityError(f"No organisation CA in {path}.") from e
        try:
            key = serialization.load_pem_private_key(key_pem, passphrase.encode())
        except (ValueError, TypeError) as e:
            raise WrongPassphrase("The CA passphrase is wrong.") from e
        if not isinstance(key, rsa.RSAPrivateKey):
            raise CertificateAuthorityError("The CA key is not an RSA key.")
        return cls(path, cert, key, state)

    def _save(self) -> None:
        tmp = self.directory / (_STATE + ".tmp")
        tmp.write_text(json.dumps(self._state, indent=2, ensure_ascii=False), "utf-8")
        os.replace(tmp, self.directory / _STATE)

    # -- properties ---------------------------------------------------------------------------
    @property
    def org_name(self) -> str:
        return str(self._state["org_name"])

    @property
    def crl_url(self) -> str | None:
        return self._state.get("crl_url")

    @crl_url.setter
    def crl_url(self, url: str | None) -> None:
        """Change the CRL distribution point put into certificates issued from now on."""
        self._state["crl_url"] = url
        self._save()

    def root_der(self) -> bytes:
        """The root certificate in DER, to configure as a trust root."""
        return self.certificate.public_bytes(serialization.Encoding.DER)

    def root_asn1(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.root_der())

    # -- issuing ----------------------------------------------------------------------------
    def _build_cert(self, public_key: Any, common_name: str, username: str, org_name: str | None,
                    position: str | None, unit: str | None, validity_days: int,
                    email: str | None) -> x509.Certificate:
        now = datetime.now(UTC) - timedelta(minutes=5)
        ca_ski = self.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name, org_name or self.org_name, None, username,
                                position, unit))
            .issuer_name(self.certificate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + timedelta(days=validity_days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(True, True, False, False, False, False, False, False, False),
                critical=True,
            )
            .add_extension(
                x509.ExtendedKeyUsage([DOCUMENT_SIGNING_OID, ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                critical=False,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski.value),
                critical=False,
            )
        )
        if email:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False
            )
        if self.crl_url:
            builder = builder.add_extension(
                x509.CRLDistributionPoints([
                    x509.DistributionPoint([x509.UniformResourceIdentifier(self.crl_url)],
                                           None, None, None)
                ]),
                critical=False,
            )
        cert = builder.sign(self._key, hashes.SHA256())
        self._state["issued"][str(cert.serial_number)] = {
            "subject": cert.subject.rfc4514_string(),
            "username": username,
            "not_after": cert.not_valid_after_utc.isoformat(),
            "revoked_at": None,
            "reason": None,
        }
        self._save()
        return cert

    def issue(
        self,
        common_name: str,
        username: str,
        passphrase: str,
        *,
        org_name: str | None = None,
        position: str | None = None,
        unit: str | None = None,
        email: str | None = None,
        validity_days: int = 730,
        key_size: int = 2048,
    ) -> bytes:
        """Issue a signing certificate with a new RSA key; return a PKCS#12 protected by
        ``passphrase`` (which the user keeps; it is not stored)."""
        if not passphrase:
            raise CertificateAuthorityError("A passphrase is required for the PKCS#12 file.")
        key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
        cert = self._build_cert(key.public_key(), common_name, username, org_name, position,
                                unit, validity_days, email)
        return pkcs12.serialize_key_and_certificates(
            username.encode(), key, cert, [self.certificate],
            serialization.BestAvailableEncryption(passphrase.encode()),
        )

    def issue_for_public_key(self, public_key_der: bytes, common_name: str, username: str,
                             **kwargs: Any) -> bytes:
        """Issue a certificate for a key generated elsewhere (e.g. on a token); return DER."""
        public_key = serialization.load_der_public_key(public_key_der)
        cert = self._build_cert(
            public_key, common_name, username, kwargs.get("org_name"), kwargs.get("position"),
            kwargs.get("unit"), kwargs.get("validity_days", 730), kwargs.get("email"),
        )
        return cert.public_bytes(serialization.Encoding.DER)

    def issue_to_token(self, module_path: str, token_label: str, pin: str, key_label: str,
                       common_name: str, username: str, **kwargs: Any) -> int:
        """Generate an RSA key pair on a PKCS#11 token, issue its certificate and write the
        certificate back to the token under ``key_label``. Returns the serial number."""
        from pkcs11 import Attribute, KeyType, ObjectClass
        from pkcs11.util.rsa import encode_rsa_public_key

        from .keystores import Pkcs11KeyStore

        token = Pkcs11KeyStore(module_path, token_label, key_label)._token()
        from pkcs11.exceptions import PinIncorrect

        from .errors import WrongPin

        try:
            session = token.open(user_pin=pin, rw=True)
        except PinIncorrect as e:
            raise WrongPin(f"The token '{token_label}' rejected the PIN.") from e
        with session:
            key_id = secrets.token_bytes(8)
            pub, _priv = session.generate_keypair(
                KeyType.RSA, kwargs.pop("key_size", 2048), id=key_id, label=key_label,
                store=True,
                private_template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False,
                                  Attribute.SIGN: True},
            )
            from asn1crypto import keys as asn1_keys

            spki = asn1_keys.PublicKeyInfo({
                "algorithm": {"algorithm": "rsa"},
                "public_key": asn1_keys.RSAPublicKey.load(encode_rsa_public_key(pub)),
            })
            der = self.issue_for_public_key(spki.dump(), common_name, username, **kwargs)
            cert = x509.load_der_x509_certificate(der)
            session.create_object({
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: 0,  # CKC_X_509
                Attribute.TOKEN: True,
                Attribute.LABEL: key_label,
                Attribute.ID: key_id,
                Attribute.SUBJECT: cert.subject.public_bytes(),
                Attribute.VALUE: der,
            })
        return cert.serial_number

    # -- revocation -------------------------------------------------------------------------
    def issued(self) -> list[IssuedCertificate]:
        """Certificates issued so far, with their revocation state."""
        out = []
        for serial, row in self._state["issued"].items():
            out.append(IssuedCertificate(
                serial=int(serial), subject=row["subject"], username=row["username"],
                not_after=datetime.fromisoformat(row["not_after"]),
                revoked_at=datetime.fromisoformat(row["revoked_at"]) if row["revoked_at"]
                else None,
                reason=row["reason"],
            ))
        return out

    def revoke(self, serial: int, reason: str = "unspecified") -> None:
        """Revoke a certificate issued by this CA."""
        if reason not in REVOCATION_REASONS:
            raise CertificateAuthorityError(
                f"Unknown revocation reason '{reason}'; use one of {sorted(REVOCATION_REASONS)}."
            )
        row = self._state["issued"].get(str(serial))
        if row is None:
            raise CertificateAuthorityError(f"No certificate with serial {serial} was issued "
                                            "by this CA.")
        if row["revoked_at"] is None:
            row["revoked_at"] = datetime.now(UTC).isoformat()
            row["reason"] = reason
            self._save()

    def crl(self, validity_days: int = 7) -> bytes:
        """A freshly signed CRL in DER (publish it at the CRL distribution point URL)."""
        now = datetime.now(UTC) - timedelta(minutes=1)
        self._state["crl_number"] += 1
        self._save()
        ca_ski = self.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.certificate.subject)
            .last_update(now)
            .next_update(now + timedelta(days=validity_days))
            .add_extension(x509.CRLNumber(self._state["crl_number"]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski.value),
                critical=False,
            )
        )
        for serial, row in self._state["issued"].items():
            if row["revoked_at"]:
                entry = (
                    x509.RevokedCertificateBuilder()
                    .serial_number(int(serial))
                    .revocation_date(datetime.fromisoformat(row["revoked_at"]))
                )
                if row["reason"] != "unspecified":
                    entry = entry.add_extension(
                        x509.CRLReason(REVOCATION_REASONS[row["reason"]]), critical=False
                    )
                builder = builder.add_revoked_certificate(entry.build())
        return builder.sign(self._key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def load_trust_roots(paths: Iterable[str | os.PathLike[str]]) -> list[asn1_x509.Certificate]:
    """Load trust roots from PEM (one or many certificates) or DER files."""
    out: list[asn1_x509.Certificate] = []
    for p in paths:
        data = Path(p).read_bytes()
        try:
            if b"-----BEGIN" in data:
                certs = x509.load_pem_x509_certificates(data)
            else:
                certs = [x509.load_der_x509_certificate(data)]
        except ValueError as e:
            raise CertificateAuthorityError(f"{p} is not a PEM or DER certificate file.") from e
        out.extend(
            asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in certs
        )
    return out


def import_pkcs12(data: bytes, passphrase: str) -> asn1_x509.Certificate:
    """Check an externally issued PKCS#12 (e.g. Government CA) and return its certificate.

    The file itself is what the app stores; the passphrase is only used for this check.
    """
    from .keystores import Pkcs12KeyStore, check_signing_certificate

    cert = Pkcs12KeyStore(data).certificate(passphrase)
    check_signing_certificate(cert)
    return cert
