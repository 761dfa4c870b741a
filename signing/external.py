"""Interrupted signing: prepare the PDF and the data to sign, embed a signature made elsewhere.

Lets a remote-signing service or a USB token on the signer's own computer produce the raw
signature. Everything in :class:`PreparedSignature` is plain bytes, so it can be stored
between two HTTP requests.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from asn1crypto import cms, x509
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import ExternalSigner, PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .appearance import AttachmentAppearance, LeaderAppearance, Placement, SealAppearance
from .errors import SigningError
from .keystores import check_signing_certificate
from .sign import (
    ATTACHMENT_FIELD,
    LEADER_FIELD,
    ORG_FIELD,
    Level,
    SigningPolicy,
    _field_exists,
    _page_index,
    _run,
    _setup,
    default_attachment_placement,
    default_leader_placement,
    reserve_bytes,
    seal_placement,
)

__all__ = ["PreparedSignature", "finish_external", "prepare_external"]

_MD = "sha256"


@dataclass(frozen=True)
class PreparedSignature:
    """State between :func:`prepare_external` and :func:`finish_external`."""

    pdf: bytes
    """The PDF with the signature field and an empty /Contents placeholder."""
    data_to_sign: bytes
    """DER of the CMS signed attributes: the signer signs these bytes (RSA PKCS#1 v1.5 or
    ECDSA with SHA-256)."""
    digest: bytes
    """SHA-256 of ``data_to_sign``, for signers that take a pre-hashed value."""
    digest_algorithm: str
    """Always 'sha256'."""
    document_digest: bytes
    """Digest of the byte ranges of ``pdf`` (pyHanko's prepared digest)."""
    reserved_region: tuple[int, int]
    """Start and end offsets of the /Contents placeholder in ``pdf``."""
    signing_cert: bytes
    """DER of the signer's certificate."""
    chain: tuple[bytes, ...]
    """DER of other certificates to embed (intermediates, root)."""


def _registry(chain: Iterable[x509.Certificate]) -> SimpleCertificateStore:
    reg = SimpleCertificateStore()
    reg.register_multiple(list(chain))
    return reg


def prepare_external(
    pdf: bytes,
    cert: x509.Certificate,
    appearance: LeaderAppearance | SealAppearance | AttachmentAppearance | None = None,
    *,
    chain: Iterable[x509.Certificate] = (),
    placement: Placement | None = None,
    field_name: str | None = None,
    policy: SigningPolicy | None = None,
) -> PreparedSignature:
    """Prepare ``pdf`` for a signature by ``cert`` and return the data to sign.

    The appearance type chooses the default field name and placement (leader, organisation
    seal over the leader's signature, attachment box). B-LT is not supported here.
    """
    check_signing_certificate(cert)
    policy = policy or SigningPolicy()
    if policy.level == Level.B_LT:
        raise SigningError("Interrupted signing supports PAdES B-B and B-T only.")
    chain = list(chain)
    if isinstance(appearance, LeaderAppearance):
        name, default = field_name or LEADER_FIELD, default_leader_placement
    elif isinstance(appearance, SealAppearance):
        name, default = field_name or ORG_FIELD, seal_placement()
    elif isinstance(appearance, AttachmentAppearance):
        name, default = field_name or ATTACHMENT_FIELD, default_attachment_placement
    else:
        name, default = field_name or "ChuKy", None
    w, placement, style, params, moment = _setup(
        pdf, name, placement,
        appearance.style if appearance else None,
        appearance.text_params if appearance else None, default,
    )
    signer = ExternalSigner(cert, _registry(chain), signature_value=bytes(512))

    result: list[PreparedSignature] = []

    # The coroutine stores its result instead of returning it: asyncio builds a repr of a
    # task's result, which is slow for a result holding a large PDF.
    async def go() -> None:
        meta = signers.PdfSignatureMetadata(
            field_name=name, md_algorithm=_MD, subfilter=fields.SigSeedSubFilter.PADES,
        )
        existing = _field_exists(w, name)
        spec = None
        if not existing:
            spec = fields.SigFieldSpec(name) if placement is None else fields.SigFieldSpec(
                name, on_page=_page_index(w, placement.page),
                box=tuple(round(v) for v in placement.box),  # type: ignore[arg-type]
            )
        pdf_signer = signers.PdfSigner(meta, signer, stamp_style=style, new_field_spec=spec)
        session = pdf_signer.init_signing_session(w, existing_fields_only=existing)
        session.system_time = moment
        reserved = await reserve_bytes([cert, *chain], policy.build_timestamper())
        tbs = session.prepare_tbs_document(validation_info=None, bytes_reserved=reserved,
                                           appearance_text_params=params)
        prepared, output = tbs.digest_tbs_document(output=io.BytesIO())
        attrs = await signer.signed_attrs(
            prepared.document_digest, _MD,
            attr_settings=PdfCMSSignedAttributes(signing_time=moment), use_pades=True,
        )
        der = attrs.dump()
        assert isinstance(output, io.BytesIO)
        result.append(PreparedSignature(
            pdf=output.getvalue(),
            data_to_sign=der,
            digest=hashlib.sha256(der).digest(),
            digest_algorithm=_MD,
            document_digest=prepared.document_digest,
            reserved_region=(prepared.reserved_region_start, prepared.reserved_region_end),
            signing_cert=cert.dump(),
            chain=tuple(c.dump() for c in chain),
        ))

    try:
        asyncio.run(go())
        return result[0]
    except SigningError:
        raise
    except Exception as e:
        raise SigningError(f"Could not prepare the document for signing: {e}") from e


def finish_external(
    prepared: PreparedSignature,
    signature: bytes,
    *,
    policy: SigningPolicy | None = None,
) -> bytes:
    """Embed the externally produced raw ``signature`` over ``prepared.data_to_sign``.

    With a B-T policy, a signature timestamp is fetched now. The signature is checked against
    the certificate before embedding, so a wrong key gives a clear error.
    """
    policy = policy or SigningPolicy()
    cert = x509.Certificate.load(prepared.signing_cert)
    _verify_raw(cert, prepared.data_to_sign, signature)
    chain = [x509.Certificate.load(c) for c in prepared.chain]
    signer = ExternalSigner(cert, _registry(chain), signature_value=signature)
    timestamper = policy.build_timestamper()

    async def go() -> io.BytesIO:
        sig_cms: Any = await signer.async_sign_prescribed_attributes(
            _MD, signed_attrs=cms.CMSAttributes.load(prepared.data_to_sign),
            timestamper=timestamper,
        )
        output = io.BytesIO(prepared.pdf)
        digest = PreparedByteRangeDigest(
            document_digest=prepared.document_digest,
            reserved_region_start=prepared.reserved_region[0],
            reserved_region_end=prepared.reserved_region[1],
        )
        await PdfTBSDocument.async_finish_signing(output, digest, sig_cms)
        return output

    return _run(go())


def _verify_raw(cert: x509.Certificate, data: bytes, signature: bytes) -> None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.x509 import load_der_x509_certificate

    key = load_der_x509_certificate(cert.dump()).public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as e:
        raise SigningError("The external signature does not match the certificate's key or "
                           "the prepared data.") from e
