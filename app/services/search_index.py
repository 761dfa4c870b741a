"""Keeping the search index in step with the database, and searching with the same rule
of who may open what as the lists (principal tokens mirror `visible_incoming` and
`visible_outgoing`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

import search
from app.domain.clock import VN
from app.domain.doctypes import CONFIDENTIALITY_LABELS, URGENCY_LABELS, Confidentiality, Urgency
from app.domain.enums import Role
from app.domain.files import StoredFile
from app.domain.incoming import IncomingDocument
from app.domain.models import User
from app.domain.outgoing import OutgoingDocument
from app.services.permissions import OUTGOING_AFTER_SIGNATURE, OUTGOING_ISSUED
from storage import ObjectStore, StorageError

INDEXED_OUT = ("withdrawn",)  # removed from the index: the sender recalled them


def head_principal(dept_id: int) -> str:
    """Heads of a unit the document is routed to (they see even secret documents)."""
    return f"depthead:{dept_id}"


def user_principals(user: User) -> frozenset[str]:
    """The tokens a user holds; a document matches when it carries one of them."""
    tokens = {search.user_principal(user.id)}
    if user.roles & {Role.CLERK, Role.LEADER}:
        tokens.add(search.org_principal(user.organisation_id))
    if Role.CLERK in user.roles:
        tokens.add(search.org_principal(user.organisation_id, "clerk"))
    if user.department_id is not None:
        tokens.add(search.dept_principal(user.department_id))
        if Role.DEPT_HEAD in user.roles:
            tokens.add(head_principal(user.department_id))
    return frozenset(tokens)


def incoming_principals(doc: IncomingDocument) -> frozenset[str]:
    """Who may open an incoming document, as tokens; mirrors permissions.visible_incoming."""
    people = {doc.registered_by_id, doc.submitted_to_id, doc.directed_by_id}
    people |= {a.user_id for u in doc.units for a in u.assignments}
    tokens = {search.user_principal(p) for p in people if p is not None}
    tokens |= {head_principal(u.department_id) for u in doc.units}
    if not doc.is_secret:
        tokens.add(search.org_principal(doc.organisation_id))
        tokens |= {search.dept_principal(u.department_id) for u in doc.units}
    return frozenset(tokens)


def outgoing_principals(doc: OutgoingDocument) -> frozenset[str]:
    """Who may open an outgoing document, as tokens; mirrors permissions.visible_outgoing."""
    people = {doc.drafted_by_id, doc.signer_id, doc.issued_by_id}
    people |= {e.actor_id for e in doc.events}
    tokens = {search.user_principal(p) for p in people if p is not None}
    tokens.add(head_principal(doc.department_id))  # heads review every draft of their unit
    if doc.state in OUTGOING_AFTER_SIGNATURE:
        tokens.add(search.org_principal(doc.organisation_id, "clerk"))  # to number and issue
    if not doc.is_secret:
        tokens.add(search.org_principal(doc.organisation_id))
        tokens.add(search.dept_principal(doc.department_id))
        if doc.state in OUTGOING_ISSUED:
            tokens |= {
                search.dept_principal(r.department_id)
                for r in doc.recipients
                if r.department_id is not None
            }
    return frozenset(tokens)


def _file_text(
    session: Session, store: ObjectStore | None, kind: str, doc_id: int
) -> tuple[str, bool]:
    rows = session.scalars(
        select(StoredFile).where(StoredFile.owner_type == kind, StoredFile.owner_id == doc_id)
    )
    return _rows_text(store, rows)


def _rows_text(store: ObjectStore | None, rows: Iterable[StoredFile]) -> tuple[str, bool]:
    """The text of the files, and whether the main one has a text layer."""
    if store is None:
        return "", True
    texts, has_layer = [], True
    for row in rows:
        try:
            with store.open(row.storage_key) as stream:
                extracted = search.extract_text(stream, row.content_type)
        except StorageError:
            continue
        texts.append(extracted.text)
        if row.role == "main":
            has_layer = extracted.has_text_layer
    return "\n".join(t for t in texts if t), has_layer


def incoming_document(
    session: Session, doc: IncomingDocument, store: ObjectStore | None
) -> search.SearchDocument:
    text, has_layer = _file_text(session, store, "incoming", doc.id)
    return search.SearchDocument(
        id=f"in:{doc.id}",
        kind="incoming",
        doc_type=doc.doc_type,
        number_notation=doc.number_notation,
        issuing_org=doc.issuing_org,
        subject=doc.subject,
        signer=doc.signer_name,
        issued_date=doc.issued_date,
        registered_date=doc.arrival_date,
        state=doc.state,
        urgency=URGENCY_LABELS[Urgency(doc.urgency)],
        confidentiality=CONFIDENTIALITY_LABELS[Confidentiality(doc.confidentiality)],
        departments=tuple(u.department.name for u in doc.units),
        year=doc.year,
        organisation_id=doc.organisation_id,
        text=text,
        has_text_layer=has_layer,
        principals=incoming_principals(doc),
    )


def outgoing_document(
    session: Session, doc: OutgoingDocument, store: ObjectStore | None
) -> search.SearchDocument:
    """The current version of the main PDF and the attachments as sent (not old versions)."""
    from .outgoing import current_attachments, current_main

    files = [current_main(session, doc), *current_attachments(session, doc)]
    text, has_layer = _rows_text(store, files)
    departments = [doc.department.name]
    departments += [r.department.name for r in doc.recipients if r.department is not None]
    return search.SearchDocument(
        id=f"out:{doc.id}",
        kind="outgoing",
        doc_type=doc.doc_type,
        number_notation=doc.number_notation or "",
        issuing_org=doc.organisation.name,
        subject=doc.subject,
        signer=doc.signer.full_name,
        issued_date=doc.issued_date,
        registered_date=doc.created_at.astimezone(VN).date() if doc.created_at else None,
        state=doc.state,
        urgency=URGENCY_LABELS[Urgency(doc.urgency)],
        confidentiality=CONFIDENTIALITY_LABELS[Confidentiality(doc.confidentiality)],
        departments=tuple(dict.fromkeys(departments)),
        year=doc.year,
        organisation_id=doc.organisation_id,
        text=text,
        has_text_layer=has_layer,
        principals=outgoing_principals(doc),
    )


def index_document(
    session: Session, index: search.SearchIndex, store: ObjectStore | None, kind: str, doc_id: int
) -> None:
    """Bring one document's entry up to date (or remove it)."""
    if not index.exists():
        index.open_or_create()
    if kind == "outgoing":
        out = session.get(OutgoingDocument, doc_id)
        if out is None:
            index.delete(f"out:{doc_id}")
        else:
            index.update([outgoing_document(session, out, store)])
        return
    if kind != "incoming":
        raise ValueError(f"unknown document kind {kind}")
    doc = session.get(IncomingDocument, doc_id)
    if doc is None or doc.state in INDEXED_OUT:
        index.delete(f"in:{doc_id}")
        return
    index.update([incoming_document(session, doc, store)])


