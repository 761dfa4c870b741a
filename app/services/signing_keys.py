"""Stored signing credentials: each leader's and each organisation's key and image.

The key is either a PKCS#12 file, whose bytes stay encrypted under the holder's passphrase,
or the settings of a PKCS#11 token (module, token label, key label). The passphrase or the
token PIN is asked for at signing time and never stored; it is only used here to check an
upload opens and to unlock a signer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
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
MAX_LABEL = 200


@dataclass(frozen=True)
class TokenSettings:
    """Where a key on a PKCS#11 token is found; the PIN is never part of it."""

    module_path: str
    token_label: str
    key_label: str

    @classmethod
    def from_form(cls, form: Mapping[str, Any]) -> TokenSettings | None:
        """The token fields of an upload form (token_module, token_label, key_label), or
        None when none is filled in."""
        names = ("token_module", "token_label", "key_label")
        values = [str(form.get(name) or "").strip() for name in names]
        if not any(values):
            return None
        if not all(values):
            raise ValidationFailed(
                N_("Give the token's module path, the token label and the key label.")
            )
        return cls(*values)


def allowed_modules(config: Mapping[str, Any]) -> tuple[str, ...]:
    """The PKCS#11 modules the installation allows (PKCS11_MODULES, comma-separated)."""
    raw = str(config.get("PKCS11_MODULES") or "")
    return tuple(p.strip() for p in raw.split(",") if p.strip())


def _check_token(token: TokenSettings, allowed: tuple[str, ...]) -> None:
    # A module is a shared library loaded into the server: only those the operator listed.
    if token.module_path not in allowed:
        raise ValidationFailed(
            N_("The PKCS#11 module %(module)s is not allowed on this installation."),
            module=token.module_path,
        )
    if len(token.token_label) > MAX_LABEL or len(token.key_label) > MAX_LABEL:
        raise ValidationFailed(N_("The token label or key label is too long."))


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
    token: TokenSettings | None,
    allowed: tuple[str, ...],
) -> SigningCredential:
    if pkcs12 is None and token is None and image_png is None:
        raise ValidationFailed(N_("Send a PKCS#12 file or token settings, an image or both."))
    if pkcs12 is not None and token is not None:
        raise ValidationFailed(N_("Send either a PKCS#12 file or token settings, not both."))
    if pkcs12 is not None:
        _check_pkcs12(pkcs12, passphrase)
    if token is not None:
        _check_token(token, allowed)
    if image_png is not None:
        _check_png(image_png, what)
    row = session.get(SigningCredential, (owner_type, owner_id))
    if row is None:
        row = SigningCredential(owner_type=owner_type, owner_id=owner_id)
        session.add(row)
    if pkcs12 is not None:
        row.pkcs12 = pkcs12
        row.token_module = row.token_label = row.token_key_label = None
    if token is not None:
        row.pkcs12 = None
        row.token_module, row.token_label = token.module_path, token.token_label
        row.token_key_label = token.key_label
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
        token=token is not None,
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
    token: TokenSettings | None = None,
    allowed_modules: tuple[str, ...] = (),
) -> SigningCredential:
    """A user stores their own PKCS#12 (checked with the passphrase, which is then dropped)
    or the settings of their token, and their handwritten-signature image."""
    require(actor, "signing.own_key", actor)
    return _save(
        session,
        actor,
        "user",
        actor.id,
        pkcs12,
        passphrase,
        signature_png,
        "signature image",
        token,
        allowed_modules,
    )


def save_organisation_credential(
    session: Session,
    actor: User,
    organisation: Organisation,
    pkcs12: bytes | None,
    passphrase: str,
    seal_png: bytes | None,
    token: TokenSettings | None = None,
    allowed_modules: tuple[str, ...] = (),
) -> SigningCredential:
    """An administrator stores the organisation's PKCS#12 or token settings, and its seal."""
    require(actor, "signing.organisation_key", organisation)
    return _save(
        session,
        actor,
        "organisation",
        organisation.id,
        pkcs12,
        passphrase,
        seal_png,
        "seal",
        token,
        allowed_modules,
    )


def credential(session: Session, owner_type: str, owner_id: int) -> SigningCredential | None:
    return session.get(SigningCredential, (owner_type, owner_id))


def has_key(row: SigningCredential | None) -> bool:
    """Whether a PKCS#12 or a token is stored."""
    return row is not None and (row.pkcs12 is not None or row.token_module is not None)


@dataclass
class UnlockedKey:
    """A signer and the image to show; close it (or use ``with``) to log out of a token."""

    signer: Signer
    image: bytes
    _token: signing.Pkcs11KeyStore | None = field(default=None, repr=False)

    def close(self) -> None:
        if self._token is not None:
            self._token.close()
            self._token = None

    def __enter__(self) -> UnlockedKey:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def unlock(
    row: SigningCredential | None,
    secret: str,
    whose: str,
    allowed: tuple[str, ...] | None = None,
) -> UnlockedKey:
    """The signer and the image of a stored credential, unlocked with the passphrase or PIN
    entered now; clear errors for what is missing or wrong. ``allowed``: the PKCS#11 modules
    the installation allows (None: do not check)."""
    if row is None or not has_key(row):
        raise ValidationFailed(N_("No signing key is stored for %(whose)s."), whose=whose)
    if row.image_png is None:
        raise ValidationFailed(N_("No signature image is stored for %(whose)s."), whose=whose)
    if row.token_module is not None:
        return _unlock_token(row, secret, whose, row.image_png, allowed)
    assert row.pkcs12 is not None
    if not secret:
        raise ValidationFailed(N_("Enter the passphrase of the signing key."))
    try:
        signer = signing.Pkcs12KeyStore(row.pkcs12).signer(secret)
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
    return UnlockedKey(signer, row.image_png)


def _unlock_token(
    row: SigningCredential,
    pin: str,
    whose: str,
    image: bytes,
    allowed: tuple[str, ...] | None,
) -> UnlockedKey:
    token = TokenSettings(row.token_module or "", row.token_label or "", row.token_key_label or "")
    if allowed is not None:
        _check_token(token, allowed)
    if not pin:
        raise ValidationFailed(N_("Enter the PIN of the token."))
    store = signing.Pkcs11KeyStore(token.module_path, token.token_label, token.key_label)
    try:
        signer = store.signer(pin)
    except signing.WrongPin as exc:
        raise ValidationFailed(N_("The token of %(whose)s rejected the PIN."), whose=whose) from exc
    except signing.TokenNotFound as exc:
        raise ValidationFailed(
            N_(
                "The token '%(label)s' of %(whose)s or its key is not found: plug it in "
                "and try again."
            ),
            label=token.token_label,
            whose=whose,
        ) from exc
    except signing.SigningError as exc:
        store.close()
        raise ValidationFailed(
            N_("The signing key of %(whose)s cannot be used: %(reason)s"),
            whose=whose,
            reason=str(exc),
        ) from exc
    return UnlockedKey(signer, image, store)
