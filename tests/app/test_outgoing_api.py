"""Outgoing documents through the API: draft → review → sign → issue → dispatch → receipt,
with real signatures, numbering series, refusals and atomic issue."""

import email
import email.policy
import io
import json
import socket
import subprocess
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

import signing
from app.domain.clock import today_vn
from app.domain.files import StoredFile
from app.domain.numbering import NumberCounter
from app.domain.outgoing import OutgoingDocument, OutgoingRecipient
from app.services import outgoing as outgoing_service

from .conftest import api_token
from .pdfs import make_pdf
from .pki import ORG_PASS, PASS, build_pki, make_png
from .test_reminders import Inbox


def auth(client, username):
    return {"Authorization": f"Bearer {api_token(client, username)}"}


def ids(db, model, **where):
    from app.domain.models import Department, Organisation, User

    table = {"user": User, "dept": Department, "org": Organisation}[model]
    query = select(table.id)
    for k, v in where.items():
        query = query.where(getattr(table, k) == v)
    return db.scalar(query)


@pytest.fixture
def people(client, demo, db, app):
    """Tokens of the demo people, and the signing keys and images stored the normal way."""
    pki = build_pki()
    trust = Path(app.config["HOME"]) / "trust"
    trust.mkdir(parents=True, exist_ok=True)
    (trust / "test-root.pem").write_bytes(pki.root_pem)
    h = {
        name: auth(client, name)
        for name in ("chuyenvien", "truongphong", "giamdoc", "vanthu", "vanthu.ubnd", "admin")
    }
    resp = client.post(
        "/api/v1/me/signing-key",
        data={
            "pkcs12": (io.BytesIO(pki.p12("Nguyễn Văn An", 1, PASS)), "an.p12"),
            "passphrase": PASS,
            "signature_png": (io.BytesIO(make_png("signature")), "chuky.png"),
        },
        headers=h["giamdoc"],
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200, resp.get_json()
    resp = client.post(
        "/api/v1/organisation/signing-key",
        data={
            "pkcs12": (io.BytesIO(pki.p12("Sở KH&CN Cao Bằng", 2, ORG_PASS)), "org.p12"),
            "passphrase": ORG_PASS,
            "seal_png": (io.BytesIO(make_png("seal")), "dau.png"),
        },
        headers=h["admin"],
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200, resp.get_json()
    return h


def draft_fields(db, **extra):
    fields = {
        "doc_type": "CV",
        "subject": "Về việc đề nghị báo cáo kết quả thực hiện nhiệm vụ khoa học",
        "urgency": "1",
        "confidentiality": "0",
        "signer_id": str(ids(db, "user", username="giamdoc")),
        "recipients": json.dumps(
            [
                {"kind": "department", "id": ids(db, "dept", abbreviation="KHTC")},
                {"kind": "organisation", "id": ids(db, "org", abbreviation="UBND")},
                {"kind": "external", "name": "Bộ Khoa học và Công nghệ", "code": "000.00.00.G17"},
            ]
        ),
    }
    fields.update(extra)
    return fields


def create(client, db, headers, content=None, filename="du-thao.pdf", attachments=(), **extra):
    data = draft_fields(db, **extra)
    if content is not False:
        data["file"] = (io.BytesIO(make_pdf() if content is None else content), filename)
    if attachments:
        data["attachments"] = [(io.BytesIO(c), n) for n, c in attachments]
    return client.post(
        "/api/v1/outgoing", data=data, headers=headers, content_type="multipart/form-data"
    )


def act(client, headers, doc_id, action, **body):
    return client.post(f"/api/v1/outgoing/{doc_id}/{action}", json=body, headers=headers)


def to_signed(client, db, h, **extra):
    resp = create(client, db, h["chuyenvien"], **extra)
    assert resp.status_code == 201, resp.get_json()
    doc_id = resp.get_json()["id"]
    assert act(client, h["chuyenvien"], doc_id, "submit").status_code == 200
    assert act(client, h["truongphong"], doc_id, "approve").status_code == 200
    resp = act(client, h["giamdoc"], doc_id, "sign", passphrase=PASS)
    assert resp.status_code == 200, resp.get_json()
    return doc_id


def download(client, headers, file_info):
    resp = client.get(file_info["url"], headers=headers)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return resp.data


def counter(db, series="out-admin"):
    db.expire_all()
    return db.scalar(
        select(NumberCounter.last).where(
            NumberCounter.series == series, NumberCounter.year == today_vn().year
        )
    )


def test_whole_flow_signs_numbers_seals_and_dispatches(client, db, people, tmp_path) -> None:
    h = people
    resp = create(
        client,
        db,
        h["chuyenvien"],
        attachments=[("phu-luc.pdf", make_pdf("Phụ lục danh sách")), ("bang.xlsx", b"PK\x03\x04x")],
    )
    assert resp.status_code == 201, resp.get_json()
    doc = resp.get_json()
    assert doc["state"] == "draft" and doc["number_notation"] is None
    assert [r["kind"] for r in doc["recipients"]] == ["department", "organisation", "external"]
    doc_id = doc["id"]

    assert act(client, h["chuyenvien"], doc_id, "submit").get_json()["state"] == "in_review"
    assert act(client, h["truongphong"], doc_id, "approve").get_json()["state"] == (
        "awaiting_signature"
    )
    signed = act(client, h["giamdoc"], doc_id, "sign", passphrase=PASS).get_json()
    assert signed["state"] == "signed" and signed["main"]["version"] == 2

    issued = act(client, h["vanthu"], doc_id, "issue", passphrase=ORG_PASS)
    assert issued.status_code == 200, issued.get_json()
    body = issued.get_json()
    assert body["state"] == "issued" and body["number"] == 1
    assert body["number_notation"] == "01/SKHCN-QLKH" and body["series"] == "out-admin"
    assert body["main"]["version"] == 3
    assert body["postal"] == ["Bộ Khoa học và Công nghệ"]
    statuses = {r["kind"]: (r["status"], r["delivery"]) for r in body["recipients"]}
    assert statuses == {
        "department": ("01", "internal"),
        "organisation": ("01", "exchange"),
        "external": ("", "post"),
    }

    # The leader's signature survives numbering and sealing as form filling only.
    pdf = download(client, h["vanthu"], body["main"])
    report = signing.validate_pdf(pdf, trust_roots=[build_pki().root_asn1])
    assert report.verdict == "valid", report.reason
    leader, org = report.signatures
    assert leader.field_name == "ChuKyLanhDao" and leader.intact and leader.trusted
    assert leader.modification_level == "FORM_FILLING" and leader.docmdp_ok
    assert org.field_name == "ChuKyCoQuan" and org.verdict == "valid"
    (tmp_path / "issued.pdf").write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "issued.pdf"), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert "01/SKHCN-QLKH" in text

    # Attachments: the PDF is signed by the organisation, the spreadsheet goes as it is.
    atts = {a["filename"]: a for a in body["attachments"]}
    assert atts["phu-luc.pdf"]["role"] == "signed_att" and atts["bang.xlsx"]["role"] == "attachment"
    att_report = signing.validate_pdf(
        download(client, h["vanthu"], atts["phu-luc.pdf"]), trust_roots=[build_pki().root_asn1]
    )
    assert att_report.verdict == "valid" and att_report.signatures[0].field_name == (
        "ChuKyCoQuanPhuLuc"
    )

    # The other organisation's clerk sees it waiting, pre-filled, and registers it in one click.
    pending = client.get("/api/v1/outgoing/received", headers=h["vanthu.ubnd"]).get_json()
    assert [p["document"]["id"] for p in pending["items"]] == [doc_id]
    recipient_id = pending["items"][0]["recipient_id"]
    assert client.get("/api/v1/outgoing/received", headers=h["vanthu"]).get_json()["items"] == []
    reg = client.post(
        f"/api/v1/outgoing/received/{recipient_id}/register", headers=h["vanthu.ubnd"]
    )
    assert reg.status_code == 201, reg.get_json()
    incoming = reg.get_json()
    assert incoming["number_notation"] == "01/SKHCN-QLKH" and incoming["arrival_number"] == 1
    assert incoming["issuing_org"] == "Sở Khoa học và Công nghệ tỉnh Cao Bằng"
    assert incoming["signature_verdict"] == "valid"
    assert incoming["urgency"] == 1
    again = client.post(
        f"/api/v1/outgoing/received/{recipient_id}/register", headers=h["vanthu.ubnd"]
    )
    assert again.status_code == 409

    def status_seen_by_sender():
        detail = client.get(f"/api/v1/outgoing/{doc_id}", headers=h["chuyenvien"]).get_json()
        return next(r["status"] for r in detail["recipients"] if r["kind"] == "organisation")

    assert status_seen_by_sender() == "03"
    # As the recipient works, the sender's view follows.
    ubnd_leader = ids(db, "user", username="chutich")
    ubnd_vp = ids(
        db, "dept", abbreviation="VP", organisation_id=ids(db, "org", abbreviation="UBND")
    )
    ubnd = auth(client, "vanthu.ubnd")
    r = client.post(
        f"/api/v1/incoming/{incoming['id']}/submit", json={"leader_id": ubnd_leader}, headers=ubnd
    )
    assert r.status_code == 200, r.get_json()
    assert status_seen_by_sender() == "03"
    r = client.post(
        f"/api/v1/incoming/{incoming['id']}/direct",
        json={"lead": ubnd_vp, "text": "VP xử lý"},
        headers=auth(client, "chutich"),
    )
    assert r.status_code == 200, r.get_json()
    assert status_seen_by_sender() == "04"

    # The department recipient has it in its received list.
    khtc_docs = client.get("/api/v1/outgoing?box=issued", headers=h["vanthu"]).get_json()
    assert [d["id"] for d in khtc_docs["items"]] == [doc_id]

    # Issued documents are frozen.
    frozen = client.post(
        f"/api/v1/outgoing/{doc_id}/version",
        data={"file": (io.BytesIO(make_pdf()), "v4.pdf")},
        headers=h["chuyenvien"],
        content_type="multipart/form-data",
    )
    assert frozen.status_code == 409
    assert act(client, h["vanthu"], doc_id, "issue", passphrase=ORG_PASS).status_code == 409


def test_return_for_revision_new_version_and_resubmit(client, db, people) -> None:
    h = people
    doc_id = create(client, db, h["chuyenvien"]).get_json()["id"]
    act(client, h["chuyenvien"], doc_id, "submit")
    no_reason = act(client, h["truongphong"], doc_id, "return")
    assert no_reason.status_code == 400
    back = act(client, h["truongphong"], doc_id, "return", comment="Sửa trích yếu")
    assert back.get_json()["state"] == "returned_for_revision"
    assert back.get_json()["state_reason"] == "Sửa trích yếu"
    resp = client.post(
        f"/api/v1/outgoing/{doc_id}/version",
        data={
            "file": (io.BytesIO(make_pdf("Bản sửa")), "du-thao-v2.pdf"),
            "source": (io.BytesIO(b"PK\x03\x04docx"), "du-thao-v2.docx"),
            "comment": "Đã sửa theo ý kiến",
        },
        headers=h["chuyenvien"],
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert [v["version"] for v in body["versions"]] == [1, 2]
    assert body["sources"][0]["filename"] == "du-thao-v2.docx"
    assert act(client, h["chuyenvien"], doc_id, "submit").get_json()["state"] == "in_review"
    assert act(client, h["truongphong"], doc_id, "approve").status_code == 200
    # The leader can return it too.
    back = act(client, h["giamdoc"], doc_id, "return", comment="Bổ sung số liệu")
    assert back.get_json()["state"] == "returned_for_revision"
    comment = act(client, h["giamdoc"], doc_id, "comment", text="Xem lại đoạn 2")
    assert comment.status_code == 200
    assert [e["action"] for e in comment.get_json()["timeline"]] == [
        "create",
        "submit",
        "return",
        "new_version",
        "submit",
        "approve",
        "return",
        "comment",
    ]


def test_refusals_leave_nothing_half_written(client, db, people) -> None:
    h = people

    def counts():
        db.expire_all()
        return (
            db.scalar(select(func.count()).select_from(OutgoingDocument)),
            db.scalar(select(func.count()).select_from(StoredFile)),
        )

    before = counts()
    assert create(client, db, h["chuyenvien"], content=False).status_code == 400
    bad = create(client, db, h["chuyenvien"], content=b"%PDF-1.4 broken")
    assert bad.status_code == 400 and "readable PDF" in bad.get_json()["error"]["message"]
    assert create(client, db, h["chuyenvien"], filename="x.docx").status_code == 400
    wrong_signer = create(
        client, db, h["chuyenvien"], signer_id=str(ids(db, "user", username="truongphong"))
    )
    assert wrong_signer.status_code == 400
    clerk = create(client, db, h["vanthu"])
    assert clerk.status_code == 403 and clerk.get_json()["error"]["code"] == "forbidden"
    assert counts() == before

    doc_id = create(client, db, h["chuyenvien"]).get_json()["id"]
    wrong_state = act(client, h["vanthu"], doc_id, "issue", passphrase=ORG_PASS)
    assert wrong_state.status_code == 409
    assert "draft" in wrong_state.get_json()["error"]["message"]
    assert act(client, h["truongphong"], doc_id, "approve").status_code == 409
    act(client, h["chuyenvien"], doc_id, "submit")
    assert act(client, h["chuyenvien"], doc_id, "approve").status_code == 403
    assert act(client, h["giamdoc"], doc_id, "sign", passphrase=PASS).status_code == 409
    act(client, h["truongphong"], doc_id, "approve")
    assert act(client, h["vanthu"], doc_id, "sign", passphrase=PASS).status_code == 403
    wrong_pass = act(client, h["giamdoc"], doc_id, "sign", passphrase="sai")
    assert (
        wrong_pass.status_code == 400 and "passphrase" in wrong_pass.get_json()["error"]["message"]
    )
    assert act(client, h["giamdoc"], doc_id, "dance").status_code == 404
    detail = client.get(f"/api/v1/outgoing/{doc_id}", headers=h["giamdoc"]).get_json()
    assert detail["state"] == "awaiting_signature" and len(detail["versions"]) == 1
    # Someone of another organisation cannot even see it.
    assert client.get(f"/api/v1/outgoing/{doc_id}", headers=h["vanthu.ubnd"]).status_code == 403


def test_signing_failure_at_issue_burns_no_number(client, db, people, monkeypatch) -> None:
    h = people
    doc_id = to_signed(client, db, h)
    files_before = db.scalar(select(func.count()).select_from(StoredFile))
    wrong = act(client, h["vanthu"], doc_id, "issue", passphrase="sai-mat-khau")
    assert wrong.status_code == 400
    assert counter(db) is None

    # A failure after the number was taken (here: the file store) rolls the counter back too.
    from app.domain.errors import ServiceUnavailable

    def broken_store(*args, **kwargs):
        raise ServiceUnavailable("The file store is unavailable; nothing was saved.")

    real_next = outgoing_service.numbering.next_number
    taken = []

    def spy(*args, **kwargs):
        taken.append(real_next(*args, **kwargs))
        return taken[-1]

    monkeypatch.setattr(outgoing_service.numbering, "next_number", spy)
    monkeypatch.setattr(outgoing_service, "_store_pdf", broken_store)
    failed = act(client, h["vanthu"], doc_id, "issue", passphrase=ORG_PASS)
    assert failed.status_code == 503 and taken == [1]
    assert not counter(db)
    detail = client.get(f"/api/v1/outgoing/{doc_id}", headers=h["vanthu"]).get_json()
    assert detail["state"] == "signed" and detail["number"] is None
    assert db.scalar(select(func.count()).select_from(StoredFile)) == files_before
    recipients = db.scalars(select(OutgoingRecipient)).all()
    assert {r.status_code for r in recipients} == {""}

    monkeypatch.undo()
    ok = act(client, h["vanthu"], doc_id, "issue", passphrase=ORG_PASS)
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["number_notation"] == "01/SKHCN-QLKH" and counter(db) == 1


def test_series_and_notations(client, db, people) -> None:
    h = people
    skhcn = ids(db, "org", abbreviation="SKHCN")
    db.add(NumberCounter(organisation_id=skhcn, series="out-admin", year=today_vn().year, last=4))
    db.commit()
    cv = to_signed(client, db, h)
    qd = to_signed(client, db, h, doc_type="QD", legal_normative="true")
    tb = to_signed(client, db, h, doc_type="TB")
    secret = to_signed(client, db, h, doc_type="TB", confidentiality="1")
    notations = {}
    for doc_id in (cv, qd, tb, secret):
        resp = act(client, h["vanthu"], doc_id, "issue", passphrase=ORG_PASS)
        assert resp.status_code == 200, resp.get_json()
        notations[doc_id] = (resp.get_json()["series"], resp.get_json()["number_notation"])
    assert notations == {
        cv: ("out-admin", "05/SKHCN-QLKH"),
        qd: ("out-qppl-QD", "01/QĐ-SKHCN"),
        tb: ("out-admin", "06/TB-SKHCN"),
        secret: ("out-secret", "01/TB-SKHCN"),
    }


def test_notation_rules() -> None:
    assert outgoing_service.notation_for(5, "CV", "UBND", "VP") == "05/UBND-VP"
    assert outgoing_service.notation_for(12, "QD", "UBND", "VP") == "12/QĐ-UBND"
    assert outgoing_service.notation_for(7, "QYD", "SKHCN", "VP") == "07/QyĐ-SKHCN"
    assert outgoing_service.notation_for(123, "TTR", "SKHCN", "VP") == "123/TTr-SKHCN"


def test_batch_signing_reports_each_document(client, db, people) -> None:
    h = people
    ready = []
    for _ in range(3):
        doc_id = create(client, db, h["chuyenvien"]).get_json()["id"]
        act(client, h["chuyenvien"], doc_id, "submit")
        act(client, h["truongphong"], doc_id, "approve")
        ready.append(doc_id)
    draft = create(client, db, h["chuyenvien"]).get_json()["id"]
    resp = client.post(
        "/api/v1/outgoing/sign",
        json={"ids": [*ready, draft, 99999], "passphrase": PASS},
        headers=h["giamdoc"],
    )
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["signed"] == 3 and body["failed"] == 2
    by_id = {r["id"]: r for r in body["results"]}
    assert all(by_id[i]["ok"] for i in ready)
    assert "draft" in by_id[draft]["error"] and by_id[99999]["error"]
    wrong = client.post(
        "/api/v1/outgoing/sign", json={"ids": ready, "passphrase": "sai"}, headers=h["giamdoc"]
    )
    assert wrong.status_code == 400


def test_external_recipients_are_emailed_the_document_and_its_recall(
    app, client, db, people
) -> None:
    from app.domain.models import User
    from app.domain.notifications import Notification

    h = people
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(SMTP_HOST=f"127.0.0.1:{port}", SMTP_SENDER="vanthu@skhcn.gov.vn")
    head = db.scalar(select(User).where(User.username == "truongphong"))
    recipients = json.dumps(
        [
            {"kind": "department", "id": head.department_id},
            {"kind": "external", "name": "Bộ KH&CN", "email": "vanthu@most.gov.vn"},
            {"kind": "external", "name": "Công ty A"},
        ]
    )
    try:
        doc_id = to_signed(client, db, h, recipients=recipients)
        body = act(client, h["vanthu"], doc_id, "issue", passphrase=ORG_PASS).get_json()
        assert body["emailed"] == ["vanthu@most.gov.vn"] and body["postal"] == ["Công ty A"]
        recalled = act(client, h["vanthu"], doc_id, "recall", reason="Sai số liệu")
        assert recalled.status_code == 200, recalled.get_json()
    finally:
        controller.stop()
    assert recalled.get_json()["emailed"] == ["vanthu@most.gov.vn"]
    assert recalled.get_json()["postal"] == ["Công ty A"]  # to be told on paper

    [(to, raw), (to2, raw2)] = inbox.messages
    message = email.message_from_string(raw, policy=email.policy.default)
    assert to == "vanthu@most.gov.vn"
    assert message["From"] == "vanthu@skhcn.gov.vn"  # the installation's configured sender
    assert "01/SKHCN-QLKH" in str(message["Subject"])
    [part] = list(message.iter_attachments())
    assert part.get_filename() == "du-thao.pdf" and part.get_content().startswith(b"%PDF")
    notice = email.message_from_string(raw2, policy=email.policy.default)
    assert to2 == "vanthu@most.gov.vn" and "thu hồi" in str(notice["Subject"])
    assert "Sai số liệu" in notice.get_content()
    kinds = db.scalars(select(Notification.kind).where(Notification.user_id == head.id)).all()
    assert "outgoing.received" in kinds and "outgoing.recalled" in kinds


def test_recipient_can_reject_and_sender_sees_02(client, db, people) -> None:
    h = people
    doc_id = to_signed(client, db, h)
    act(client, h["vanthu"], doc_id, "issue", passphrase=ORG_PASS)
    rid = client.get("/api/v1/outgoing/received", headers=h["vanthu.ubnd"]).get_json()["items"][0][
        "recipient_id"
    ]
    assert (
        client.post(f"/api/v1/outgoing/received/{rid}/register", headers=h["vanthu"]).status_code
        == 404
    )
    resp = client.post(
        f"/api/v1/outgoing/received/{rid}/reject",
        json={"reason": "Không đúng thẩm quyền"},
        headers=h["vanthu.ubnd"],
    )
    assert resp.status_code == 200
    detail = client.get(f"/api/v1/outgoing/{doc_id}", headers=h["chuyenvien"]).get_json()
    org = next(r for r in detail["recipients"] if r["kind"] == "organisation")
    assert org["status"] == "02" and org["status_note"] == "Không đúng thẩm quyền"


def test_reply_links_to_the_incoming_document(client, db, people) -> None:
    h = people
    inc = client.post(
        "/api/v1/incoming",
        data={
            "doc_type": "CV",
            "number_notation": "12/UBND-VP",
            "issued_date": "2026-03-02",
            "issuing_org": "UBND tỉnh",
            "subject": "Đề nghị báo cáo",
            "file": (io.BytesIO(make_pdf()), "den.pdf"),
        },
        headers=h["vanthu"],
        content_type="multipart/form-data",
    ).get_json()
    # Only someone who can open the incoming document may answer it.
    hidden = create(client, db, h["chuyenvien"], answers_incoming_id=str(inc["id"]))
    assert hidden.status_code == 403
    resp = create(client, db, h["truongphong"], answers_incoming_id=str(inc["id"]))
    assert resp.status_code == 403  # not routed to the department yet
    leader = auth(client, "giamdoc")
    client.post(
        f"/api/v1/incoming/{inc['id']}/submit",
        json={"leader_id": ids(db, "user", username="giamdoc")},
        headers=h["vanthu"],
    )
    client.post(
        f"/api/v1/incoming/{inc['id']}/direct",
        json={"lead": ids(db, "dept", abbreviation="QLKH"), "text": "Trả lời"},
        headers=leader,
    )
    resp = create(client, db, h["truongphong"], answers_incoming_id=str(inc["id"]))
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["answers_incoming_id"] == inc["id"]
    replies = client.get(f"/api/v1/outgoing?answers={inc['id']}", headers=leader).get_json()
    assert [d["id"] for d in replies["items"]] == [resp.get_json()["id"]]


def issue_to_ubnd(client, db, h, register=True):
    recipients = json.dumps([{"kind": "organisation", "id": ids(db, "org", abbreviation="UBND")}])
    doc_id = to_signed(client, db, h, recipients=recipients)
    resp = act(client, h["vanthu"], doc_id, "issue", passphrase=ORG_PASS)
    assert resp.status_code == 200, resp.get_json()
    pending = client.get("/api/v1/outgoing/received", headers=h["vanthu.ubnd"]).get_json()
    rid = next(p["recipient_id"] for p in pending["items"] if p["document"]["id"] == doc_id)
    incoming_id = None
    if register:
        reg = client.post(f"/api/v1/outgoing/received/{rid}/register", headers=h["vanthu.ubnd"])
        assert reg.status_code == 201, reg.get_json()
        incoming_id = reg.get_json()["id"]
    return doc_id, rid, incoming_id


def status_of(client, h, doc_id):
    detail = client.get(f"/api/v1/outgoing/{doc_id}", headers=h["vanthu"]).get_json()
    return detail["state"], [r["status"] for r in detail["recipients"]]


def test_recall_accepted_refused_and_replacement(client, db, people) -> None:
    h = people
    accepted, rid1, incoming1 = issue_to_ubnd(client, db, h)
    refused, rid2, _ = issue_to_ubnd(client, db, h)
    unregistered, rid3, _ = issue_to_ubnd(client, db, h, register=False)

    assert act(client, h["chuyenvien"], accepted, "recall", reason="Sai sót").status_code == 403
    assert act(client, h["vanthu"], accepted, "recall").status_code == 400
    for doc_id in (accepted, refused, unregistered):
        resp = act(client, h["vanthu"], doc_id, "recall", reason="Sai số liệu")
        assert resp.status_code == 200, resp.get_json()
    assert status_of(client, h, accepted) == ("recalled", ["13"])
    assert status_of(client, h, unregistered) == ("recalled", ["15"])
    received = client.get("/api/v1/outgoing/received", headers=h["vanthu.ubnd"]).get_json()
    assert received["items"] == []
    assert {r["recipient_id"] for r in received["recall_requests"]} == {rid1, rid2}
    assert (
        client.post(
            f"/api/v1/outgoing/received/{rid3}/register", headers=h["vanthu.ubnd"]
        ).status_code
        == 409
    )

    ok = client.post(
        f"/api/v1/outgoing/received/{rid1}/recall",
        json={"accept": True, "reason": "Đồng ý thu hồi"},
        headers=h["vanthu.ubnd"],
    )
    assert ok.status_code == 200, ok.get_json()
    no = client.post(
        f"/api/v1/outgoing/received/{rid2}/recall",
        json={"accept": False, "reason": "Đã triển khai"},
        headers=h["vanthu.ubnd"],
    )
    assert no.status_code == 200
    again = client.post(
        f"/api/v1/outgoing/received/{rid2}/recall",
        json={"accept": True, "reason": "x"},
        headers=h["vanthu.ubnd"],
    )
    assert again.status_code == 409
    assert status_of(client, h, accepted) == ("recalled", ["15"])
    assert status_of(client, h, refused) == ("recalled", ["16"])
    inc = client.get(f"/api/v1/incoming/{incoming1}", headers=h["vanthu.ubnd"]).get_json()
    assert inc["state"] == "withdrawn" and inc["state_reason"] == "Đồng ý thu hồi"

    # A replacement is a new document linked to the old one; issuing it replaces the old.
    draft = create(client, db, h["chuyenvien"]).get_json()["id"]
    wrong = create(client, db, h["chuyenvien"], replaces_id=str(draft))
    assert wrong.status_code == 409
    new = to_signed(client, db, h, replaces_id=str(accepted))
    body = act(client, h["vanthu"], new, "issue", passphrase=ORG_PASS).get_json()
    assert body["replaces_id"] == accepted and body["state"] == "issued"
    assert status_of(client, h, accepted)[0] == "replaced"


def test_outgoing_register_lists_issued_documents(client, db, people) -> None:
    h = people
    first = to_signed(client, db, h)
    second = to_signed(client, db, h, doc_type="TB", urgency="2")
    for doc_id in (first, second):
        assert act(client, h["vanthu"], doc_id, "issue", passphrase=ORG_PASS).status_code == 200
    to_signed(client, db, h)  # signed, not issued: not in the register
    reg = client.get("/api/v1/outgoing/register", headers=h["vanthu"])
    assert reg.status_code == 200, reg.get_json()
    body = reg.get_json()
    assert body["kind"] == "outgoing" and len(body["columns"]) == 10
    assert body["cover"]["title"] == "SỔ ĐĂNG KÝ VĂN BẢN ĐI"
    assert [row[0] for row in body["rows"]] == ["01/SKHCN-QLKH", "02/TB-SKHCN"]
    assert body["rows"][1][3].startswith("Nguyễn Văn An") and body["rows"][1][9] == "Thượng khẩn"
    assert body["cover"]["from_number"] == "01/SKHCN-QLKH"
    for fmt, mimetype in (("xlsx", "spreadsheetml"), ("pdf", "application/pdf")):
        resp = client.get(f"/api/v1/outgoing/register?format={fmt}", headers=h["giamdoc"])
        assert resp.status_code == 200 and mimetype in resp.mimetype
    assert client.get("/api/v1/outgoing/register", headers=h["chuyenvien"]).status_code == 403


def test_outgoing_documents_are_searchable_by_exactly_who_may_open_them(
    client, db, people
) -> None:
    """Drafts, signed, secret and issued documents are indexed after each change; the index's
    permission tokens give every user exactly the documents permissions.visible_outgoing gives."""
    from app.domain.models import User
    from app.services import permissions

    h = people
    subject = "Về việc kiểm tra quyền tìm kiếm văn bản đi"
    text = make_pdf("Nội dung dự thảo về chuyển đổi số trong cơ quan")
    draft = create(client, db, h["chuyenvien"], content=text, subject=subject)
    assert draft.status_code == 201
    secret_draft = create(client, db, h["chuyenvien"], subject=subject, confidentiality="2")
    signed = to_signed(client, db, h, subject=subject)
    secret_signed = to_signed(client, db, h, subject=subject, confidentiality="2")
    issued = to_signed(client, db, h, subject=subject)
    assert act(client, h["vanthu"], issued, "issue", passphrase=ORG_PASS).status_code == 200
    assert {draft.get_json()["id"], secret_draft.get_json()["id"], signed, secret_signed} <= {
        o.id for o in db.scalars(select(OutgoingDocument))
    }

    def found(username: str, **params) -> set[int]:
        resp = client.get(
            "/api/v1/search",
            query_string={"q": "kiểm tra quyền", "kind": "outgoing", "per_page": 100, **params},
            headers=auth(client, username),
        )
        assert resp.status_code == 200, resp.get_json()
        return {item["id"] for item in resp.get_json()["items"]}

    for user in db.scalars(select(User)):
        by_sql = set(
            db.scalars(select(OutgoingDocument.id).where(permissions.visible_outgoing(user)))
        )
        assert found(user.username) == by_sql, user.username
    # The text of the draft's PDF, unaccented, and the number given at issue.
    got = client.get(
        "/api/v1/search", query_string={"q": "chuyen doi so"}, headers=h["chuyenvien"]
    ).get_json()
    assert [(i["kind"], i["id"]) for i in got["items"]] == [("outgoing", draft.get_json()["id"])]
    number = db.get(OutgoingDocument, issued).number_notation
    assert found("vanthu", q=number) == {issued}
