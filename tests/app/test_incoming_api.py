import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.domain.files import StoredFile
from app.domain.incoming import IncomingDocument
from app.domain.models import Department, User

from .conftest import api_token
from .pdfs import make_pdf

FIELDS = {
    "doc_type": "CV",
    "number_notation": "125/UBND-VP",
    "issued_date": "2026-03-02",
    "issuing_org": "Ủy ban nhân dân tỉnh Cao Bằng",
    "subject": "Về việc triển khai kế hoạch",
    "signer_name": "Hoàng Văn Đức",
    "signer_position": "Chủ tịch",
    "urgency": "0",
    "confidentiality": "0",
    "received_via": "email",
}


def auth(client, username):
    return {"Authorization": f"Bearer {api_token(client, username)}"}


def post_doc(client, headers, fields=None, content=None, filename="vanban.pdf", attachments=()):
    data = dict(FIELDS if fields is None else fields)
    if content is not False:
        data["file"] = (io.BytesIO(make_pdf() if content is None else content), filename)
    if attachments:
        data["attachments"] = [(io.BytesIO(c), n) for n, c in attachments]
    return client.post(
        "/api/v1/incoming", data=data, headers=headers, content_type="multipart/form-data"
    )


def counts(db):
    db.expire_all()
    return (
        db.scalar(select(func.count()).select_from(IncomingDocument)),
        db.scalar(select(func.count()).select_from(StoredFile)),
    )


def user_id(db, username):
    return db.scalar(select(User.id).where(User.username == username))


def dept_id(db, abbr, org="SKHCN"):
    return db.scalar(
        select(Department.id).where(
            Department.abbreviation == abbr, Department.organisation.has(abbreviation=org)
        )
    )


def test_registration_numbers_from_one_and_flags_duplicates(client, demo) -> None:
    headers = auth(client, "vanthu")
    first = post_doc(client, headers, attachments=[("phuluc.pdf", make_pdf("Phụ lục"))])
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["arrival_number"] == 1 and body["state"] == "registered"
    assert body["signature_verdict"] == "unsigned" and body["duplicates"] == []
    second = post_doc(client, headers)
    assert second.get_json()["arrival_number"] == 2
    assert second.get_json()["duplicates"] == [body["id"]]
    detail = client.get(f"/api/v1/incoming/{body['id']}", headers=headers).get_json()
    assert [f["role"] for f in detail["files"]] == ["main", "attachment"]
    assert detail["page_count"] == 1
    assert detail["timeline"][0]["action"] == "register"


def test_another_organisation_numbers_independently(client, demo) -> None:
    post_doc(client, auth(client, "vanthu"))
    other = post_doc(client, auth(client, "vanthu.ubnd"))
    assert other.get_json()["arrival_number"] == 1


@pytest.mark.parametrize(
    "case,status,words",
    [
        ("officer", 403, "not allowed"),
        ("no_file", 400, "file"),
        ("not_pdf", 400, "not a real PDF"),
        ("malformed", 400, "not a readable PDF"),
        ("docx_main", 400, "only these file types"),
        ("bad_type", 400, "Unknown document type"),
        ("bad_date", 400, "date"),
        ("missing_subject", 400, "subject"),
        ("bad_attachment", 400, "only these file types"),
    ],
)
def test_refusals_leave_nothing_behind(client, db, demo, case, status, words) -> None:
    headers = auth(client, "chuyenvien" if case == "officer" else "vanthu")
    fields = dict(FIELDS)
    kwargs = {}
    if case == "no_file":
        kwargs["content"] = False
    elif case == "not_pdf":
        kwargs["content"] = b"hello, not a pdf"
    elif case == "malformed":
        kwargs["content"] = b"%PDF-1.7\n1 0 obj garbage without xref\n%%EOF"
    elif case == "docx_main":
        kwargs["filename"] = "vanban.docx"
    elif case == "bad_type":
        fields["doc_type"] = "XYZ"
    elif case == "bad_date":
        fields["issued_date"] = "32/13/2026"
    elif case == "missing_subject":
        fields["subject"] = "   "
    elif case == "bad_attachment":
        kwargs["attachments"] = [("virus.exe", b"MZ\x90\x00")]
    before = counts(db)
    resp = post_doc(client, headers, fields, **kwargs)
    assert resp.status_code == status, resp.get_json()
    assert words.lower() in resp.get_json()["error"]["message"].lower()
    assert counts(db) == before
    # No number was burned: the next registration gets number 1.
    ok = post_doc(client, auth(client, "vanthu"))
    assert ok.get_json()["arrival_number"] == 1


