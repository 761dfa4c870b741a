"""Outgoing documents: drafting, review, the leader's signature, numbering and the
organisation's signature at issue, dispatch to recipients, and receipt by other organisations.

Each use case checks permission and state first, and owns its commit. Files go to the object
store before any row refers to them; issue takes the number inside the transaction that also
records the signed file, so a failure rolls the counter back with everything else.
"""

from __future__ import annotations

import io
import logging
import smtplib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from pyhanko.sign.signers.pdf_cms import Signer
from sqlalchemy import event, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

import signing
import storage
from app.domain.base import utcnow
from app.domain.clock import today_vn
from app.domain.doctypes import DOC_TYPES_BY_CODE, Confidentiality, ReceivedVia, Urgency
from app.domain.enums import Role
from app.domain.errors import (
    N_,
    Conflict,
    DomainError,
    NotFound,
    ServiceUnavailable,
    ValidationFailed,
)
from app.domain.files import StoredFile
from app.domain.incoming import IncomingDocument
from app.domain.models import Department, Organisation, User
from app.domain.outgoing import (
    STATUS_ARRIVED,
    STATUS_ASSIGNED,
    STATUS_COMPLETED,
    STATUS_IN_PROGRESS,
    STATUS_RECALL_ACCEPTED,
    STATUS_RECALL_REFUSED,
    STATUS_RECALL_REQUESTED,
    STATUS_REGISTERED,
    STATUS_REJECTED,
    OutgoingDocument,
    OutgoingEvent,
    OutgoingRecipient,
)
from app.domain.workflow import OUTGOING, OUTGOING_EDITABLE
from storage import ObjectStore

from . import audit, changes, files, incoming, notifications, numbering, signing_keys
from .incoming_input import Registration
from .outgoing_input import Draft, RecipientInput
from .permissions import can, require, visible_outgoing

log = logging.getLogger(__name__)

OWNER = "outgoing"
SIGNED_ATTACHMENT = "signed_att"

# Number series (Decree 30, Art. 15): administrative documents share one series; each type of
# legal-normative document has its own; secret documents and copies are numbered apart.
SERIES = {
    "admin": "out-admin",
    "legal": "out-qppl-{type}",
    "secret": "out-secret",
    "copy": "out-copy",
}
COPY_TYPES = frozenset({"SY", "TRS", "SL"})

# Sends (address, subject, body, [(filename, bytes)]); raises OSError/SMTPException on failure.
Mailer = Callable[[str, str, str, list[tuple[str, bytes]]], None]

# Incoming state at the recipient → the edXML status the sender sees.
STATUS_FROM_INCOMING = {
    "registered": STATUS_REGISTERED,
    "submitted": STATUS_REGISTERED,
    "directed": STATUS_ASSIGNED,
    "in_progress": STATUS_IN_PROGRESS,
    "completed": STATUS_COMPLETED,
    "returned": STATUS_REJECTED,
    "withdrawn": STATUS_RECALL_ACCEPTED,
}
RECALL_CODES = frozenset({STATUS_RECALL_REQUESTED, STATUS_RECALL_REFUSED})


# -- numbering -------------------------------------------------------------------------------


def series_for(doc: OutgoingDocument) -> str:
    if doc.confidentiality > Confidentiality.NORMAL:
        return SERIES["secret"]
    if doc.doc_type in COPY_TYPES:
        return SERIES["copy"]
    if doc.legal_normative:
        return SERIES["legal"].format(type=doc.doc_type)
    return SERIES["admin"]


def notation_for(number: int, doc_type: str, org_abbr: str, unit_abbr: str) -> str:
    """`05/QĐ-UBND`; a công văn (no type abbreviation): `05/UBND-VP` with the drafting unit."""
    kind = DOC_TYPES_BY_CODE[doc_type]
    if kind.abbreviation:
        return f"{number:02d}/{kind.abbreviation}-{org_abbr}"
    return f"{number:02d}/{org_abbr}-{unit_abbr}"


# -- helpers ---------------------------------------------------------------------------------


def _event(
    session: Session,
    doc: OutgoingDocument,
    actor: User,
    action: str,
    from_state: str,
    comment: str = "",
) -> None:
    session.add(OutgoingEvent.of(doc, actor, action, from_state, comment))


def _commit(session: Session) -> None:
    # The documents this transaction changed: every change of a document adds a timeline
    # event or updates the document itself.
    changed = {o.document_id for o in session.new if isinstance(o, OutgoingEvent)}
    changed |= {
        o.id for o in (*session.new, *session.dirty) if isinstance(o, OutgoingDocument) and o.id
    }
    try:
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        raise
    for doc_id in sorted(changed):
        changes.committed("outgoing", doc_id)


def _apply(actor: User, doc: OutgoingDocument, action: str, permission: str = "") -> str:
    require(actor, permission or f"outgoing.{action}", doc)
    before = doc.state
    doc.state = OUTGOING.apply(doc.state, action)
    doc.state_changed_at = utcnow()
    return before


