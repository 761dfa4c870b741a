"""Organisation CA: init/open, issuing to PKCS#12 and to a token, revocation, trust roots."""

import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from signing import (
    CertificateAuthorityError,
    LeaderAppearance,
    OrgCA,
    Pkcs11KeyStore,
    Pkcs12KeyStore,
    WrongPassphrase,
    import_pkcs12,
    load_trust_roots,
    sign_leader,
    validate_pdf,
)
from signing.ca import DOCUMENT_SIGNING_OID

from .conftest import make_pdf

CRL_URL = "http://vanthu.test/ca/crl.der"


@pytest.fixture(scope="module")
def ca_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("ca")
    OrgCA.init(d, "Sở Nội vụ tỉnh Thử Nghiệm", "G01.12", "ca-pass", crl_url=CRL_URL,
               key_size=2048)
    return d


def test_init_protects_the_key_and_refuses_to_overwrite(ca_dir):
    key_file = ca_dir / "ca-key.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert b"ENCRYPTED" in key_file.read_bytes()
    with pytest.raises(CertificateAuthorityError, match="already exists"):
        OrgCA.init(ca_dir, "X", "Y", "p")


def test_open_with_wrong_passphrase(ca_dir):
    with pytest.raises(WrongPassphrase):
        OrgCA.open(ca_dir, "sai")
    with pytest.raises(CertificateAuthorityError, match="No organisation CA"):
        OrgCA.open(ca_dir / "missing", "ca-pass")


def test_issue_signing_certificate_with_usages_and_crl_point(ca_dir):
    ca = OrgCA.open(ca_dir, "ca-pass")
    p12 = ca.issue("Nguyễn Văn An", "an.nv", "user-pass", position="Giám đốc")
    _key, cert, chain = pkcs12.load_key_and_certificates(p12, b"user-pass")
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and ku.content_commitment and not ku.key_cert_sign
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert DOCUMENT_SIGNING_OID in eku
    dp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert dp[0].full_name[0].value == CRL_URL
    assert chain[0] == ca.certificate
    assert import_pkcs12(p12, "user-pass").subject.native["common_name"] == "Nguyễn Văn An"


def test_revoked_certificate_appears_in_crl_and_in_validation(ca_dir, signature_png):
    ca = OrgCA.open(ca_dir, "ca-pass")
    p12 = ca.issue("Lê Văn Cường", "cuong.lv", "pw")
    signer = Pkcs12KeyStore(p12).signer("pw")
    signed = sign_leader(make_pdf(), signer,
                         LeaderAppearance("Lê Văn Cường", "TRƯỞNG PHÒNG", signature_png))
    roots = [ca.root_asn1()]
    assert validate_pdf(signed, roots, crls=[ca.crl()]).verdict == "valid"
    serial = signer.signing_cert.serial_number
    ca.revoke(serial, "key_compromise")
    crl = x509.load_der_x509_crl(ca.crl())
    assert crl.get_revoked_certificate_by_serial_number(serial) is not None
    assert OrgCA.open(ca_dir, "ca-pass").issued()[-1].reason == "key_compromise"
    report = validate_pdf(signed, roots, crls=[ca.crl()])
    assert report.verdict == "invalid"
    assert report.signatures[0].revocation == "revoked"
    with pytest.raises(CertificateAuthorityError, match="Unknown revocation reason"):
        ca.revoke(serial, "bored")
    with pytest.raises(CertificateAuthorityError, match="No certificate with serial"):
        ca.revoke(12345)


def test_load_trust_roots_pem_and_der(ca_dir, tmp_path, pki):
    ca = OrgCA.open(ca_dir, "ca-pass")
    der = tmp_path / "root.der"
    der.write_bytes(ca.root_der())
    pem = tmp_path / "roots.pem"
    pem.write_bytes(ca.certificate.public_bytes(serialization.Encoding.PEM)
                    + pki.root.public_bytes(serialization.Encoding.PEM))
    roots = load_trust_roots([der, pem])
    assert len(roots) == 3
    bad = tmp_path / "bad.pem"
    bad.write_bytes(b"nonsense")
    with pytest.raises(CertificateAuthorityError, match="not a PEM or DER"):
        load_trust_roots([bad])


def test_issue_to_token(ca_dir, softhsm, signature_png):
    ca = OrgCA.open(ca_dir, "ca-pass")
    serial = ca.issue_to_token(softhsm.module, softhsm.label, softhsm.pin, "token-leader",
                               "Phạm Thị Dung", "dung.pt")
    with Pkcs11KeyStore(softhsm.module, softhsm.label, "token-leader") as store:
        signer = store.signer(softhsm.pin)
        assert signer.signing_cert.serial_number == serial
        signed = sign_leader(make_pdf(), signer,
                             LeaderAppearance("Phạm Thị Dung", "GIÁM ĐỐC", signature_png))
    assert validate_pdf(signed, [ca.root_asn1()]).verdict == "valid"
