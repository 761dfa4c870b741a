"""Key stores: turn a PKCS#12 file or a PKCS#11 token into a pyHanko signer, with clear errors."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from asn1crypto import x509
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.keys.internal import (
    translate_pyca_cryptography_cert_to_asn1,
    translate_pyca_cryptography_key_to_asn1,
)
from pyhanko.sign.signers.pdf_cms import Signer, SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params

from .errors import (
    CertificateExpired,
    CertificateNotYetValid,
    KeyStoreError,
    KeyUsageMissing,
    TokenNotFound,
    WrongPassphrase,
    WrongPin,
)

__all__ = [
    "CachedKeySigner",
    "Pkcs11KeyStore",
    "Pkcs12KeyStore",
    "check_signing_certificate",
]

REQUIRED_KEY_USAGES = ("digital_signature", "non_repudiation")


def check_signing_certificate(cert: x509.Certificate, at: datetime | None = None) -> None:
    """Raise a distinct error if ``cert`` may not sign documents at time ``at`` (default now)."""
    at = at or datetime.now(UTC)
    subject = cert.subject.human_friendly
    not_before = cert["tbs_certificate"]["validity"]["not_before"].native
    not_after = cert["tbs_certificate"]["validity"]["not_after"].native
    if at < not_before:
        raise CertificateNotYetValid(
            f"The certificate of {subject} is not valid before {not_before:%Y-%m-%d %H:%M} UTC."
        )
    if at > not_after:
        raise CertificateExpired(
            f"The certificate of {subject} expired on {not_after:%Y-%m-%d %H:%M} UTC."
        )
    usages = cert.key_usage_value.native if cert.key_usage_value is not None else set()
    missing = [u for u in REQUIRED_KEY_USAGES if u not in usages]
    if missing:
        raise KeyUsageMissing(
            f"The certificate of {subject} may not be used for document signatures: "
            f"key usage {', '.join(missing)} missing."
        )


class CachedKeySigner(SimpleSigner):
    """A SimpleSigner that parses its private key once instead of on every raw signature."""

    def __init__(self, *args: Any, private_key: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._private_key = private_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        algo = mechanism.signature_algo
        key = self._private_key
        if algo == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if algo == "rsassa_pss" and isinstance(key, rsa.RSAPrivateKey):
            pss, hash_algo = process_pss_params(mechanism["parameters"])
            return key.sign(data, pss, hash_algo)
        if algo == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        return super().sign_raw(data, digest_algorithm)


class Pkcs12KeyStore:
    """A PKCS#12 (.p12/.pfx) key store held in memory; the passphrase is given at signing time."""

    def __init__(self, data: bytes, extra_certs: Iterable[x509.Certificate] = ()) -> None:
        self._data = bytes(data)
        self._extra_certs = list(extra_certs)
        self._cache: tuple[bytes, CachedKeySigner] | None = None

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], **kwargs: Any) -> Pkcs12KeyStore:
        """Read a PKCS#12 file from disk."""
        with open(path, "rb") as fh:
            return cls(fh.read(), **kwargs)

    def certificate(self, passphrase: str | bytes | None) -> x509.Certificate:
        """Return the certificate of the key (unlocks the store)."""
        return self._load(passphrase).signing_cert

    def signer(self, passphrase: str | bytes | None, at: datetime | None = None) -> Signer:
        """Unlock the store and return a signer; the certificate is checked at ``at`` (now)."""
        signer = self._load(passphrase)
        check_signing_certificate(signer.signing_cert, at)
        return signer

    def _load(self, passphrase: str | bytes | None) -> CachedKeySigner:
        pw = passphrase.encode() if isinstance(passphrase, str) else passphrase
        # Keep a digest, never the passphrase itself, to recognise a repeated unlock.
        tag = hashlib.sha256(b"vanthu-p12" + (pw or b"")).digest()
        if self._cache is not None and self._cache[0] == tag:
            return self._cache[1]
        try:
            key, cert, others = pkcs12.load_key_and_certificates(self._data, pw or None)
        except ValueError as e:
            raise WrongPassphrase(
                "Could not open the PKCS#12 file: the passphrase is wrong or the file is damaged."
            ) from e
        if key is None or cert is None:
            raise KeyStoreError("The PKCS#12 file holds no private key with its certificate.")
        registry = SimpleCertificateStore()
        registry.register_multiple(
            [translate_pyca_cryptography_cert_to_asn1(c) for c in others] + self._extra_certs
        )
        # The key parsed (and checked) once by load_key_and_certificates is the one the
        # signer keeps: loading it again would repeat the RSA key check on every unlock.
        signer = CachedKeySigner(
            signing_cert=translate_pyca_cryptography_cert_to_asn1(cert),
            signing_key=translate_pyca_cryptography_key_to_asn1(key),
            cert_registry=registry,
            private_key=key,
        )
        self._cache = (tag, signer)
        return signer