def _claim(session: Session, doc: OutgoingDocument, state: str) -> None:
    """Lock the document row in the current transaction, still in `state`: of two people
    signing or issuing the same document at once, the second one waits, then is refused."""
    claimed = session.execute(
        update(OutgoingDocument)
        .where(OutgoingDocument.id == doc.id, OutgoingDocument.state == state)
        .values(state_changed_at=utcnow())
        .returning(OutgoingDocument.id)
        .execution_options(synchronize_session=False)
    ).first()
    if claimed is None:
        raise Conflict(N_("Someone else has just changed this document; reload it."))


def check_editable(actor: User, doc: OutgoingDocument) -> None:
    require(actor, "outgoing.edit", doc)
    if doc.state not in OUTGOING_EDITABLE:
        raise Conflict(
            N_(
                "The document is %(state)s: only a draft or a document returned for revision "
                "can be changed."
            ),
            state=doc.state,
        )


def _link(doc: OutgoingDocument) -> str:
    return f"/outgoing/{doc.id}"


def _label(doc: OutgoingDocument) -> str:
    ref = doc.number_notation or f"#{doc.id}"
    return f"Văn bản đi {ref}: {doc.subject[:120]}"


def _org_users(session: Session, organisation_id: int, role: Role) -> list[User]:
    users = session.scalars(
        select(User).where(User.organisation_id == organisation_id, User.active.is_(True))
    ).all()
    return [u for u in users if role in u.roles]


def files_of(session: Session, doc_id: int) -> list[StoredFile]:
    return list(
        session.scalars(
            select(StoredFile)
            .where(StoredFile.owner_type == OWNER, StoredFile.owner_id == doc_id)
            .order_by(StoredFile.id)
        )
    )


def current_main(session: Session, doc: OutgoingDocument) -> StoredFile:
    rows = [f for f in files_of(session, doc.id) if f.role == "main"]
    if not rows:
        raise ValidationFailed(N_("The document has no main PDF."))
    return max(rows, key=lambda f: f.version)


def current_attachments(session: Session, doc: OutgoingDocument) -> list[StoredFile]:
    """The attachments as sent: after issue, the organisation-signed PDFs replace theirs."""
    rows = files_of(session, doc.id)
    signed = [f for f in rows if f.role == SIGNED_ATTACHMENT]
    plain = [f for f in rows if f.role == "attachment"]
    if not signed:
        return plain
    return [*signed, *(f for f in plain if f.content_type != files.PDF)]


def _read(store: ObjectStore, row: StoredFile) -> bytes:
    with files.open_verified(store, row) as stream:
        return stream.read()


def _store_pdf(store: ObjectStore, data: bytes, filename: str) -> files.AcceptedFile:
    try:
        stored = store.put(io.BytesIO(data), size=len(data), content_type=files.PDF)
    except storage.StoreUnavailable as exc:
        raise ServiceUnavailable(
            N_("The file store is unavailable; nothing was saved. Try again shortly.")
        ) from exc
    return files.AcceptedFile(files.Upload(filename, io.BytesIO(data)), stored, None)


def _signing_failed(exc: signing.SigningError) -> DomainError:
    return ValidationFailed(N_("Signing failed: %(reason)s"), reason=str(exc))


# -- drafting --------------------------------------------------------------------------------


def get(session: Session, actor: User, doc_id: int) -> OutgoingDocument:
    doc = session.get(OutgoingDocument, doc_id)
    if doc is None:
        raise NotFound(N_("No such outgoing document."))
    require(actor, "outgoing.view", doc)
    return doc


def _signer(session: Session, actor: User, signer_id: int) -> User:
    user = session.get(User, signer_id)
    if (
        user is None
        or user.organisation_id != actor.organisation_id
        or not user.active
        or Role.LEADER not in user.roles
    ):
        raise ValidationFailed(N_("The signer must be an active leader of your organisation."))
    return user


def _recipients(
    session: Session, actor: User, items: Sequence[RecipientInput]
) -> list[OutgoingRecipient]:
    out = []
    for item in items:
        if item.kind == "department":
            dept = session.get(Department, item.ref_id)
            if dept is None or dept.organisation_id != actor.organisation_id:
                raise ValidationFailed(
                    N_("Unit %(id)s is not a department of this organisation."), id=item.ref_id
                )
            out.append(OutgoingRecipient(kind="department", department_id=dept.id, name=dept.name))
        elif item.kind == "organisation":
            org = session.get(Organisation, item.ref_id)
            if org is None or org.id == actor.organisation_id:
                raise ValidationFailed(
                    N_("Organisation %(id)s is not another organisation on this installation."),
                    id=item.ref_id,
                )
            out.append(
                OutgoingRecipient(
                    kind="organisation", organisation_id=org.id, name=org.name, code=org.code
                )
            )
        else:
            out.append(
                OutgoingRecipient(kind="external", name=item.name, code=item.code, email=item.email)
            )
    return out


