"""Refusals of the leader's signature through the API: a wrong passphrase, an expired signing
certificate and a missing signature image each get a clear 4xx message, and leave the
document, its files, the stored key and the audit trail exactly as they were."""

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from sqlalchemy import func, select

from app.domain.files import StoredFile
from app.domain.models import AuditEvent
from app.domain.outgoing import OutgoingDocument, OutgoingEvent, SigningCredential

from .pki import ORG_PASS, PASS, _key, build_pki, make_png
from .test_outgoing_api import act, create, ids, people  # noqa: F401 - fixture reuse


@pytest.fixture
def h(people):  # noqa: F811
    """The demo people's API headers, with the leader's and organisation's keys stored."""
    return people


EXPIRED_ON = datetime.now(UTC).replace(microsecond=0) - timedelta(days=30)


def expired_p12(passphrase: str = PASS, common_name: str = "Nguyễn Văn An") -> bytes:
    """A PKCS#12 from the test CA whose certificate expired 30 days ago (valid for a year
    before that), with a signing key usage: only its dates are wrong."""
    pki = build_pki()
    key = _key(3)
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "SKHCN"),
                    x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                ]
            )
        )
        .issuer_name(pki.root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(EXPIRED_ON - timedelta(days=365))
        .not_valid_after(EXPIRED_ON)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(pki.root_key.public_key()),
            critical=False,
        )
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(pki.root_key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        b"k", key, cert, [pki.root], serialization.BestAvailableEncryption(passphrase.encode())
    )


def upload_my_key(client, headers, p12=None, passphrase=PASS, png=None):
    data = {"passphrase": passphrase}
    if p12 is not None:
        data["pkcs12"] = (io.BytesIO(p12), "key.p12")
    if png is not None:
        data["signature_png"] = (io.BytesIO(png), "chuky.png")
    return client.post(
        "/api/v1/me/signing-key", data=data, headers=headers, content_type="multipart/form-data"
    )


def awaiting_signature(client, db, h):
    resp = create(client, db, h["chuyenvien"])
    assert resp.status_code == 201, resp.get_json()
    doc_id = resp.get_json()["id"]
    assert act(client, h["chuyenvien"], doc_id, "submit").status_code == 200
    assert act(client, h["truongphong"], doc_id, "approve").status_code == 200
    return doc_id


def objects_on_disk(app) -> int:
    root = Path(app.config["HOME"]) / "objects"
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


def snapshot(db, app, doc_ids, leader_id):
    """Everything a refused signature must leave untouched."""
    db.expire_all()
    cred = db.get(SigningCredential, ("user", leader_id))
    return {
        "states": [db.get(OutgoingDocument, d).state for d in doc_ids],
        "signed_at": [db.get(OutgoingDocument, d).signed_at for d in doc_ids],
        "files": db.scalar(select(func.count()).select_from(StoredFile)),
        "objects": objects_on_disk(app),
        "events": db.scalar(
            select(func.count()).select_from(OutgoingEvent).where(OutgoingEvent.action == "sign")
        ),
        "audit": db.scalars(
            select(AuditEvent.action).where(
                AuditEvent.action.in_(("outgoing.signed", "signing.credential_saved"))
            )
        ).all(),
        "credential": None if cred is None else (cred.pkcs12, cred.image_png),
    }


def error_of(resp):
    body = resp.get_json()
    assert body and "error" in body, resp.get_data(as_text=True)[:300]
    return body["error"]["message"]


def assert_versions(client, h, doc_id, versions):
    detail = client.get(f"/api/v1/outgoing/{doc_id}", headers=h["giamdoc"]).get_json()
    assert detail["state"] == "awaiting_signature"
    assert [v["version"] for v in detail["versions"]] == versions


# -- wrong passphrase ------------------------------------------------------------------------


def test_wrong_passphrase_is_refused_and_nothing_is_stored(client, db, app, h) -> None:
    leader = ids(db, "user", username="giamdoc")
    doc_id = awaiting_signature(client, db, h)
    other = awaiting_signature(client, db, h)
    before = snapshot(db, app, [doc_id, other], leader)
    assert before["files"] == 2 and before["objects"] >= 1 and before["credential"][1]

    for wrong in ("sai-mat-khau", PASS.upper(), PASS + " "):
        resp = act(client, h["giamdoc"], doc_id, "sign", passphrase=wrong)
        assert resp.status_code == 400, resp.get_json()
        message = error_of(resp)

        assert "passphrase" in message and "wrong" in message, message
        assert "Nguyễn Văn An" in message
    empty = act(client, h["giamdoc"], doc_id, "sign", passphrase="")
    assert empty.status_code == 400 and "passphrase" in error_of(empty)
    missing = act(client, h["giamdoc"], doc_id, "sign")
    assert missing.status_code == 400 and "passphrase" in error_of(missing)

    batch = client.post(
        "/api/v1/outgoing/sign",
        json={"ids": [doc_id, other], "passphrase": "sai-mat-khau"},
        headers=h["giamdoc"],
    )
    assert batch.status_code == 400 and "passphrase" in error_of(batch)

    assert snapshot(db, app, [doc_id, other], leader) == before
    assert_versions(client, h, doc_id, [1])
    assert_versions(client, h, other, [1])

    # The right passphrase still works afterwards: nothing was locked or half-written.
    ok = act(client, h["giamdoc"], doc_id, "sign", passphrase=PASS)
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["state"] == "signed" and ok.get_json()["main"]["version"] == 2


# -- expired certificate ---------------------------------------------------------------------


