"""Registration validates every PDF signature and shows the verdict; it never refuses."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from signing import LeaderAppearance, Pkcs12KeyStore, sign_leader
from tests.signing.conftest import PASS, Pki, make_png

from .pdfs import make_pdf
from .test_incoming_api import auth, post_doc


@pytest.fixture(scope="module")
def pki() -> Pki:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "UBND Cao Bằng Test Root")])
    now = datetime.now(UTC)
    root = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(now - timedelta(days=2))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Pki(key, root)


@pytest.fixture(scope="module")
def signed_pdf(pki: Pki) -> bytes:
    cert = pki.leaf("Hoàng Văn Đức", org="Ủy ban nhân dân tỉnh Cao Bằng")
    signer = Pkcs12KeyStore(pki.p12(cert)).signer(PASS)
    appearance = LeaderAppearance("Hoàng Văn Đức", "Chủ tịch", make_png("signature"))
    return sign_leader(make_pdf("Quyết định về việc phê duyệt"), signer, appearance)


def _verdicts(client, headers, doc_id):
    detail = client.get(f"/api/v1/incoming/{doc_id}", headers=headers).get_json()
    return detail["signature_verdict"], detail["files"][0]


def test_a_trusted_signature_is_valid(app, client, demo, pki, signed_pdf) -> None:
    trust = Path(app.config["HOME"]) / "trust"
    trust.mkdir(parents=True)
    (trust / "root.pem").write_bytes(pki.root.public_bytes(serialization.Encoding.PEM))
    headers = auth(client, "vanthu")
    resp = post_doc(client, headers, content=signed_pdf)
    assert resp.status_code == 201, resp.get_json()
    verdict, main = _verdicts(client, headers, resp.get_json()["id"])
    assert verdict == "valid"
    report = client.get(f"/api/v1/files/{main['id']}/signatures", headers=headers).get_json()
    assert report["signatures"][0]["signer_name"] == "Hoàng Văn Đức"
    assert report["signatures"][0]["trusted"] is True


def test_an_untrusted_signer_is_flagged_not_refused(client, demo, signed_pdf) -> None:
    headers = auth(client, "vanthu")
    resp = post_doc(client, headers, content=signed_pdf)
    assert resp.status_code == 201
    verdict, _ = _verdicts(client, headers, resp.get_json()["id"])
    assert verdict in ("indeterminate", "invalid")


def test_a_tampered_signed_pdf_is_flagged_invalid(app, client, demo, pki, signed_pdf) -> None:
    trust = Path(app.config["HOME"]) / "trust"
    trust.mkdir(parents=True)
    (trust / "root.pem").write_bytes(pki.root.public_bytes(serialization.Encoding.PEM))
    data = bytearray(signed_pdf)
    contents = data.find(b"/Contents <")
    pos = contents // 2  # well inside the signed byte range, before the signature value
    data[pos] ^= 0x01
    headers = auth(client, "vanthu")
    resp = post_doc(client, headers, content=bytes(data))
    assert resp.status_code == 201
    verdict, main = _verdicts(client, headers, resp.get_json()["id"])
    assert verdict == "invalid"
    assert main["signature_verdict"] == "invalid"