def _apply_metadata(session: Session, actor: User, doc: OutgoingDocument, data: Draft) -> None:
    doc.doc_type, doc.subject = data.doc_type, data.subject
    doc.urgency, doc.confidentiality = int(data.urgency), int(data.confidentiality)
    doc.legal_normative = data.legal_normative
    doc.signer_id = _signer(session, actor, data.signer_id).id
    if data.answers_incoming_id is not None:
        answered = incoming.get(session, actor, data.answers_incoming_id)
        doc.answers_incoming_id = answered.id
    else:
        doc.answers_incoming_id = None
    if data.recipients is not None:
        doc.recipients[:] = _recipients(session, actor, data.recipients)
    if data.replaces_id is not None:
        old = get(session, actor, data.replaces_id)
        if old.state not in ("issued", "recalled") or old.organisation_id != actor.organisation_id:
            raise Conflict(
                N_("Only an issued or recalled document of your organisation can be replaced.")
            )
        doc.replaces_id = old.id
    else:
        doc.replaces_id = None


def create_draft(
    session: Session,
    actor: User,
    data: Draft,
    main: files.Upload,
    source: files.Upload | None,
    attachments: Sequence[files.Upload],
    store: ObjectStore,
) -> OutgoingDocument:
    """An officer starts a draft with its first PDF version (and editable source)."""
    require(actor, "outgoing.create")
    assert actor.department_id is not None  # guaranteed by the permission rule
    accepted_main = files.accept(store, main, frozenset({"pdf"}))
    accepted_src = files.accept(store, source, frozenset({"docx"})) if source else None
    accepted_atts = [files.accept(store, a, files.ATTACHMENT_KINDS) for a in attachments]
    try:
        doc = OutgoingDocument(
            organisation_id=actor.organisation_id,
            department_id=actor.department_id,
            drafted_by_id=actor.id,
            state="draft",
        )
        _apply_metadata(session, actor, doc, data)
        session.add(doc)
        session.flush()
        files.add_file_row(session, OWNER, doc.id, "main", accepted_main, actor.id, 1)
        if accepted_src is not None:
            files.add_file_row(session, OWNER, doc.id, "source", accepted_src, actor.id, 1)
        for accepted in accepted_atts:
            files.add_file_row(session, OWNER, doc.id, "attachment", accepted, actor.id)
        _event(session, doc, actor, "create", "", "")
        audit.record(
            session,
            actor,
            "outgoing.drafted",
            OWNER,
            doc.id,
            subject=doc.subject,
            main_sha256=accepted_main.stored.sha256,
        )
    except Exception:
        session.rollback()
        raise
    _commit(session)
    return doc


def update_draft(session: Session, actor: User, doc: OutgoingDocument, data: Draft) -> None:
    check_editable(actor, doc)
    try:
        _apply_metadata(session, actor, doc, data)
        _event(session, doc, actor, "edit", doc.state, "")
        audit.record(session, actor, "outgoing.edited", OWNER, doc.id, subject=doc.subject)
    except Exception:
        session.rollback()
        raise
    _commit(session)


def upload_version(
    session: Session,
    actor: User,
    doc: OutgoingDocument,
    main: files.Upload,
    source: files.Upload | None,
    store: ObjectStore,
    comment: str = "",
) -> StoredFile:
    """A new version of the main PDF (and its source), e.g. after a return for revision."""
    check_editable(actor, doc)
    accepted = files.accept(store, main, frozenset({"pdf"}))
    accepted_src = files.accept(store, source, frozenset({"docx"})) if source else None
    version = current_main(session, doc).version + 1
    row = files.add_file_row(session, OWNER, doc.id, "main", accepted, actor.id, version)
    if accepted_src is not None:
        files.add_file_row(session, OWNER, doc.id, "source", accepted_src, actor.id, version)
    _event(session, doc, actor, "new_version", doc.state, comment.strip() or f"v{version}")
    audit.record(
        session,
        actor,
        "outgoing.version",
        OWNER,
        doc.id,
        version=version,
        sha256=accepted.stored.sha256,
    )
    _commit(session)
    return row


def add_attachments(
    session: Session,
    actor: User,
    doc: OutgoingDocument,
    uploads: Sequence[files.Upload],
    store: ObjectStore,
) -> None:
    check_editable(actor, doc)
    if not uploads:
        raise ValidationFailed(N_("Choose at least one file to attach."))
    accepted = [files.accept(store, u, files.ATTACHMENT_KINDS) for u in uploads]
    for a in accepted:
        files.add_file_row(session, OWNER, doc.id, "attachment", a, actor.id)
    _event(session, doc, actor, "attach", doc.state, ", ".join(u.filename for u in uploads))
    audit.record(
        session,
        actor,
        "outgoing.attached",
        OWNER,
        doc.id,
        sha256=[a.stored.sha256 for a in accepted],
    )
    _commit(session)


def add_comment(session: Session, actor: User, doc: OutgoingDocument, text: str) -> None:
    require(actor, "outgoing.comment", doc)
    if not text.strip():
        raise ValidationFailed(N_("Write a comment."))
    _event(session, doc, actor, "comment", doc.state, text.strip()[:5000])
    _commit(session)


# -- review and signature --------------------------------------------------------------------