def test_uploading_an_expired_certificate_is_refused(client, db, app, h) -> None:
    leader = ids(db, "user", username="giamdoc")
    before = snapshot(db, app, [], leader)
    resp = upload_my_key(client, h["giamdoc"], expired_p12(), PASS, make_png("signature"))
    assert resp.status_code == 400, resp.get_json()
    message = error_of(resp)
    assert "expired" in message and f"{EXPIRED_ON:%Y-%m-%d}" in message, message
    # Neither the key nor the image sent with it replaced the stored ones.
    assert snapshot(db, app, [], leader) == before

    # The same for the organisation's key.
    org = ids(db, "org", abbreviation="SKHCN")
    org_before = db.get(SigningCredential, ("organisation", org)).pkcs12
    resp = client.post(
        "/api/v1/organisation/signing-key",
        data={
            "pkcs12": (io.BytesIO(expired_p12(ORG_PASS, "Sở KH&CN Cao Bằng")), "org.p12"),
            "passphrase": ORG_PASS,
        },
        headers=h["admin"],
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400 and "expired" in error_of(resp)
    db.expire_all()
    assert db.get(SigningCredential, ("organisation", org)).pkcs12 == org_before


def test_signing_with_a_certificate_that_has_expired_is_refused(client, db, app, h) -> None:
    """A key stored while valid, whose certificate has expired since."""
    leader = ids(db, "user", username="giamdoc")
    doc_id = awaiting_signature(client, db, h)
    db.get(SigningCredential, ("user", leader)).pkcs12 = expired_p12()
    db.commit()
    before = snapshot(db, app, [doc_id], leader)

    resp = act(client, h["giamdoc"], doc_id, "sign", passphrase=PASS)
    assert resp.status_code == 400, resp.get_json()
    message = error_of(resp)
    assert "expired" in message and f"{EXPIRED_ON:%Y-%m-%d}" in message, message
    assert "Nguyễn Văn An" in message

    batch = client.post(
        "/api/v1/outgoing/sign", json={"ids": [doc_id], "passphrase": PASS}, headers=h["giamdoc"]
    )
    assert batch.status_code == 400 and "expired" in error_of(batch)

    assert snapshot(db, app, [doc_id], leader) == before
    assert_versions(client, h, doc_id, [1])


def test_issuing_with_an_expired_organisation_certificate_is_refused(client, db, app, h) -> None:
    doc_id = awaiting_signature(client, db, h)
    assert act(client, h["giamdoc"], doc_id, "sign", passphrase=PASS).status_code == 200
    org = ids(db, "org", abbreviation="SKHCN")
    db.get(SigningCredential, ("organisation", org)).pkcs12 = expired_p12(
        ORG_PASS, "Sở KH&CN Cao Bằng"
    )
    db.commit()
    files_before, objects_before = (
        db.scalar(select(func.count()).select_from(StoredFile)),
        objects_on_disk(app),
    )
    resp = act(client, h["vanthu"], doc_id, "issue", passphrase=ORG_PASS)
    assert resp.status_code == 400, resp.get_json()
    assert "expired" in error_of(resp)
    db.expire_all()
    doc = db.get(OutgoingDocument, doc_id)
    assert doc.state == "signed" and doc.number is None
    assert db.scalar(select(func.count()).select_from(StoredFile)) == files_before
    assert objects_on_disk(app) == objects_before


# -- missing signature image -----------------------------------------------------------------


@pytest.fixture
def leader_without_image(client, db, h):
    """The leader's stored key has no handwritten-signature image (e.g. uploaded key only)."""
    leader = ids(db, "user", username="giamdoc")
    db.delete(db.get(SigningCredential, ("user", leader)))
    db.commit()
    resp = upload_my_key(client, h["giamdoc"], build_pki().p12("Nguyễn Văn An", 1, PASS))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {"pkcs12": True, "image": False}
    return h


def test_signing_without_a_signature_image_is_refused(
    client, db, app, leader_without_image
) -> None:
    h = leader_without_image
    leader = ids(db, "user", username="giamdoc")
    doc_id = awaiting_signature(client, db, h)
    before = snapshot(db, app, [doc_id], leader)

    resp = act(client, h["giamdoc"], doc_id, "sign", passphrase=PASS)
    assert resp.status_code == 400, resp.get_json()
    message = error_of(resp)
    assert "signature image" in message and "Nguyễn Văn An" in message, message

    batch = client.post(
        "/api/v1/outgoing/sign", json={"ids": [doc_id], "passphrase": PASS}, headers=h["giamdoc"]
    )
    assert batch.status_code == 400 and "signature image" in error_of(batch)

    assert snapshot(db, app, [doc_id], leader) == before
    assert_versions(client, h, doc_id, [1])

    # Once the image is uploaded (on its own: the key stays), signing works.
    resp = upload_my_key(client, h["giamdoc"], png=make_png("signature"))
    assert resp.status_code == 200 and resp.get_json() == {"pkcs12": True, "image": True}
    ok = act(client, h["giamdoc"], doc_id, "sign", passphrase=PASS)
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["state"] == "signed"


def test_signing_without_any_stored_key_is_refused(client, db, app, h) -> None:
    leader = ids(db, "user", username="giamdoc")
    doc_id = awaiting_signature(client, db, h)
    db.delete(db.get(SigningCredential, ("user", leader)))
    db.commit()
    resp = act(client, h["giamdoc"], doc_id, "sign", passphrase=PASS)
    assert resp.status_code == 400 and "No signing key" in error_of(resp)
    assert_versions(client, h, doc_id, [1])


def test_an_invalid_signature_image_is_refused_at_upload(client, db, app, h) -> None:
    leader = ids(db, "user", username="giamdoc")
    before = snapshot(db, app, [], leader)
    resp = upload_my_key(client, h["giamdoc"], png=b"\x89PNG\r\n\x1a\nnot really")
    assert resp.status_code == 400 and "image" in error_of(resp)
    assert snapshot(db, app, [], leader) == before