class Pkcs11KeyStore:
    """A key on a PKCS#11 token or HSM, found by module path, token label and key label."""

    def __init__(
        self,
        module_path: str,
        token_label: str,
        key_label: str,
        cert_label: str | None = None,
        extra_certs: Iterable[x509.Certificate] = (),
    ) -> None:
        self.module_path = module_path
        self.token_label = token_label
        self.key_label = key_label
        self.cert_label = cert_label or key_label
        self._extra_certs = list(extra_certs)
        self._sessions: list[Any] = []

    def _token(self) -> Any:
        from pkcs11 import lib as p11_lib
        from pkcs11.exceptions import PKCS11Error

        if not os.path.exists(self.module_path):
            raise TokenNotFound(f"PKCS#11 module {self.module_path} does not exist.")
        try:
            lib = p11_lib(self.module_path)
            slots = lib.get_slots(token_present=True)
        except (PKCS11Error, RuntimeError, OSError) as e:
            raise TokenNotFound(f"Could not load PKCS#11 module {self.module_path}: {e!r}") from e
        for slot in slots:
            try:
                token = slot.get_token()
            except PKCS11Error:
                continue
            if token.label == self.token_label:
                return token
        raise TokenNotFound(
            f"No token labelled '{self.token_label}' is present in {self.module_path}."
        )

    def signer(self, pin: str, at: datetime | None = None) -> Signer:
        """Log in to the token and return a signer; keep it for several signatures."""
        from pkcs11.exceptions import PinIncorrect, PinInvalid, PinLenRange, PKCS11Error
        from pyhanko.sign.pkcs11 import PKCS11Signer

        token = self._token()
        try:
            session = token.open(user_pin=pin)
        except (PinIncorrect, PinInvalid, PinLenRange) as e:
            raise WrongPin(f"The token '{self.token_label}' rejected the PIN.") from e
        except PKCS11Error as e:
            raise KeyStoreError(f"Could not log in to token '{self.token_label}': {e!r}") from e
        signer = PKCS11Signer(
            session,
            cert_label=self.cert_label,
            key_label=self.key_label,
            ca_chain=self._extra_certs or None,
        )
        try:
            cert = signer.signing_cert
        except PKCS11Error as e:
            session.close()
            raise TokenNotFound(
                f"Key or certificate '{self.key_label}' not found on token '{self.token_label}'."
            ) from e
        if cert.public_key.algorithm == "ec":
            # SoftHSM2 (and many tokens) only offer raw ECDSA.
            signer.use_raw_mechanism = True
        try:
            check_signing_certificate(cert, at)
        except KeyStoreError:
            session.close()
            raise
        self._sessions.append(session)
        return signer

    def close(self) -> None:
        """Close every session opened by :meth:`signer`."""
        while self._sessions:
            try:
                self._sessions.pop().close()
            except Exception:  # noqa: S110 - closing a dead session is not an error
                pass

    def __enter__(self) -> Pkcs11KeyStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