def submit(session: Session, actor: User, doc: OutgoingDocument, comment: str = "") -> None:
    """The drafter sends the draft to the head of the department for review."""
    if not doc.subject.strip():
        raise ValidationFailed(N_("%(field)s is required."), field="subject")
    current_main(session, doc)
    before = _apply(actor, doc, "submit")
    _event(session, doc, actor, "submit", before, comment.strip())
    audit.record(session, actor, "outgoing.submitted", OWNER, doc.id)
    heads = [
        u
        for u in _org_users(session, doc.organisation_id, Role.DEPT_HEAD)
        if u.department_id == doc.department_id
    ]
    notifications.notify(
        session, heads, "outgoing.to_review", f"Xem xét: {_label(doc)}", _link(doc)
    )
    _commit(session)


def approve(session: Session, actor: User, doc: OutgoingDocument, comment: str = "") -> None:
    """The head of the department approves the content: the leader may now sign."""
    before = _apply(actor, doc, "approve")
    _event(session, doc, actor, "approve", before, comment.strip())
    audit.record(session, actor, "outgoing.approved", OWNER, doc.id)
    notifications.notify(
        session, [doc.signer], "outgoing.to_sign", f"Trình ký: {_label(doc)}", _link(doc)
    )
    _commit(session)


def return_for_revision(session: Session, actor: User, doc: OutgoingDocument, comment: str) -> None:
    """The reviewer or the signer sends the draft back to the drafter with comments."""
    if not comment.strip():
        raise ValidationFailed(N_("Say what has to be revised."))
    before = _apply(actor, doc, "return")
    doc.state_reason = comment.strip()
    _event(session, doc, actor, "return", before, comment.strip())
    audit.record(session, actor, "outgoing.returned", OWNER, doc.id, comment=comment.strip())
    notifications.notify(
        session,
        [doc.drafted_by],
        "outgoing.returned",
        f"Trả lại để sửa: {_label(doc)}",
        _link(doc),
    )
    _commit(session)


def _sign_one(
    session: Session,
    actor: User,
    doc: OutgoingDocument,
    signer: Signer,
    signature_png: bytes,
    store: ObjectStore,
    policy: signing.SigningPolicy,
) -> None:
    require(actor, "outgoing.sign", doc)
    OUTGOING.apply(doc.state, "sign")
    _claim(session, doc, doc.state)
    before = _apply(actor, doc, "sign")
    main = current_main(session, doc)
    pdf = _read(store, main)
    try:
        prepared = signing.prepare_draft(pdf, signing.NumberingLayout())
        appearance = signing.LeaderAppearance(
            actor.full_name, (actor.position or "").upper(), signature_png
        )
        signed = signing.sign_leader(prepared, signer, appearance, policy=policy)
    except signing.SigningError as exc:
        raise _signing_failed(exc) from exc
    accepted = _store_pdf(store, signed, main.filename)
    row = files.add_file_row(session, OWNER, doc.id, "main", accepted, actor.id, main.version + 1)
    doc.signed_at = utcnow()
    session.flush()
    _event(session, doc, actor, "sign", before, "")
    audit.record(
        session,
        actor,
        "outgoing.signed",
        OWNER,
        doc.id,
        file_id=row.id,
        sha256=accepted.stored.sha256,
    )
    notifications.notify(
        session,
        _org_users(session, doc.organisation_id, Role.CLERK),
        "outgoing.to_issue",
        f"Chờ phát hành: {_label(doc)}",
        _link(doc),
    )


def sign(
    session: Session,
    actor: User,
    doc: OutgoingDocument,
    passphrase: str,
    store: ObjectStore,
    policy: signing.SigningPolicy,
    allowed_modules: tuple[str, ...] | None = None,
) -> None:
    """The leader signs with their stored PKCS#12 or token; the passphrase or PIN is used
    and forgotten.

    The number and date fields are added to the draft first, so the clerk fills them in
    later as form filling, which leaves this signature valid."""
    require(actor, "outgoing.sign", doc)
    OUTGOING.apply(doc.state, "sign")
    cred = signing_keys.credential(session, "user", actor.id)
    with signing_keys.unlock(cred, passphrase, actor.full_name, allowed_modules) as key:
        try:
            _sign_one(session, actor, doc, key.signer, key.image, store, policy)
        except Exception:
            session.rollback()
            raise
    _commit(session)


@dataclass(frozen=True)
class BatchResult:
    """The outcome for one document of a batch signing."""

    doc_id: int
    """The document."""
    ok: bool
    """Whether it was signed."""
    message: str
    """The error when it was not (English template, already filled in)."""
    subject: str = ""
    """Trích yếu, to show in the result list."""


def sign_many(
    session: Session,
    actor: User,
    doc_ids: Sequence[int],
    passphrase: str,
    store: ObjectStore,
    policy: signing.SigningPolicy,
    allowed_modules: tuple[str, ...] | None = None,
) -> list[BatchResult]:
    """Sign several documents in one action, each in its own transaction."""
    if not doc_ids:
        raise ValidationFailed(N_("Choose at least one document to sign."))
    cred = signing_keys.credential(session, "user", actor.id)
    with signing_keys.unlock(cred, passphrase, actor.full_name, allowed_modules) as key:
        return _sign_each(session, actor, doc_ids, key, store, policy)


