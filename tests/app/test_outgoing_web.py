"""Outgoing documents in the browser (server-rendered forms): the whole flow and its pages."""

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from app.domain.models import Department, Organisation, User

from .conftest import csrf_token, login
from .pdfs import make_pdf
from .pki import ORG_PASS, PASS, build_pki, make_png


@pytest.fixture
def browser(app, demo):
    """One logged-in test client per demo user."""
    clients = {}

    def get(username):
        if username not in clients:
            c = app.test_client()
            assert login(c, username).status_code == 302
            clients[username] = c
        return clients[username]

    return get


def _id(db, model, **where):
    q = select(model.id)
    for k, v in where.items():
        q = q.where(getattr(model, k) == v)
    return db.scalar(q)


def test_flow_through_the_forms(app, db, browser) -> None:
    pki = build_pki()
    trust = Path(app.config["HOME"]) / "trust"
    trust.mkdir(parents=True, exist_ok=True)
    (trust / "root.pem").write_bytes(pki.root_pem)

    leader = browser("giamdoc")
    keys = leader.get("/outgoing/keys")
    assert keys.status_code == 200 and "PKCS#12" in keys.get_data(as_text=True)
    resp = leader.post(
        "/outgoing/keys",
        data={
            "csrf_token": csrf_token(leader, "/outgoing/keys"),
            "owner": "user",
            "pkcs12": (io.BytesIO(pki.p12("Nguyễn Văn An", 1, PASS)), "an.p12"),
            "passphrase": PASS,
            "image_png": (io.BytesIO(make_png("signature")), "chuky.png"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    admin = browser("admin")
    resp = admin.post(
        "/outgoing/keys",
        data={
            "csrf_token": csrf_token(admin, "/outgoing/keys"),
            "owner": "organisation",
            "pkcs12": (io.BytesIO(pki.p12("Sở KH&CN", 2, ORG_PASS)), "org.p12"),
            "passphrase": ORG_PASS,
            "image_png": (io.BytesIO(make_png("seal")), "dau.png"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302

    officer = browser("chuyenvien")
    page = officer.get("/outgoing/new")
    assert page.status_code == 200 and "Bộ KH" not in page.get_data(as_text=True)
    ubnd = _id(db, Organisation, abbreviation="UBND")
    vp = _id(
        db,
        Department,
        abbreviation="VP",
        organisation_id=_id(db, Organisation, abbreviation="SKHCN"),
    )
    resp = officer.post(
        "/outgoing/new",
        data={
            "csrf_token": csrf_token(officer, "/outgoing/new"),
            "doc_type": "CV",
            "subject": "Về việc <b>thử</b> quy trình",
            "urgency": "0",
            "confidentiality": "0",
            "signer_id": str(_id(db, User, username="giamdoc")),
            "recipient_departments": [str(vp)],
            "recipient_organisations": [str(ubnd)],
            "recipient_external": "Bộ Khoa học và Công nghệ; 000.00.00.G17;",
            "file": (io.BytesIO(make_pdf()), "du-thao.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    doc_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    detail = officer.get(f"/outgoing/{doc_id}").get_data(as_text=True)
    assert "&lt;b&gt;thử&lt;/b&gt;" in detail and "<b>thử</b>" not in detail
    assert "<script" not in detail

    def post(client, path, **data):
        data["csrf_token"] = csrf_token(client, f"/outgoing/{doc_id}")
        return client.post(path, data=data)

    assert post(officer, f"/outgoing/{doc_id}/submit").status_code == 302
    head = browser("truongphong")
    assert post(head, f"/outgoing/{doc_id}/approve").status_code == 302

    # The leader reads the PDF inline, then signs from the batch page.
    page = leader.get("/outgoing/sign").get_data(as_text=True)
    assert f'value="{doc_id}"' in page
    token = csrf_token(leader, "/outgoing/sign")
    resp = leader.post(
        "/outgoing/sign", data={"csrf_token": token, "ids": [str(doc_id)], "passphrase": "sai"}
    )
    assert resp.status_code == 400
    resp = leader.post(
        "/outgoing/sign", data={"csrf_token": token, "ids": [str(doc_id)], "passphrase": PASS}
    )
    assert resp.status_code == 200 and 'class="ok"' in resp.get_data(as_text=True)

    clerk = browser("vanthu")
    page = clerk.get(f"/outgoing/{doc_id}").get_data(as_text=True)
    assert "issue_passphrase" in page
    pdf_link = page.split('href="/outgoing/files/')[1].split('"')[0]
    inline = clerk.get(f"/outgoing/files/{pdf_link}")
    assert inline.status_code == 200 and inline.mimetype == "application/pdf"
    assert "attachment" not in inline.headers.get("Content-Disposition", "")
    wrong = post(clerk, f"/outgoing/{doc_id}/issue", passphrase="sai")
    assert wrong.status_code == 400
    resp = post(clerk, f"/outgoing/{doc_id}/issue", passphrase=ORG_PASS)
    assert resp.status_code == 302
    page = clerk.get(f"/outgoing/{doc_id}").get_data(as_text=True)
    assert "01/SKHCN-QLKH" in page

    # The UBND clerk registers it with one click; the sender then sees 03.
    other = browser("vanthu.ubnd")
    pending = other.get("/outgoing/pending").get_data(as_text=True)
    assert "01/SKHCN-QLKH" in pending
    rid = pending.split("/outgoing/pending/")[1].split("/")[0]
    resp = other.post(
        f"/outgoing/pending/{rid}/register",
        data={"csrf_token": csrf_token(other, "/outgoing/pending")},
    )
    assert resp.status_code == 302 and "/incoming/" in resp.headers["Location"]
    page = officer.get(f"/outgoing/{doc_id}").get_data(as_text=True)
    assert "03" in page.split("Bộ Khoa học")[0].split("Ủy ban nhân dân tỉnh Cao Bằng")[1]

    # The VP department has it in its received list.
    received = clerk.get("/outgoing?box=received").get_data(as_text=True)
    assert "01/SKHCN-QLKH" in received

    # Recall: the sender's clerk asks, the recipient's clerk accepts; the sender sees 15.
    assert post(clerk, f"/outgoing/{doc_id}/recall", reason="Sai số liệu").status_code == 302
    pending = other.get("/outgoing/pending").get_data(as_text=True)
    assert "Sai số liệu" in pending and "accept_recall" in pending
    resp = other.post(
        f"/outgoing/pending/{rid}/accept_recall",
        data={"csrf_token": csrf_token(other, "/outgoing/pending"), "reason": "Đồng ý"},
    )
    assert resp.status_code == 302
    page = officer.get(f"/outgoing/{doc_id}").get_data(as_text=True)
    assert '<span class="status-code">15' in page
    assert f'href="/outgoing/new?replaces={doc_id}"' in page
    export = clerk.get("/outgoing/register.xlsx")
    assert export.status_code == 200 and "spreadsheetml" in export.mimetype


def test_list_pages_and_refusals(app, db, browser) -> None:
    for user in ("chuyenvien", "truongphong", "giamdoc", "vanthu"):
        page = browser(user).get("/outgoing")
        assert page.status_code == 200
    assert browser("vanthu").get("/outgoing/new").status_code == 403
    assert browser("chuyenvien").get("/outgoing?box=nope").status_code == 400
    assert browser("chuyenvien").get("/outgoing/999").status_code == 404
    officer = browser("chuyenvien")
    resp = officer.post(
        "/outgoing/new",
        data={
            "csrf_token": csrf_token(officer, "/outgoing/new"),
            "doc_type": "CV",
            "subject": "Thiếu tệp",
            "signer_id": str(_id(db, User, username="giamdoc")),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400
    assert "Thiếu tệp" in resp.get_data(as_text=True)


def test_the_drafter_edits_details_and_recipients_in_the_browser(app, db, browser) -> None:
    from app.domain.outgoing import OutgoingDocument

    officer = browser("chuyenvien")
    giamdoc = _id(db, User, username="giamdoc")
    ubnd = _id(db, Organisation, abbreviation="UBND")
    resp = officer.post(
        "/outgoing/new",
        data={
            "csrf_token": csrf_token(officer, "/outgoing/new"),
            "doc_type": "CV",
            "subject": "Về việc báo cáo quý",
            "urgency": "0",
            "confidentiality": "0",
            "signer_id": str(giamdoc),
            "recipient_organisations": [str(ubnd)],
            "recipient_external": "Bộ Khoa học và Công nghệ; 000.00.00.G17; vt@most.gov.vn",
            "file": (io.BytesIO(make_pdf()), "du-thao.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    doc_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    assert f"/outgoing/{doc_id}/edit" in officer.get(f"/outgoing/{doc_id}").get_data(as_text=True)

    # The form opens with the draft's values, recipients included, and without file fields.
    page = officer.get(f"/outgoing/{doc_id}/edit").get_data(as_text=True)
    assert "Về việc báo cáo quý" in page and 'type="file"' not in page
    assert f'value="{ubnd}" checked' in page
    assert "Bộ Khoa học và Công nghệ; 000.00.00.G17; vt@most.gov.vn" in page

    token = csrf_token(officer, f"/outgoing/{doc_id}/edit")
    bad = officer.post(
        f"/outgoing/{doc_id}/edit",
        data={"csrf_token": token, "doc_type": "XX", "subject": "x", "signer_id": str(giamdoc)},
    )
    assert bad.status_code == 400 and "XX" in bad.get_data(as_text=True)
    db.expire_all()
    assert db.get(OutgoingDocument, doc_id).subject == "Về việc báo cáo quý"

    resp = officer.post(
        f"/outgoing/{doc_id}/edit",
        data={
            "csrf_token": token,
            "doc_type": "TB",
            "subject": "Thông báo lịch họp quý",
            "urgency": "1",
            "confidentiality": "0",
            "signer_id": str(giamdoc),
            "recipient_external": "Sở Tài chính; ; stc@example.vn",
        },
    )
    assert resp.status_code == 302
    db.expire_all()
    doc = db.get(OutgoingDocument, doc_id)
    assert (doc.doc_type, doc.subject, doc.urgency) == ("TB", "Thông báo lịch họp quý", 1)
    assert [(r.kind, r.name, r.email) for r in doc.recipients] == [
        ("external", "Sở Tài chính", "stc@example.vn")
    ]
    assert doc.events[-1].action == "edit"
    page = officer.get(f"/outgoing/{doc_id}/edit").get_data(as_text=True)
    assert "Sở Tài chính; ; stc@example.vn" in page

    # Another officer may not edit it; once submitted, nobody can.
    assert browser("vanthu").get(f"/outgoing/{doc_id}/edit").status_code == 403
    officer.post(f"/outgoing/{doc_id}/submit", data={"csrf_token": token})
    assert officer.get(f"/outgoing/{doc_id}/edit").status_code == 409
