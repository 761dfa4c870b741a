"""Stored signing credentials: each leader's and each organisation's PKCS#12 and image.

The PKCS#12 bytes stay encrypted under the holder's passphrase, which is asked for at signing
time and never stored; it is only used here to check an upload opens and to unlock a signer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyhanko.sign.signers.pdf_cms import Signer
from sqlalchemy.orm import Session

import signing
from app.domain.base import utcnow
from app.domain.errors import N_, ValidationFailed
from app.domain.models import Organisation, User
from app.domain.outgoing import SigningCredential

from . import audit
from .permissions import require

MAX_P12 = 64 * 1024
MAX_PNG = 2 * 1024 * 1024


def policy_from_config(config: Mapping[str, Any]) -> signing.SigningPolicy:
    """The installation's signing level and time-stamping authority."""
    raw = str(config.get("SIGNATURE_LEVEL") or "B-B")
    try:
        level = signing.Level(raw)
    except ValueError:
        level = signing.Level.B_B
    return signing.SigningPolicy(level=level, tsa_url=str(config.get("TSA_URL") or "") or None)


def _check_pkcs12(data: bytes, passphrase: str) -> None:
    if len(data) > MAX_P12:
        raise ValidationFailed(N_("The PKCS#12 file is too large."))
    try:
        signing.Pkcs12KeyStore(data).signer(passphrase)
    except signing.SigningError as exc:
        raise ValidationFailed(
            N_("The key store cannot be used: %(reason)s"), reason=str(exc)
        ) from exc


def _check_png(data: bytes, what: str) -> None:
    if len(data) > MAX_PNG:
        raise ValidationFailed(N_("The image is too large (at most 2 MB)."))
    try:
        signing.load_png(data, what)
    except signing.SigningError as exc:
        raise ValidationFailed(N_("The image cannot be used: %(reason)s"), reason=str(exc)) from exc


def _save(
    session: Session,
    actor: User,
    owner_type: str,
    owner_id: int,
    pkcs12: bytes | None,
    passphrase: str,
    image_png: bytes | None,
    what: str,
) -> SigningCredential:
    if pkcs12 is None and image_png is None:
        raise ValidationFailed(N_("Send a PKCS#12 file, an image or both."))
    if pkcs12 is not None:
        _check_pkcs12(pkcs12, passphrase)
    if image_png is not None:
        _check_png(image_png, what)
    row = session.get(SigningCredential, (owner_type, owner_id))
    if row is None:
        row = SigningCredential(owner_type=owner_type, owner_id=owner_id)
        session.add(row)
    if pkcs12 is not None:
        row.pkcs12 = pkcs12
    if image_png is not None:
        row.image_png = image_png
    row.updated_at, row.updated_by_id = utcnow(), actor.id
    audit.record(
        session,
        actor,
        "signing.credential_saved",
        owner_type,
        owner_id,
        pkcs12=pkcs12 is not None,
        image=image_png is not None,
    )
    session.commit()
    return row


def save_user_credential(
    session: Session,
    actor: User,
    pkcs12: bytes | None,
    passphrase: str,
    signature_png: bytes | None,
) -> SigningCredential:
    """A user stores their own PKCS#12 (checked with the passphrase, which is then dropped)
    and their handwritten-signature image."""
    require(actor, "signing.own_key", actor)
    return _save(
        session, actor, "user", actor.id, pkcs12, passphrase, signature_png, "signature image"
    )


def save_organisation_credential(
    session: Session,
    actor: User,
    organisation: Organisation,
    pkcs12: bytes | None,
    passphrase: str,
    seal_png: bytes | None,
) -> SigningCredential:
    """An administrator stores the organisation's PKCS#12 and its seal image."""
    require(actor, "signing.organisation_key", organisation)
    return _save(
        session, actor, "organisation", organisation.id, pkcs12, passphrase, seal_png, "seal"
    )


def credential(session: Session, owner_type: str, owner_id: int) -> SigningCredential | None:
    return session.get(SigningCredential, (owner_type, owner_id))


def unlock(row: SigningCredential | None, passphrase: str, whose: str) -> tuple[Signer, bytes]:
    """The signer and the image of a stored credential; clear errors for what is missing."""
    if row is None or row.pkcs12 is None:
        raise ValidationFailed(N_("No signing key is stored for %(whose)s."), whose=whose)
    if row.image_png is None:
        raise ValidationFailed(N_("No signature image is stored for %(whose)s."), whose=whose)
    if not passphrase:
        raise ValidationFailed(N_("Enter the passphrase of the signing key."))
    try:
        signer = signing.Pkcs12KeyStore(row.pkcs12).signer(passphrase)
    except signing.WrongPassphrase as exc:
        raise ValidationFailed(
            N_("The passphrase of the signing key of %(whose)s is wrong."), whose=whose
        ) from exc
    except signing.SigningError as exc:
        raise ValidationFailed(
            N_("The signing key of %(whose)s cannot be used: %(reason)s"),
            whose=whose,
            reason=str(exc),
        ) from exc
    return signer, row.image_png