def _sign_each(
    session: Session,
    actor: User,
    doc_ids: Sequence[int],
    key: signing_keys.UnlockedKey,
    store: ObjectStore,
    policy: signing.SigningPolicy,
) -> list[BatchResult]:
    signer, png = key.signer, key.image
    results = []
    for doc_id in dict.fromkeys(doc_ids):
        subject = ""
        try:
            doc = get(session, actor, doc_id)
            subject = doc.subject
            require(actor, "outgoing.sign", doc)
            _sign_one(session, actor, doc, signer, png, store, policy)
            _commit(session)
        except DomainError as exc:
            session.rollback()
            results.append(BatchResult(doc_id, False, exc.message, subject))
            continue
        except SQLAlchemyError as exc:
            session.rollback()
            log.warning("batch signing of outgoing %s failed: %s", doc_id, exc)
            results.append(BatchResult(doc_id, False, "database error", subject))
            continue
        results.append(BatchResult(doc_id, True, "", subject))
    return results


# -- issue and dispatch ----------------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    """The outcome of issuing a document."""

    number: int
    """The number given."""
    number_notation: str
    """Số, ký hiệu, e.g. 05/UBND-VP."""
    emailed: tuple[str, ...]
    """Addresses the signed PDF was emailed to."""
    postal: tuple[str, ...]
    """External recipients to send on paper."""


def issue(
    session: Session,
    actor: User,
    doc: OutgoingDocument,
    passphrase: str,
    store: ObjectStore,
    policy: signing.SigningPolicy,
    mailer: Mailer | None = None,
    allowed_modules: tuple[str, ...] | None = None,
) -> Issued:
    """The clerk numbers, dates and seals the signed document, signs its PDF attachments,
    and dispatches it. Number, signed files and dispatch are one transaction."""
    require(actor, "outgoing.issue", doc)
    OUTGOING.apply(doc.state, "issue")
    org = doc.organisation
    cred = signing_keys.credential(session, "organisation", org.id)
    with signing_keys.unlock(cred, passphrase, org.name, allowed_modules) as key:
        return _issue_with(session, actor, doc, key, store, policy, mailer)


def _issue_with(
    session: Session,
    actor: User,
    doc: OutgoingDocument,
    key: signing_keys.UnlockedKey,
    store: ObjectStore,
    policy: signing.SigningPolicy,
    mailer: Mailer | None,
) -> Issued:
    org = doc.organisation
    signer, seal_png = key.signer, key.image
    main = current_main(session, doc)
    pdf = _read(store, main)
    pdf_attachments = [
        (row, _read(store, row))
        for row in current_attachments(session, doc)
        if row.content_type == files.PDF
    ]
    today = today_vn()
    series = series_for(doc)
    try:
        _claim(session, doc, "signed")
        number = numbering.next_number(session, org.id, series, today.year)
        notation = notation_for(number, doc.doc_type, org.abbreviation, doc.department.abbreviation)
        try:
            numbered = signing.fill_number(pdf, notation, today)
            sealed = signing.sign_organisation(
                numbered, signer, signing.SealAppearance(seal_png), policy=policy
            )
            signed_atts = [
                (
                    row,
                    signing.sign_attachment(
                        data, signer, signing.AttachmentAppearance(notation), policy=policy
                    ),
                )
                for row, data in pdf_attachments
            ]
        except signing.SigningError as exc:
            raise _signing_failed(exc) from exc
        stored_main = _store_pdf(store, sealed, main.filename)
        stored_atts = [(row, _store_pdf(store, data, row.filename)) for row, data in signed_atts]
        before = _apply(actor, doc, "issue")
        doc.series, doc.year, doc.number, doc.number_notation = series, today.year, number, notation
        doc.issued_date, doc.issued_at, doc.issued_by_id = today, utcnow(), actor.id
        files.add_file_row(session, OWNER, doc.id, "main", stored_main, actor.id, main.version + 1)
        for row, accepted in stored_atts:
            files.add_file_row(
                session, OWNER, doc.id, SIGNED_ATTACHMENT, accepted, actor.id, row.version + 1
            )
        postal = _dispatch(session, doc, mailer is not None)
        session.flush()
        _event(session, doc, actor, "issue", before, notation)
        old = doc.replaces
        if old is not None:
            # Issuing the replacement is what replaces the old document.
            old_state = old.state
            old.state, old.state_changed_at = OUTGOING.apply(old.state, "replace"), utcnow()
            _event(session, old, actor, "replace", old_state, notation)
        audit.record(
            session,
            actor,
            "outgoing.issued",
            OWNER,
            doc.id,
            series=series,
            year=today.year,
            number=number,
            number_notation=notation,
            sha256=stored_main.stored.sha256,
            attachments=[a.stored.sha256 for _r, a in stored_atts],
        )
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(N_("The number was taken meanwhile; issue again.")) from exc
    except Exception:
        session.rollback()
        raise
    emailed = _send_external(session, doc, sealed, stored_atts, store, mailer)
    return Issued(number, notation, tuple(emailed), tuple(postal))


