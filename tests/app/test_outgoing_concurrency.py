"""Issue under concurrency: clerks issuing at once get distinct, gapless numbers, and the
same document issued twice at once gets one number (the second clerk is refused)."""

import threading

from sqlalchemy import select

from app.domain.errors import Conflict
from app.domain.models import User
from app.domain.outgoing import OutgoingDocument
from app.services import outgoing
from app.services.ca import signing_policy

from .pki import ORG_PASS
from .test_outgoing_api import counter, people, to_signed  # noqa: F401 - fixture reuse


def _issue_in_threads(app, doc_ids):
    """Issue each id in its own thread and session, all released at once."""
    store = app.extensions["vanthu.store"]
    policy = signing_policy(app.config)
    barrier = threading.Barrier(len(doc_ids))
    outcomes: dict[int, object] = {}

    def work(index: int, doc_id: int) -> None:
        with app.extensions["vanthu.sessionmaker"]() as session:
            clerk = session.scalar(select(User).where(User.username == "vanthu"))
            doc = session.get(OutgoingDocument, doc_id)
            barrier.wait()
            try:
                outcomes[index] = outgoing.issue(session, clerk, doc, ORG_PASS, store, policy)
            except Exception as exc:  # noqa: BLE001 - reported to the test
                outcomes[index] = exc

    threads = [threading.Thread(target=work, args=(i, d)) for i, d in enumerate(doc_ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return [outcomes[i] for i in range(len(doc_ids))]


def test_concurrent_issue_gives_distinct_gapless_numbers(app, client, db, people) -> None:  # noqa: F811
    docs = [to_signed(client, db, people) for _ in range(4)]
    results = _issue_in_threads(app, docs)
    assert all(isinstance(r, outgoing.Issued) for r in results), results
    assert sorted(r.number for r in results) == [1, 2, 3, 4]  # type: ignore[union-attr]
    assert counter(db) == 4


def test_the_same_document_issued_twice_at_once_gets_one_number(app, client, db, people) -> None:  # noqa: F811
    doc_id = to_signed(client, db, people)
    results = _issue_in_threads(app, [doc_id, doc_id])
    issued = [r for r in results if isinstance(r, outgoing.Issued)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(issued) == 1 and len(refused) == 1, results
    assert counter(db) == 1
    db.expire_all()
    assert db.get(OutgoingDocument, doc_id).number == 1
