import io
import threading

from sqlalchemy import select

from app.adapters import get_store
from app.domain.incoming import IncomingDocument
from app.domain.models import User
from app.services import files, incoming
from app.services.incoming_input import parse_registration

from .pdfs import make_pdf
from .test_incoming_api import FIELDS


def test_sixteen_parallel_registrations_get_1_to_16(app, demo) -> None:
    """Each thread has its own connection; the counter row lock serialises numbering."""
    pdf = make_pdf()
    numbers, errors = [], []
    barrier = threading.Barrier(16)

    def register() -> None:
        try:
            with app.app_context():
                store = get_store()
                with app.extensions["vanthu.sessionmaker"]() as session:
                    clerk = session.scalar(select(User).where(User.username == "vanthu"))
                    session.commit()  # give the connection back while waiting
                    barrier.wait(timeout=60)
                    result = incoming.register(
                        session,
                        clerk,
                        parse_registration(FIELDS),
                        files.Upload("a.pdf", io.BytesIO(pdf)),
                        [],
                        store,
                        [],
                    )
                    numbers.append(result.document.arrival_number)
        except Exception as exc:  # collected and reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=register) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert sorted(numbers) == list(range(1, 17))
    with app.extensions["vanthu.sessionmaker"]() as session:
        stored = session.scalars(select(IncomingDocument.arrival_number)).all()
    assert sorted(stored) == list(range(1, 17))