def _dispatch(session: Session, doc: OutgoingDocument, can_email: bool) -> list[str]:
    """Deliver to every recipient in the issuing transaction; return postal recipients."""
    now = utcnow()
    postal = []
    for r in doc.recipients:
        if r.kind == "department":
            r.delivery, r.status_code, r.status_at = "internal", STATUS_ARRIVED, now
            heads = [
                u
                for u in _org_users(session, doc.organisation_id, Role.DEPT_HEAD)
                if u.department_id == r.department_id
            ]
            notifications.notify(
                session, heads, "outgoing.received", f"Nhận: {_label(doc)}", _link(doc)
            )
        elif r.kind == "organisation" and r.organisation_id is not None:
            r.delivery, r.status_code, r.status_at = "exchange", STATUS_ARRIVED, now
            notifications.notify(
                session,
                _org_users(session, r.organisation_id, Role.CLERK),
                "outgoing.to_receive",
                f"Văn bản đến từ {doc.organisation.name}: {doc.number_notation} – "
                f"{doc.subject[:120]}",
                "/outgoing/pending",
            )
        elif r.email and can_email:
            r.delivery, r.status_at = "email", now
        else:
            r.delivery, r.status_at = "post", now
            postal.append(r.name)
    return postal


def _issued_as(doc: OutgoingDocument) -> str:
    """'số 05/UBND-VP ngày 03/03/2026', as the emails to external recipients say it."""
    day = doc.issued_date.strftime("%d/%m/%Y") if doc.issued_date else ""
    return f"số {doc.number_notation} ngày {day}"


def _email_external(
    doc: OutgoingDocument,
    mailer: Mailer,
    subject: str,
    body: str,
    parts: list[tuple[str, bytes]],
    prefix: str,
) -> tuple[list[str], list[OutgoingRecipient]]:
    """Email every recipient delivered by email; note the outcome on each (``prefix`` names
    the message, e.g. "recall "); return the addresses reached and the recipients not."""
    sent: list[str] = []
    failed: list[OutgoingRecipient] = []
    for r in doc.recipients:
        if r.delivery != "email":
            continue
        try:
            mailer(r.email, subject, body, parts)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("emailing %soutgoing %s to %s failed: %s", prefix, doc.id, r.email, exc)
            r.status_note = f"{prefix}email failed: {exc}"[:500]
            failed.append(r)
        else:
            r.status_note = f"{prefix}emailed to {r.email}"
            sent.append(r.email)
    return sent, failed


def _send_external(
    session: Session,
    doc: OutgoingDocument,
    sealed: bytes,
    stored_atts: Sequence[tuple[StoredFile, files.AcceptedFile]],
    store: ObjectStore,
    mailer: Mailer | None,
) -> list[str]:
    """Email the signed files to external recipients (after the commit: a slow or failing mail
    server must not hold the number); failures are marked for postal delivery instead."""
    if mailer is None:
        return []
    parts = [(current_main(session, doc).filename, sealed)]
    for row, accepted in stored_atts:
        accepted.upload.stream.seek(0)
        parts.append((row.filename, accepted.upload.stream.read()))
    parts += [
        (row.filename, _read(store, row))
        for row in current_attachments(session, doc)
        if row.role == "attachment"
    ]
    subject = f"{doc.organisation.name}: {doc.number_notation} – {doc.subject[:150]}"
    body = f"{doc.organisation.name} gửi văn bản {_issued_as(doc)}.\nTrích yếu: {doc.subject}\n"
    sent, failed = _email_external(doc, mailer, subject, body, parts, "")
    for r in failed:
        r.delivery = "post"
    _commit(session)
    return sent


def smtp_mailer(smtp_host: str, sender: str) -> Mailer:
    """A Mailer over plain SMTP (host or host:port), e.g. the installation's relay."""
    host, _, port = smtp_host.partition(":")

    def send(address: str, subject: str, body: str, parts: list[tuple[str, bytes]]) -> None:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = sender, address, subject
        msg.set_content(body)
        for name, data in parts:
            maintype, subtype = (
                ("application", "pdf")
                if name.lower().endswith(".pdf")
                else (
                    "application",
                    "octet-stream",
                )
            )
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
        with smtplib.SMTP(host, int(port or 25), timeout=20) as smtp:
            smtp.send_message(msg)

    return send


# -- recipients' status and receipt on this installation ------------------------------------


def recipient_status(r: OutgoingRecipient) -> str:
    """The latest edXML status the sender sees for a recipient."""
    if r.status_code in RECALL_CODES or r.incoming is None:
        return r.status_code
    return STATUS_FROM_INCOMING.get(r.incoming.state, r.status_code)


def pending_for(session: Session, actor: User) -> list[OutgoingRecipient]:
    """Documents sent to the actor's organisation that its clerk has not registered yet."""
    if Role.CLERK not in actor.roles:
        return []
    return list(
        session.scalars(
            select(OutgoingRecipient)
            .join(OutgoingDocument, OutgoingRecipient.document_id == OutgoingDocument.id)
            .where(
                OutgoingRecipient.kind == "organisation",
                OutgoingRecipient.organisation_id == actor.organisation_id,
                OutgoingRecipient.status_code == STATUS_ARRIVED,
                OutgoingRecipient.incoming_id.is_(None),
                OutgoingDocument.state == "issued",
            )
            .order_by(OutgoingRecipient.id.desc())
        )
    )


