"""Key stores: PKCS#12 and PKCS#11 (SoftHSM2) signers and their distinct errors."""

from datetime import UTC, datetime, timedelta

import pytest

from signing import (
    CertificateExpired,
    CertificateNotYetValid,
    KeyUsageMissing,
    Pkcs11KeyStore,
    Pkcs12KeyStore,
    SigningError,
    TokenNotFound,
    WrongPassphrase,
    WrongPin,
)

from .conftest import PASS


def test_pkcs12_signer_exposes_certificate_and_caches_parsed_key(leader_p12):
    store = Pkcs12KeyStore(leader_p12)
    signer = store.signer(PASS)
    assert signer.signing_cert.subject.native["common_name"] == "Nguyễn Văn An"
    assert store.signer(PASS) is signer
    assert len(signer.sign_raw(b"data", "sha256")) == 256


def test_pkcs12_wrong_passphrase(leader_p12):
    with pytest.raises(WrongPassphrase, match="passphrase is wrong"):
        Pkcs12KeyStore(leader_p12).signer("sai")


def test_pkcs12_garbage_is_reported_as_wrong_passphrase_or_damaged():
    with pytest.raises(WrongPassphrase, match="damaged"):
        Pkcs12KeyStore(b"not a pkcs12").signer(PASS)


def test_expired_certificate(pki):
    now = datetime.now(UTC)
    cert = pki.leaf("Cũ", not_before=now - timedelta(days=30), not_after=now - timedelta(days=1))
    with pytest.raises(CertificateExpired, match="expired"):
        Pkcs12KeyStore(pki.p12(cert)).signer(PASS)


def test_not_yet_valid_certificate(pki):
    now = datetime.now(UTC)
    cert = pki.leaf("Mới", not_before=now + timedelta(days=2), not_after=now + timedelta(days=9))
    with pytest.raises(CertificateNotYetValid, match="not valid before"):
        Pkcs12KeyStore(pki.p12(cert)).signer(PASS)


def test_certificate_without_signing_key_usage(pki):
    cert = pki.leaf("Mã hoá", key_usage="encrypt")
    with pytest.raises(KeyUsageMissing, match="non_repudiation"):
        Pkcs12KeyStore(pki.p12(cert)).signer(PASS)


def test_errors_share_the_base_class():
    for exc in (WrongPassphrase, WrongPin, CertificateExpired, CertificateNotYetValid,
                KeyUsageMissing, TokenNotFound):
        assert issubclass(exc, SigningError)


def test_pkcs11_signer_signs_on_the_token(softhsm):
    with Pkcs11KeyStore(softhsm.module, softhsm.label, softhsm.key_label) as store:
        signer = store.signer(softhsm.pin)
        assert signer.signing_cert.subject.native["common_name"] == "Nguyễn Văn An"


def test_pkcs11_wrong_pin(softhsm):
    with pytest.raises(WrongPin):
        Pkcs11KeyStore(softhsm.module, softhsm.label, softhsm.key_label).signer("000000")


def test_pkcs11_unknown_token(softhsm):
    with pytest.raises(TokenNotFound, match="No token labelled 'khong-co'"):
        Pkcs11KeyStore(softhsm.module, "khong-co", softhsm.key_label).signer(softhsm.pin)


def test_pkcs11_missing_module():
    with pytest.raises(TokenNotFound, match="does not exist"):
        Pkcs11KeyStore("/nonexistent/libp11.so", "x", "y").signer("1")


def test_pkcs11_unknown_key(softhsm):
    with pytest.raises(TokenNotFound, match="not found on token"):
        Pkcs11KeyStore(softhsm.module, softhsm.label, "khong-co").signer(softhsm.pin)