def test_oversize_upload_is_413(app, client, db, demo) -> None:
    headers = auth(client, "vanthu")
    app.config["MAX_CONTENT_LENGTH"] = 20_000
    resp = post_doc(client, headers, content=make_pdf("x" * 100, pages=60))
    assert resp.status_code == 413
    assert counts(db) == (0, 0)


def test_unreachable_file_store_gives_503_and_writes_nothing(tmp_path, database_url) -> None:
    from app.domain.base import Base
    from app.services.demo import load_demo

    from .conftest import make_app

    app = make_app(
        tmp_path / "h",
        database_url,
        STORAGE_BACKEND="minio",
        MINIO_ENDPOINT="127.0.0.1:9",
        MINIO_ACCESS_KEY="k",
        MINIO_SECRET_KEY="s" * 8,
    )
    Base.metadata.create_all(app.extensions["vanthu.engine"])
    with app.extensions["vanthu.sessionmaker"]() as session:
        load_demo(session)
    client = app.test_client()
    resp = post_doc(client, auth(client, "vanthu"))
    assert resp.status_code == 503
    assert "file store is unavailable" in resp.get_json()["error"]["message"]
    with app.extensions["vanthu.sessionmaker"]() as session:
        assert counts(session) == (0, 0)
    app.extensions["vanthu.engine"].dispose()


def test_whole_workflow_through_the_api(client, db, demo) -> None:
    clerk, leader = auth(client, "vanthu"), auth(client, "giamdoc")
    head, officer = auth(client, "truongphong"), auth(client, "chuyenvien")
    doc_id = post_doc(client, clerk).get_json()["id"]
    url = f"/api/v1/incoming/{doc_id}"
    # Illegal order: directing before submission is a 409 that says why.
    early = client.post(f"{url}/direct", json={"lead": dept_id(db, "QLKH")}, headers=leader)
    assert early.status_code == 409
    assert "allowed now: submit" in early.get_json()["error"]["message"]
    # Wrong role: the officer cannot submit.
    assert (
        client.post(
            f"{url}/submit", json={"leader_id": user_id(db, "giamdoc")}, headers=officer
        ).status_code
        == 403
    )
    resp = client.post(f"{url}/submit", json={"leader_id": user_id(db, "giamdoc")}, headers=clerk)
    assert resp.status_code == 200 and resp.get_json()["state"] == "submitted"
    deadline = (date.today() + timedelta(days=10)).isoformat()
    resp = client.post(
        f"{url}/direct",
        headers=leader,
        json={
            "lead": dept_id(db, "QLKH"),
            "lead_deadline": deadline,
            "support": [dept_id(db, "KHTC")],
            "info": [dept_id(db, "VP")],
            "text": "Giao Phòng QLKH chủ trì tham mưu.",
        },
    )
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["state"] == "directed" and body["deadline"] == deadline
    assert [u["role"] for u in body["units"]] == ["lead", "support", "info"]
    resp = client.post(
        f"{url}/assign",
        headers=head,
        json={"users": [user_id(db, "chuyenvien")], "deadline": deadline},
    )
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["state"] == "in_progress"
    resp = client.post(f"{url}/progress", headers=officer, json={"note": "Đã dự thảo báo cáo."})
    assert resp.status_code == 200
    assert client.post(f"{url}/complete", headers=head, json={"result": "x"}).status_code == 403
    resp = client.post(
        f"{url}/complete",
        headers=officer,
        json={"result": "Đã có văn bản trả lời", "reply_reference": "45/SKHCN-QLKH"},
    )
    assert resp.status_code == 200 and resp.get_json()["state"] == "completed"
    actions = [e["action"] for e in resp.get_json()["timeline"]]
    assert actions == ["register", "submit", "direct", "assign", "progress", "complete"]
    # Finished documents refuse further steps with a 409.
    again = client.post(f"{url}/withdraw", headers=clerk, json={"reason": "x"})
    assert again.status_code == 409