def get_received(session: Session, actor: User, recipient_id: int) -> OutgoingRecipient:
    r = session.get(OutgoingRecipient, recipient_id)
    if r is None or not can(actor, "outgoing.receive", r):
        raise NotFound(N_("No such document sent to your organisation."))
    return r


def _check_pending(r: OutgoingRecipient) -> None:
    if r.incoming_id is not None or r.status_code != STATUS_ARRIVED:
        raise Conflict(
            N_("This document has already been handled (status %(code)s)."), code=r.status_code
        )
    if r.document.state != "issued":
        raise Conflict(N_("The sender has recalled this document."))


def register_received(
    session: Session,
    actor: User,
    recipient_id: int,
    store: ObjectStore,
    trust_roots: Sequence[Any],
) -> IncomingDocument:
    """The recipient clerk registers a document sent on this installation in one click:
    the incoming registration is pre-filled from the outgoing document and its signed files."""
    r = get_received(session, actor, recipient_id)
    _check_pending(r)
    doc = r.document
    main = current_main(session, doc)
    data = Registration(
        doc_type=doc.doc_type,
        number_notation=doc.number_notation or "",
        issued_date=doc.issued_date or today_vn(),
        issuing_org=doc.organisation.name,
        subject=doc.subject,
        signer_name=doc.signer.full_name,
        signer_position=doc.signer.position,
        urgency=Urgency(doc.urgency),
        confidentiality=Confidentiality(doc.confidentiality),
        page_count=None,
        reply_due=None,
        received_via=ReceivedVia.EXCHANGE,
    )
    uploads = [
        files.Upload(row.filename, io.BytesIO(_read(store, row)))
        for row in current_attachments(session, doc)
    ]
    created: list[IncomingDocument] = []

    # The link is written in the registration's own transaction: found on its flush, set
    # before its commit, so a registered document is never left unlinked.
    def found(sess: Session, _ctx: Any) -> None:
        created.extend(o for o in sess.new if isinstance(o, IncomingDocument))

    def link(sess: Session) -> None:
        if created and r.incoming_id is None:
            r.incoming_id, r.status_code, r.status_at = created[0].id, STATUS_REGISTERED, utcnow()

    event.listen(session, "after_flush", found)
    event.listen(session, "before_commit", link)
    try:
        result = incoming.register(
            session,
            actor,
            data,
            files.Upload(main.filename, io.BytesIO(_read(store, main))),
            uploads,
            store,
            trust_roots,
        )
    finally:
        event.remove(session, "after_flush", found)
        event.remove(session, "before_commit", link)
    return result.document


def reject_received(session: Session, actor: User, recipient_id: int, reason: str) -> None:
    """The recipient clerk refuses a document (02), e.g. not addressed to them, with a reason."""
    r = get_received(session, actor, recipient_id)
    _check_pending(r)
    if not reason.strip():
        raise ValidationFailed(N_("Give the reason for returning the document."))
    r.status_code, r.status_at, r.status_note = STATUS_REJECTED, utcnow(), reason.strip()
    audit.record(
        session, actor, "outgoing.rejected_by_recipient", OWNER, r.document_id, reason=reason
    )
    notifications.notify(
        session,
        [r.document.drafted_by, *(u for u in [r.document.issued_by] if u is not None)],
        "outgoing.rejected",
        f"{actor.organisation.name} từ chối: {_label(r.document)}",
        _link(r.document),
    )
    _commit(session)


def received_by_departments(
    session: Session, actor: User, limit: int = 200
) -> list[OutgoingDocument]:
    """Issued documents sent to the actor's department."""
    if actor.department_id is None:
        return []
    return list(
        session.scalars(
            select(OutgoingDocument)
            .join(OutgoingRecipient, OutgoingRecipient.document_id == OutgoingDocument.id)
            .where(
                OutgoingRecipient.kind == "department",
                OutgoingRecipient.department_id == actor.department_id,
                OutgoingDocument.state.in_(("issued", "recalled", "replaced")),
            )
            .order_by(OutgoingDocument.issued_at.desc(), OutgoingDocument.id.desc())
            .limit(limit)
        )
    )


def replies_to(session: Session, actor: User, incoming_id: int) -> list[OutgoingDocument]:
    """Outgoing documents (visible to the actor) answering an incoming document."""
    return list(
        session.scalars(
            select(OutgoingDocument).where(
                OutgoingDocument.answers_incoming_id == incoming_id, visible_outgoing(actor)
            )
        )
    )


# -- recall --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recalled:
    """The outcome of recalling a document: who was told, and who must be told on paper."""

    emailed: tuple[str, ...]
    """Addresses the recall notice was emailed to."""
    postal: tuple[str, ...]
    """External recipients without (working) email, to be told on paper."""


