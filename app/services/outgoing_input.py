"""Parsing the fields of outgoing drafts and their recipients (forms and API alike)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.domain.doctypes import DOC_TYPES_BY_CODE, Confidentiality, Urgency
from app.domain.errors import N_, ValidationFailed

from .incoming_input import _enum, parse_int, text

RECIPIENT_KINDS = ("department", "organisation", "external")


@dataclass(frozen=True)
class RecipientInput:
    """One nơi nhận as entered by the drafter."""

    kind: str
    """department | organisation | external."""
    ref_id: int | None
    """Department or organisation id (None for external recipients)."""
    name: str = ""
    """Name of an external organisation."""
    code: str = ""
    """Identifier code of an external organisation (mã định danh), if known."""
    email: str = ""
    """Email address of an external organisation; empty means postal delivery."""


@dataclass(frozen=True)
class Draft:
    """The metadata of an outgoing draft."""

    doc_type: str
    """Code of the Appendix III type (e.g. QD, CV)."""
    subject: str
    """Trích yếu nội dung."""
    urgency: Urgency
    """Độ khẩn."""
    confidentiality: Confidentiality
    """Độ mật."""
    signer_id: int
    """The leader who will sign."""
    legal_normative: bool
    """A legal-normative document (numbered in its type's own series)."""
    answers_incoming_id: int | None
    """The incoming document this one answers, if any."""
    recipients: tuple[RecipientInput, ...] | None
    """Nơi nhận; None when the field was not sent (keep the current list)."""
    replaces_id: int | None = None
    """The issued document this one replaces, if any."""


def _flag(data: Mapping[str, Any], name: str) -> bool:
    value = data.get(name)
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in {"1", "true", "yes", "on"}


def _ids(values: list[Any], label: str) -> list[int]:
    out = []
    for v in values:
        for part in str(v).split(","):
            if part.strip():
                try:
                    out.append(int(part.strip()))
                except ValueError as exc:
                    raise ValidationFailed(
                        N_("%(field)s must be numeric ids."), field=label
                    ) from exc
    return out


def _external_lines(raw: str) -> list[RecipientInput]:
    """One external recipient per line: name; code; email (code and email optional)."""
    out = []
    for line in raw.splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(";")]
        parts += [""] * (3 - len(parts))
        out.append(_external(parts[0], parts[1], parts[2]))
    return out


def _external(name: str, code: str, email: str) -> RecipientInput:
    if not name or len(name) > 255:
        raise ValidationFailed(N_("An external recipient needs a name (at most 255 characters)."))
    if len(code) > 32:
        raise ValidationFailed(N_("An identifier code has at most 32 characters."))
    if email and ("@" not in email or " " in email or len(email) > 255):
        raise ValidationFailed(N_("%(email)s is not an email address."), email=email)
    return RecipientInput("external", None, name, code, email)


def parse_recipients(
    data: Mapping[str, Any], getlist: Callable[[str], list[Any]] | None = None
) -> tuple[RecipientInput, ...] | None:
    """`recipients` as a JSON list of {kind, id | name, code, email}, or the form fields
    `recipient_departments`, `recipient_organisations` (ids) and `recipient_external`
    (lines 'name; code; email'). None when none of these fields is present."""
    keys = ("recipient_departments", "recipient_organisations", "recipient_external")
    raw = data.get("recipients")
    if raw is None and not any(k in data for k in keys):
        return None
    out: list[RecipientInput] = []
    if raw is not None and raw != "":
        items = raw
        if isinstance(raw, str):
            try:
                items = json.loads(raw)
            except ValueError as exc:
                raise ValidationFailed(N_("'recipients' must be a JSON list.")) from exc
        if not isinstance(items, list):
            raise ValidationFailed(N_("'recipients' must be a JSON list."))
        for item in items:
            if not isinstance(item, dict) or item.get("kind") not in RECIPIENT_KINDS:
                raise ValidationFailed(
                    N_("Each recipient needs a kind: department, organisation or external.")
                )
            if item["kind"] == "external":
                out.append(
                    _external(
                        str(item.get("name") or "").strip(),
                        str(item.get("code") or "").strip(),
                        str(item.get("email") or "").strip(),
                    )
                )
            else:
                ref = item.get("id")
                if not isinstance(ref, int):
                    raise ValidationFailed(N_("A recipient of this kind needs a numeric 'id'."))
                out.append(RecipientInput(str(item["kind"]), ref))

    def many(name: str) -> list[Any]:
        if getlist is not None:
            return list(getlist(name))
        value = data.get(name)
        return value if isinstance(value, list) else [value] if value not in (None, "") else []

    out += [RecipientInput("department", i) for i in _ids(many(keys[0]), keys[0])]
    out += [RecipientInput("organisation", i) for i in _ids(many(keys[1]), keys[1])]
    out += _external_lines(str(data.get(keys[2]) or ""))
    seen = set()
    for r in out:
        key = (r.kind, r.ref_id, r.name.lower(), r.code)
        if key in seen:
            raise ValidationFailed(N_("A recipient appears twice."))
        seen.add(key)
    return tuple(out)


def parse_draft(
    data: Mapping[str, Any], getlist: Callable[[str], list[Any]] | None = None
) -> Draft:
    doc_type = text(data, "doc_type", "doc_type", 8)
    if doc_type not in DOC_TYPES_BY_CODE:
        raise ValidationFailed(
            N_("Unknown document type %(code)s; use one of: %(codes)s."),
            code=doc_type,
            codes=", ".join(DOC_TYPES_BY_CODE),
        )
    signer = parse_int(data, "signer_id", "signer_id", 1, 2**31 - 1)
    if signer is None:
        raise ValidationFailed(N_("%(field)s is required."), field="signer_id")
    return Draft(
        doc_type=doc_type,
        subject=text(data, "subject", "subject", 1000),
        urgency=_enum(data, "urgency", "urgency", Urgency, Urgency.NORMAL),
        confidentiality=_enum(
            data, "confidentiality", "confidentiality", Confidentiality, Confidentiality.NORMAL
        ),
        signer_id=signer,
        legal_normative=_flag(data, "legal_normative"),
        answers_incoming_id=parse_int(
            data, "answers_incoming_id", "answers_incoming_id", 1, 2**31 - 1
        ),
        recipients=parse_recipients(data, getlist),
        replaces_id=parse_int(data, "replaces_id", "replaces_id", 1, 2**31 - 1),
    )