def _each(session: Session, model: Any, *where: Any) -> Iterator[Any]:
    """Rows of ``model`` in id order, 200 at a time, the session cleared after each batch."""
    last = 0
    while True:
        rows = session.scalars(
            select(model).where(model.id > last, *where).order_by(model.id).limit(200)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id
        session.expunge_all()


def all_documents(session: Session, store: ObjectStore | None) -> Iterator[search.SearchDocument]:
    """Every document to index: incoming (except withdrawn ones), then outgoing."""
    for doc in _each(session, IncomingDocument, IncomingDocument.state.not_in(INDEXED_OUT)):
        yield incoming_document(session, doc, store)
    for out in _each(session, OutgoingDocument):
        yield outgoing_document(session, out, store)


def database_ids(session: Session) -> set[str]:
    incoming = session.scalars(
        select(IncomingDocument.id).where(IncomingDocument.state.not_in(INDEXED_OUT))
    )
    outgoing = session.scalars(select(OutgoingDocument.id))
    return {f"in:{i}" for i in incoming} | {f"out:{i}" for i in outgoing}


def rebuild(
    session: Session,
    index: search.SearchIndex,
    store: ObjectStore | None,
    progress: Callable[[int], None] | None = None,
) -> int:
    return index.rebuild(all_documents(session, store), progress=progress, every=50)


@dataclass(frozen=True)
class Outcome:
    """Search results, or the metadata fallback used while the index is unavailable."""

    results: search.SearchResults | None
    """Full-text results from the index."""
    fallback: Any
    """A page of incoming_queries results when the index could not be used."""
    notice: str | None
    """Why the fallback was used."""


def find(
    session: Session, user: User, index: search.SearchIndex, args: Any, page_size: int = 20
) -> Outcome:
    """Search what the user may open; fall back to the metadata lists if the index fails."""
    from .incoming_queries import Filters, list_documents, parse_filters

    filters = parse_filters(
        {k: args.get(k) for k in ("q", "doc_type", "type", "year", "state", "from", "to", "page")}
    )
    kind = (args.get("kind") or "").strip() or None
    if kind not in (None, "incoming", "outgoing"):
        from app.domain.errors import N_, ValidationFailed

        raise ValidationFailed(N_("Unknown kind %(kind)s."), kind=kind)
    sort: Literal["relevance", "date"] = "date" if args.get("sort") == "date" else "relevance"
    query = search.SearchQuery(
        text=filters.q or "",
        principals=user_principals(user),
        doc_type=filters.doc_type,
        year=filters.year,
        state=filters.state,
        kind=kind,  # type: ignore[arg-type]
        date_from=filters.date_from,
        date_to=filters.date_to,
        sort=sort,
        page=filters.page,
        per_page=page_size,
    )
    try:
        return Outcome(index.search(query), None, None)
    except search.SearchError as exc:
        page = list_documents(
            session,
            user,
            Filters(
                box="all",
                q=filters.q,
                doc_type=filters.doc_type,
                year=filters.year,
                state=filters.state,
                date_from=filters.date_from,
                date_to=filters.date_to,
                page=filters.page,
            ),
            page_size,
        )
        return Outcome(None, page, str(exc))
