"""Search through the app: indexing after commit, the permission rule inside the query,
failures that never block a registration, reindex, and the fallback on a broken index."""

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app.cli import main
from app.domain.models import User
from app.services import permissions, search_index

from .pdfs import make_pdf
from .test_incoming_api import FIELDS, auth, dept_id, post_doc, user_id


def _env(app):
    return {
        "VANTHU_HOME": app.config["HOME"],
        "VANTHU_DATABASE_URL": app.config["DATABASE_URL"],
        "VANTHU_ENV": "testing",
    }


def _search(client, headers, **params):
    resp = client.get("/api/v1/search", query_string=params, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_registered_documents_are_found_with_and_without_accents(client, demo) -> None:
    clerk = auth(client, "vanthu")
    post_doc(
        client,
        clerk,
        {
            **FIELDS,
            "doc_type": "QD",
            "number_notation": "12/QĐ-UBND",
            "subject": "Quyết định phê duyệt kế hoạch chuyển đổi số",
        },
        content=make_pdf("Nội dung về đường giao thông nông thôn"),
    )
    post_doc(client, clerk, {**FIELDS, "subject": "Công văn về dương lịch"})
    got = _search(client, clerk, q="quyet dinh")
    assert got["total"] == 1 and got["items"][0]["number_notation"] == "12/QĐ-UBND"
    assert "<mark>" in got["items"][0]["subject_html"]
    got = _search(client, clerk, q="đường giao thông")  # words of the PDF's text layer
    assert got["total"] == 1
    assert _search(client, clerk, q="12/QĐ")["total"] == 1
    assert _search(client, clerk, q="quyet dinh", doc_type="CV")["total"] == 0
    assert got["facets"]["doc_type"] == {"QD": 1}


def test_secret_documents_never_appear_for_unrouted_users_even_in_counts(client, db, demo) -> None:
    clerk, leader = auth(client, "vanthu"), auth(client, "giamdoc")
    post_doc(client, clerk, {**FIELDS, "subject": "Báo cáo mật về an ninh", "confidentiality": "2"})
    post_doc(client, clerk, {**FIELDS, "subject": "Báo cáo thường về an ninh"})
    assert _search(client, clerk, q="an ninh")["total"] == 2
    got = _search(client, leader, q="an ninh")
    assert got["total"] == 1 and got["facets"]["doc_type"] == {"CV": 1}
    assert "mật" not in got["items"][0]["subject"]
    assert _search(client, auth(client, "vanthu.ubnd"), q="an ninh")["total"] == 0


def test_index_permissions_match_the_list_rule_for_every_user(client, db, demo) -> None:
    """The principal tokens in the index give exactly the documents the SQL rule gives."""
    clerk, leader, head = (
        auth(client, "vanthu"),
        auth(client, "giamdoc"),
        auth(client, "truongphong"),
    )
    ids = []
    for secret in ("0", "1", "0", "3"):
        ids.append(
            post_doc(
                client,
                clerk,
                {**FIELDS, "subject": "Văn bản kiểm tra quyền", "confidentiality": secret},
            ).get_json()["id"]
        )
    for doc_id in ids[:2]:
        url = f"/api/v1/incoming/{doc_id}"
        client.post(f"{url}/submit", json={"leader_id": user_id(db, "giamdoc")}, headers=clerk)
        client.post(
            f"{url}/direct",
            headers=leader,
            json={"lead": dept_id(db, "QLKH"), "info": [dept_id(db, "KHTC")]},
        )
    client.post(
        f"/api/v1/incoming/{ids[0]}/assign",
        headers=head,
        json={"users": [user_id(db, "chuyenvien")]},
    )
    for user in db.scalars(select(User)):
        from app.domain.incoming import IncomingDocument

        by_sql = {
            f"in:{i}"
            for i in db.scalars(
                select(IncomingDocument.id).where(permissions.visible_incoming(user))
            )
        }
        token = auth(client, user.username)
        by_index = {
            f"in:{h['id']}"
            for h in _search(client, token, q="kiểm tra quyền", per_page=100)["items"]
        }
        assert by_index == by_sql, user.username


def test_a_failing_indexer_never_blocks_registration_and_is_retried(
    client, demo, monkeypatch
) -> None:
    real = search_index.index_document
    calls = []

    def flaky(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(search_index, "index_document", flaky)
    clerk = auth(client, "vanthu")
    resp = post_doc(client, clerk, {**FIELDS, "subject": "Kế hoạch phòng chống thiên tai"})
    assert resp.status_code == 201
    assert len(calls) == 2  # failed once, retried
    assert _search(client, clerk, q="thiên tai")["total"] == 1


def test_reindex_and_check_find_missing_documents(app, client, demo) -> None:
    clerk = auth(client, "vanthu")
    doc_id = post_doc(client, clerk, {**FIELDS, "subject": "Thông báo lịch họp"}).get_json()["id"]
    runner = CliRunner()
    assert runner.invoke(main, ["check"], env=_env(app)).exit_code == 0
    with app.app_context():
        from app.adapters import get_search_index

        get_search_index().delete(f"in:{doc_id}")
    result = runner.invoke(main, ["check"], env=_env(app))
    assert result.exit_code == 1 and f"in:{doc_id}" in result.output
    result = runner.invoke(main, ["search", "reindex"], env=_env(app))
    assert result.exit_code == 0 and "Indexed 1 documents" in result.output
    assert runner.invoke(main, ["check"], env=_env(app)).exit_code == 0


def test_a_corrupt_index_falls_back_to_metadata_and_is_rebuilt(app, client, demo) -> None:
    clerk = auth(client, "vanthu")
    post_doc(client, clerk, {**FIELDS, "subject": "Hướng dẫn thi đua khen thưởng"})
    assert _search(client, clerk, q="khen thưởng")["total"] == 1
    for path in Path(app.config["HOME"], "search").rglob("*"):
        if path.is_file() and path.suffix in (".seg", ".toc"):
            path.write_bytes(b"garbage")
    with app.app_context():
        from app.adapters import get_search_index

        get_search_index().close()
    got = _search(client, clerk, q="khen")
    assert got["notice"] and "rebuilt" in got["notice"]
    assert got["total"] == 1  # metadata fallback still answers
    # The rebuild job ran (immediately in tests): the index answers again.
    again = _search(client, clerk, q="khen thưởng")
    assert again["notice"] is None and again["total"] == 1


@pytest.mark.parametrize("params", [{"year": "x"}, {"kind": "other"}, {"from": "32/13/2026"}])
def test_bad_search_parameters_are_400(client, demo, params) -> None:
    resp = client.get(
        "/api/v1/search", query_string={"q": "a", **params}, headers=auth(client, "vanthu")
    )
    assert resp.status_code == 400
