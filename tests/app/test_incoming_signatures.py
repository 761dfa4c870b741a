"""Registration validates every PDF signature and shows the verdict; it never refuses."""

from pathlib import Path

import pytest

from signing import LeaderAppearance, Pkcs12KeyStore, sign_leader
from tests.app.pki import PASS, Pki, build_pki, make_png

from .pdfs import make_pdf
from .test_incoming_api import auth, post_doc


@pytest.fixture(scope="module")
def pki() -> Pki:
    return build_pki()


@pytest.fixture(scope="module")
def signed_pdf(pki: Pki) -> bytes:
    p12 = pki.p12("Hoàng Văn Đức", 3, PASS, org="Ủy ban nhân dân tỉnh Cao Bằng")
    signer = Pkcs12KeyStore(p12).signer(PASS)
    appearance = LeaderAppearance("Hoàng Văn Đức", "Chủ tịch", make_png("signature"))
    return sign_leader(make_pdf("Quyết định về việc phê duyệt"), signer, appearance)


def _verdicts(client, headers, doc_id):
    detail = client.get(f"/api/v1/incoming/{doc_id}", headers=headers).get_json()
    return detail["signature_verdict"], detail["files"][0]


def test_a_trusted_signature_is_valid(app, client, demo, pki, signed_pdf) -> None:
    trust = Path(app.config["HOME"]) / "trust"
    trust.mkdir(parents=True)
    (trust / "root.pem").write_bytes(pki.root_pem)
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
    (trust / "root.pem").write_bytes(pki.root_pem)
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
