"""The demo's sample documents: real registrations that leave every demo person some work."""

import io

from sqlalchemy import select

import search
from app.adapters import get_store
from app.domain.models import User
from app.domain.outgoing import OutgoingDocument
from app.services import incoming_queries, signatures
from app.services.demo_documents import load_demo_documents
from app.services.incoming_queries import Filters


def test_samples_leave_each_person_work_and_load_once(app, db, demo) -> None:
    with app.app_context():
        store = get_store()
        assert load_demo_documents(db, store) == 6
        assert load_demo_documents(db, store) == 0  # once only

        def waiting(username: str, box: str) -> int:
            user = db.scalar(select(User).where(User.username == username))
            return incoming_queries.count(db, user, Filters(box=box))

        assert waiting("vanthu", "to_submit") == 1
        assert waiting("giamdoc", "to_direct") == 1
        assert waiting("truongphong", "to_assign") == 1
        assert waiting("chuyenvien", "to_handle") == 2  # one assigned, one in progress
        assert waiting("vanthu.ubnd", "all") == 0  # another organisation
        [draft] = db.scalars(select(OutgoingDocument)).all()
        assert draft.state == "draft" and draft.drafted_by.username == "chuyenvien"

        # The sample PDFs are real, unsigned documents with a Vietnamese text layer.
        from app.domain.files import StoredFile

        row = db.scalars(select(StoredFile).where(StoredFile.owner_type == "incoming")).first()
        with store.open(row.storage_key) as stream:
            data = stream.read()
        assert signatures.check_pdf(io.BytesIO(data), []).verdict == "unsigned"
        text = search.extract_text(io.BytesIO(data), "application/pdf").text
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and row.filename[:3] in text
