"""Exception tree of the signing package; messages are meant to be shown to administrators."""

from __future__ import annotations

__all__ = [
    "CertificateExpired",
    "CertificateNotYetValid",
    "CertificateAuthorityError",
    "InvalidImage",
    "KeyStoreError",
    "KeyUsageMissing",
    "MalformedPdf",
    "SigningError",
    "TimestampError",
    "TokenNotFound",
    "WrongPassphrase",
    "WrongPin",
]


class SigningError(Exception):
    """Base class of every error raised by the signing package."""


class KeyStoreError(SigningError):
    """The signing key or certificate could not be used."""


class WrongPassphrase(KeyStoreError):
    """The PKCS#12 passphrase is wrong (or the file is not a PKCS#12 file)."""


class WrongPin(KeyStoreError):
    """The token rejected the PIN."""


class TokenNotFound(KeyStoreError):
    """The PKCS#11 module, token or key could not be found."""


class CertificateExpired(KeyStoreError):
    """The signing certificate is past its notAfter date."""


class CertificateNotYetValid(KeyStoreError):
    """The signing certificate is before its notBefore date."""


class KeyUsageMissing(KeyStoreError):
    """The certificate lacks the digitalSignature / nonRepudiation key usage."""


class CertificateAuthorityError(SigningError):
    """The organisation CA could not be created, opened or used."""


class InvalidImage(SigningError):
    """A signature or seal image is not an acceptable PNG."""


class TimestampError(SigningError):
    """The time-stamping authority could not be reached or answered badly."""


class MalformedPdf(SigningError):
    """The input is not a PDF that can be read, signed or validated."""