def recall(
    session: Session,
    actor: User,
    doc: OutgoingDocument,
    reason: str,
    mailer: Mailer | None = None,
) -> Recalled:
    """The sender's clerk recalls an issued document: each organisation that registered it is
    asked to withdraw it (13); one that has not registered it yet simply no longer sees it;
    the heads of receiving departments are notified; external recipients reached by email are
    emailed the recall notice (after the commit), the others are returned for a paper notice."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(N_("Give the reason for recalling the document."))
    before = _apply(actor, doc, "recall")
    doc.state_reason = reason
    now = utcnow()
    notice = f"Thu hồi: {_label(doc)} – {reason[:200]}"
    for r in doc.recipients:
        if r.kind == "department" and r.department_id is not None:
            heads = [
                u
                for u in _org_users(session, doc.organisation_id, Role.DEPT_HEAD)
                if u.department_id == r.department_id
            ]
            notifications.notify(session, heads, "outgoing.recalled", notice, _link(doc))
        elif r.kind != "organisation" or r.organisation_id is None:
            continue
        elif r.incoming_id is None and r.status_code == STATUS_ARRIVED:
            r.status_code, r.status_at, r.status_note = STATUS_RECALL_ACCEPTED, now, reason
        elif r.incoming_id is not None:
            r.status_code, r.status_at, r.status_note = STATUS_RECALL_REQUESTED, now, reason
            notifications.notify(
                session,
                _org_users(session, r.organisation_id, Role.CLERK),
                "outgoing.recall_requested",
                f"{doc.organisation.name} đề nghị thu hồi: {_label(doc)}",
                "/outgoing/pending",
            )
    _event(session, doc, actor, "recall", before, reason)
    audit.record(session, actor, "outgoing.recalled", OWNER, doc.id, reason=reason)
    _commit(session)
    return _send_recall_notices(session, doc, reason, mailer)


def _send_recall_notices(
    session: Session, doc: OutgoingDocument, reason: str, mailer: Mailer | None
) -> Recalled:
    failed: list[OutgoingRecipient] = []
    emailed: list[str] = []
    if mailer is not None:
        subject = f"{doc.organisation.name}: thu hồi văn bản {doc.number_notation}"
        body = (
            f"{doc.organisation.name} thu hồi văn bản {_issued_as(doc)}.\n"
            f"Trích yếu: {doc.subject}\nLý do: {reason}\n"
        )
        emailed, failed = _email_external(doc, mailer, subject, body, [], "recall ")
    postal = [
        r.name
        for r in doc.recipients
        if r.kind == "external" and (r.delivery != "email" or mailer is None or r in failed)
    ]
    _commit(session)
    return Recalled(tuple(emailed), tuple(postal))


def recall_requests_for(session: Session, actor: User) -> list[OutgoingRecipient]:
    """Recalls the senders asked the actor's organisation to accept or refuse."""
    if Role.CLERK not in actor.roles:
        return []
    return list(
        session.scalars(
            select(OutgoingRecipient)
            .where(
                OutgoingRecipient.kind == "organisation",
                OutgoingRecipient.organisation_id == actor.organisation_id,
                OutgoingRecipient.status_code == STATUS_RECALL_REQUESTED,
            )
            .order_by(OutgoingRecipient.id.desc())
        )
    )


def answer_recall(
    session: Session, actor: User, recipient_id: int, accept: bool, reason: str
) -> None:
    """The recipient clerk accepts a recall (15: the incoming document is withdrawn) or
    refuses it (16) with a reason."""
    r = get_received(session, actor, recipient_id)
    if r.status_code != STATUS_RECALL_REQUESTED or r.incoming is None:
        raise Conflict(N_("No recall of this document is waiting for an answer."))
    if not reason.strip():
        raise ValidationFailed(N_("Give a reason."))
    try:
        r.status_at, r.status_note = utcnow(), reason.strip()
        if accept:
            r.status_code = STATUS_RECALL_ACCEPTED
            # withdraw() commits, together with the status above.
            incoming.withdraw(session, actor, r.incoming, reason)
        else:
            r.status_code = STATUS_RECALL_REFUSED
            audit.record(
                session, actor, "outgoing.recall_refused", OWNER, r.document_id, reason=reason
            )
            _commit(session)
    except Exception:
        session.rollback()
        raise
    notifications.notify(
        session,
        _org_users(session, r.document.organisation_id, Role.CLERK),
        "outgoing.recall_answered",
        f"{actor.organisation.name} {'chấp nhận' if accept else 'từ chối'} thu hồi: "
        f"{_label(r.document)}",
        _link(r.document),
    )
    _commit(session)


def file_for(session: Session, actor: User, file_id: int) -> StoredFile:
    """A file of an outgoing document the actor may open: anyone who sees the document, and
    the clerks of the organisations it was sent to (the files as issued)."""
    row = files.get_file(session, file_id)
    doc = session.get(OutgoingDocument, row.owner_id) if row.owner_type == OWNER else None
    if doc is None:
        raise NotFound(N_("No such file."))
    if can(actor, "outgoing.view", doc):
        return row
    sent_here = doc.state == "issued" and any(
        can(actor, "outgoing.receive", r) for r in doc.recipients
    )
    issued_files = {
        current_main(session, doc).id,
        *(f.id for f in current_attachments(session, doc)),
    }
    if sent_here and row.id in issued_files:
        return row
    raise NotFound(N_("No such file."))
