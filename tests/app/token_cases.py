"""Signing outgoing documents with keys on a SoftHSM2 token, through the API.

Run by tests/app/test_outgoing_token.py in a separate process: the PKCS#11 library reads
SOFTHSM2_CONF once per process, so the token made here must be the first one it sees. Not
collected on its own (the name does not start with test_).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from sqlalchemy import func, select

import signing
from app.domain.files import StoredFile
from app.domain.models import AuditEvent
from app.domain.outgoing import SigningCredential

from .conftest import login, make_app
from .pki import build_pki, make_png
from .test_outgoing_api import act, auth, create, ids

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN_LABEL = "vanthu-app-test"
PIN = "246810"
SO_PIN = "13579246"


@dataclass(frozen=True)
class Token:
    conf: Path
    label: str


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True)


def _public_key(tmp: Path, label: str) -> object:
    out = tmp / f"{label}.pub"
    _run("pkcs11-tool", "--module", SOFTHSM_MODULE, "--token-label", TOKEN_LABEL,
         "--read-object", "--type", "pubkey", "--label", label, "-o", str(out))
    data = out.read_bytes()
    try:
        return serialization.load_der_public_key(data)
    except ValueError:  # older OpenSC writes a bare PKCS#1 RSAPublicKey
        return serialization.load_der_public_key(asn1_keys.PublicKeyInfo({
            "algorithm": {"algorithm": "rsa"},
            "public_key": asn1_keys.RSAPublicKey.load(data),
        }).dump())


def _key_with_certificate(tmp: Path, label: str, key_id: str, common_name: str) -> None:
    """An RSA key generated on the token, and its certificate from the test PKI beside it."""
    _run("pkcs11-tool", "--module", SOFTHSM_MODULE, "--token-label", TOKEN_LABEL, "--login",
         "--pin", PIN, "--keypairgen", "--key-type", "rsa:2048", "--id", key_id,
         "--label", label, "--usage-sign")
    pki = build_pki()
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "SKHCN"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]))
        .issuer_name(pki.root.subject)
        .public_key(_public_key(tmp, label))  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(pki.root_key, hashes.SHA256())
    )
    der = tmp / f"{label}.der"
    der.write_bytes(cert.public_bytes(serialization.Encoding.DER))
    _run("pkcs11-tool", "--module", SOFTHSM_MODULE, "--token-label", TOKEN_LABEL, "--login",
         "--pin", PIN, "--write-object", str(der), "--type", "cert", "--id", key_id,
         "--label", label)


@pytest.fixture(scope="session")
def token() -> Iterator[Token]:
    """One SoftHSM2 token for the whole process, set up before any PKCS#11 use."""
    if not (shutil.which("softhsm2-util") and os.path.exists(SOFTHSM_MODULE)):
        pytest.fail("softhsm2 and opensc must be installed (apt-get install softhsm2 opensc)")
    tmp = Path(tempfile.mkdtemp(prefix="vanthu-app-softhsm-"))
    (tmp / "tokens").mkdir()
    conf = tmp / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tmp / 'tokens'}\nobjectstore.backend = file\n"
                    "log.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    _run("softhsm2-util", "--init-token", "--free", "--label", TOKEN_LABEL,
         "--pin", PIN, "--so-pin", SO_PIN)
    _key_with_certificate(tmp, "giamdoc", "01", "Nguyễn Văn An")
    _key_with_certificate(tmp, "seal", "02", "Sở KH&CN Cao Bằng")
    yield Token(conf, TOKEN_LABEL)
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def app(tmp_path: Path, database_url: str, token: Token) -> Iterator:
    from app.domain.base import Base

    app = make_app(tmp_path / "home", database_url, PKCS11_MODULES=SOFTHSM_MODULE)
    engine = app.extensions["vanthu.engine"]
    Base.metadata.create_all(engine)
    yield app
    engine.dispose()


def upload_token(client, headers, path="/api/v1/me/signing-key", image="signature_png",
                 key_label="giamdoc", token_label=TOKEN_LABEL, module=SOFTHSM_MODULE, **extra):
    data = {"token_module": module, "token_label": token_label, "key_label": key_label, **extra}
    if image:
        data[image] = (io.BytesIO(make_png("seal" if image == "seal_png" else "signature")),
                       "anh.png")
    return client.post(path, data=data, headers=headers, content_type="multipart/form-data")


@pytest.fixture
def h(client, demo, app):
    pki = build_pki()
    trust = Path(app.config["HOME"]) / "trust"
    trust.mkdir(parents=True, exist_ok=True)
    (trust / "test-root.pem").write_bytes(pki.root_pem)
    return {
        name: auth(client, name)
        for name in ("chuyenvien", "truongphong", "giamdoc", "vanthu", "admin")
    }


def awaiting_signature(client, db, h) -> int:
    resp = create(client, db, h["chuyenvien"])
    assert resp.status_code == 201, resp.get_json()
    doc_id = resp.get_json()["id"]
    assert act(client, h["chuyenvien"], doc_id, "submit").status_code == 200
    assert act(client, h["truongphong"], doc_id, "approve").status_code == 200
    return doc_id


def error_of(resp) -> str:
    return str(resp.get_json()["error"]["message"])


def snapshot(db, doc_id: int) -> tuple:
    db.expire_all()
    return (
        db.scalar(select(func.count()).select_from(StoredFile)),
        db.scalar(select(func.count()).select_from(AuditEvent)),
        sorted(db.scalars(select(AuditEvent.action))),
        client_state(db, doc_id),
    )


def client_state(db, doc_id: int) -> str:
    from app.domain.outgoing import OutgoingDocument

    return db.get(OutgoingDocument, doc_id).state