def test_return_and_withdraw(client, db, demo) -> None:
    clerk = auth(client, "vanthu")
    a = post_doc(client, clerk).get_json()["id"]
    resp = client.post(f"/api/v1/incoming/{a}/return", headers=clerk, json={"reason": ""})
    assert resp.status_code == 400
    resp = client.post(
        f"/api/v1/incoming/{a}/return",
        headers=clerk,
        json={"reason": "Thiếu chữ ký số của cơ quan"},
    )
    assert resp.get_json()["state"] == "returned"
    b = post_doc(client, clerk).get_json()["id"]
    resp = client.post(
        f"/api/v1/incoming/{b}/withdraw", headers=clerk, json={"reason": "Cơ quan gửi thu hồi"}
    )
    assert resp.get_json()["state"] == "withdrawn"
    assert client.post(f"/api/v1/incoming/{b}/nonsense", headers=clerk, json={}).status_code == 404


def test_secret_documents_are_visible_only_to_those_routed(client, db, demo) -> None:
    clerk = auth(client, "vanthu")
    secret = post_doc(client, clerk, {**FIELDS, "confidentiality": "1"}).get_json()["id"]
    normal = post_doc(client, clerk).get_json()["id"]
    leader, officer = auth(client, "giamdoc"), auth(client, "chuyenvien")
    other_org = auth(client, "vanthu.ubnd")
    assert client.get(f"/api/v1/incoming/{secret}", headers=clerk).status_code == 200
    assert client.get(f"/api/v1/incoming/{secret}", headers=leader).status_code == 403
    assert client.get(f"/api/v1/incoming/{normal}", headers=leader).status_code == 200
    assert client.get(f"/api/v1/incoming/{normal}", headers=officer).status_code == 403
    assert client.get(f"/api/v1/incoming/{normal}", headers=other_org).status_code == 403
    ids = [d["id"] for d in client.get("/api/v1/incoming", headers=leader).get_json()["items"]]
    assert ids == [normal]
    file_id = client.get(f"/api/v1/incoming/{secret}", headers=clerk).get_json()["files"][0]["id"]
    assert client.get(f"/api/v1/files/{file_id}", headers=leader).status_code == 403
    # Once submitted to the leader, the secret document becomes visible to that leader only.
    client.post(
        f"/api/v1/incoming/{secret}/submit",
        headers=clerk,
        json={"leader_id": user_id(db, "giamdoc")},
    )
    assert client.get(f"/api/v1/incoming/{secret}", headers=leader).status_code == 200


def test_lists_filter_sort_and_page(client, db, demo) -> None:
    clerk = auth(client, "vanthu")
    for i in range(3):
        post_doc(
            client,
            clerk,
            {
                **FIELDS,
                "urgency": str(i),
                "doc_type": ["CV", "QD", "TB"][i],
                "subject": f"Văn bản {['alpha', 'beta', 'gamma'][i]}",
            },
        )
    items = client.get("/api/v1/incoming?sort=arrival_asc", headers=clerk).get_json()["items"]
    assert [d["arrival_number"] for d in items] == [1, 2, 3]
    got = client.get("/api/v1/incoming?type=QD", headers=clerk).get_json()
    assert got["total"] == 1 and got["items"][0]["doc_type"] == "QD"
    got = client.get("/api/v1/incoming?urgency=1&box=to_submit", headers=clerk).get_json()
    assert got["total"] == 2
    got = client.get("/api/v1/incoming?q=Gamma", headers=clerk).get_json()
    assert got["total"] == 1
    assert client.get("/api/v1/incoming?sort=bogus", headers=clerk).status_code == 400
    assert client.get("/api/v1/incoming?year=abc", headers=clerk).status_code == 400


def test_downloads_are_verified_and_damage_is_reported(app, client, db, demo) -> None:
    clerk = auth(client, "vanthu")
    content = make_pdf("Nội dung gốc")
    doc_id = post_doc(client, clerk, content=content).get_json()["id"]
    file_info = client.get(f"/api/v1/incoming/{doc_id}", headers=clerk).get_json()["files"][0]
    resp = client.get(f"/api/v1/files/{file_info['id']}", headers=clerk)
    assert resp.status_code == 200 and resp.data == content
    report = client.get(f"/api/v1/files/{file_info['id']}/signatures", headers=clerk).get_json()
    assert report["verdict"] == "unsigned"
    # Damage the stored object behind the app's back.
    key = db.get(StoredFile, file_info["id"]).storage_key
    path = next(
        p
        for p in Path(app.config["HOME"], "objects").rglob("*")
        if p.is_file() and key.split("/")[-1] in p.name
    )
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.chmod(0o644)
    path.write_bytes(bytes(data))
    resp = client.get(f"/api/v1/files/{file_info['id']}", headers=clerk)
    assert resp.status_code == 500
    assert resp.get_json()["error"]["code"] == "file_damaged"