def test_leader_and_organisation_sign_with_the_token_pin(client, db, app, h, tmp_path) -> None:
    resp = upload_token(client, h["giamdoc"])
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {
        "pkcs12": False,
        "token": {"module": SOFTHSM_MODULE, "token_label": TOKEN_LABEL, "key_label": "giamdoc"},
        "image": True,
    }
    row = db.get(SigningCredential, ("user", ids(db, "user", username="giamdoc")))
    assert row is not None and row.pkcs12 is None and row.token_key_label == "giamdoc"
    # Nothing of the PIN anywhere in the stored row.
    assert PIN not in repr([getattr(row, c.key) for c in SigningCredential.__table__.columns])
    resp = upload_token(client, h["admin"], "/api/v1/organisation/signing-key", "seal_png",
                        key_label="seal")
    assert resp.status_code == 200, resp.get_json()

    doc_id = awaiting_signature(client, db, h)
    signed = act(client, h["giamdoc"], doc_id, "sign", passphrase=PIN)
    assert signed.status_code == 200, signed.get_json()
    assert signed.get_json()["state"] == "signed" and signed.get_json()["main"]["version"] == 2

    issued = act(client, h["vanthu"], doc_id, "issue", passphrase=PIN)
    assert issued.status_code == 200, issued.get_json()
    body = issued.get_json()
    assert body["state"] == "issued" and body["main"]["version"] == 3
    pdf = client.get(body["main"]["url"], headers=h["vanthu"]).data
    report = signing.validate_pdf(pdf, trust_roots=[build_pki().root_asn1])
    assert report.verdict == "valid", report.reason
    leader, org = report.signatures
    assert leader.field_name == "ChuKyLanhDao" and leader.intact and leader.trusted
    assert leader.signer_name == "Nguyễn Văn An"
    assert org.field_name == "ChuKyCoQuan" and org.verdict == "valid"

    # Batch signing unlocks the token once with the PIN too.
    others = [awaiting_signature(client, db, h) for _ in range(2)]
    batch = client.post("/api/v1/outgoing/sign", json={"ids": others, "passphrase": PIN},
                        headers=h["giamdoc"])
    assert batch.status_code == 200 and batch.get_json()["signed"] == 2, batch.get_json()


def test_wrong_pin_and_missing_token_are_refused_with_nothing_changed(client, db, app,
                                                                     h) -> None:
    assert upload_token(client, h["giamdoc"]).status_code == 200
    doc_id = awaiting_signature(client, db, h)
    before = snapshot(db, doc_id)
    assert before[3] == "awaiting_signature"

    for wrong in ("000000", PIN + "0"):
        resp = act(client, h["giamdoc"], doc_id, "sign", passphrase=wrong)
        assert resp.status_code == 400, resp.get_json()
        message = error_of(resp)
        assert "rejected the PIN" in message and "Nguyễn Văn An" in message, message
    empty = act(client, h["giamdoc"], doc_id, "sign", passphrase="")
    assert empty.status_code == 400 and "PIN" in error_of(empty)
    batch = client.post("/api/v1/outgoing/sign", json={"ids": [doc_id], "passphrase": "000000"},
                        headers=h["giamdoc"])
    assert batch.status_code == 400 and "rejected the PIN" in error_of(batch)
    assert snapshot(db, doc_id) == before

    # The settings name a token that is not plugged in (or a key not on it).
    assert upload_token(client, h["giamdoc"], token_label="khong-co").status_code == 200
    stored = snapshot(db, doc_id)
    resp = act(client, h["giamdoc"], doc_id, "sign", passphrase=PIN)
    assert resp.status_code == 400 and "not found" in error_of(resp), resp.get_json()
    assert "khong-co" in error_of(resp)
    assert snapshot(db, doc_id) == stored
    assert upload_token(client, h["giamdoc"], key_label="khong-co").status_code == 200
    stored = snapshot(db, doc_id)
    resp = act(client, h["giamdoc"], doc_id, "sign", passphrase=PIN)
    assert resp.status_code == 400 and "not found" in error_of(resp), resp.get_json()
    assert snapshot(db, doc_id) == stored

    # The right token and PIN still work afterwards.
    assert upload_token(client, h["giamdoc"]).status_code == 200
    ok = act(client, h["giamdoc"], doc_id, "sign", passphrase=PIN)
    assert ok.status_code == 200 and ok.get_json()["state"] == "signed", ok.get_json()


def test_token_settings_are_checked_on_upload(client, db, app, h) -> None:
    leader = ids(db, "user", username="giamdoc")
    resp = upload_token(client, h["giamdoc"], module="/usr/lib/x86_64-linux-gnu/libc.so.6")
    assert resp.status_code == 400 and "not allowed" in error_of(resp)
    resp = upload_token(client, h["giamdoc"], key_label="")
    assert resp.status_code == 400 and "key label" in error_of(resp)
    resp = upload_token(
        client, h["giamdoc"], pkcs12=(io.BytesIO(build_pki().p12("An", 1, "pw")), "a.p12"),
        passphrase="pw",
    )
    assert resp.status_code == 400 and "not both" in error_of(resp)
    db.expire_all()
    assert db.get(SigningCredential, ("user", leader)) is None


def test_keys_page_offers_the_allowed_modules_and_shows_the_stored_token(client, db, app,
                                                                        h) -> None:
    login(client, "giamdoc")
    page = client.get("/outgoing/keys").get_data(as_text=True)
    assert "Token module" in page or "Mô-đun token" in page
    assert f'<option value="{SOFTHSM_MODULE}">' in page
    assert upload_token(client, h["giamdoc"]).status_code == 200
    page = client.get("/outgoing/keys").get_data(as_text=True)
    assert f"token {TOKEN_LABEL}" in page and "giamdoc" in page
