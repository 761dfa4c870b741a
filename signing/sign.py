"""Sign PDFs: leader, organisation seal and attachment signatures; numbering fields; levels."""

from __future__ import annotations

import asyncio
import enum
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from asn1crypto import x509
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.generic import NameObject, pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.text import TextBox
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes, Signer
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.stamp import BaseStampStyle
from pyhanko_certvalidator import ValidationContext

from .appearance import (
    AttachmentAppearance,
    Box,
    LeaderAppearance,
    Placement,
    SealAppearance,
    _text_style,
    nfc,
    seal_box_for,
)
from .errors import MalformedPdf, SigningError, TimestampError
from .tsa import timestamper_for

__all__ = [
    "ATTACHMENT_FIELD",
    "DATE_FIELD",
    "LEADER_FIELD",
    "NOTATION_FIELD",
    "ORG_FIELD",
    "Level",
    "NumberingLayout",
    "SigningPolicy",
    "fill_number",
    "format_issue_date",
    "open_for_update",
    "prepare_draft",
    "sign_attachment",
    "sign_leader",
    "sign_organisation",
]

logger = logging.getLogger(__name__)

LEADER_FIELD = "ChuKyLanhDao"
ORG_FIELD = "ChuKyCoQuan"
ATTACHMENT_FIELD = "ChuKyCoQuanPhuLuc"
NOTATION_FIELD = "SoKyHieu"
DATE_FIELD = "NgayBanHanh"


class Level(enum.StrEnum):
    """PAdES baseline level."""

    B_B = "B-B"
    B_T = "B-T"
    B_LT = "B-LT"


@dataclass(frozen=True)
class SigningPolicy:
    """Installation-wide signing settings."""

    level: Level = Level.B_B
    """PAdES level of new signatures."""
    tsa_url: str | None = None
    """RFC 3161 time-stamping authority URL (needed from B-T up)."""
    tsa_timeout: float = 10.0
    """Seconds to wait for the TSA."""
    timestamper: TimeStamper | None = None
    """A ready timestamper (overrides ``tsa_url``; tests use an in-process one)."""
    trust_roots: tuple[x509.Certificate, ...] = ()
    """Trust roots used to collect validation data for B-LT."""
    crls: tuple[bytes, ...] = ()
    """DER CRLs known offline (e.g. the organisation CA's own) for B-LT."""
    allow_fetching: bool = True
    """Whether B-LT may fetch CRLs/OCSP responses over the network."""

    def build_timestamper(self) -> TimeStamper | None:
        if self.level == Level.B_B:
            return None
        if self.timestamper is not None:
            return self.timestamper
        if not self.tsa_url:
            raise SigningError(f"PAdES {self.level} needs a time-stamping authority URL.")
        return timestamper_for(self.tsa_url, self.tsa_timeout)

    def validation_context(self) -> ValidationContext | None:
        if self.level != Level.B_LT:
            return None
        return ValidationContext(
            trust_roots=list(self.trust_roots),
            crls=list(self.crls),
            allow_fetching=self.allow_fetching,
            revocation_mode="soft-fail",
        )


@dataclass(frozen=True)
class NumberingLayout:
    """Where the number/notation and issue-date text fields sit on the draft."""

    page: int = 0
    """Page index of both fields (0-based)."""
    notation_box: Box = (60.0, 668.0, 270.0, 686.0)
    """Box of the 'Số: ...' field (Decree 30 area 3)."""
    date_box: Box = (300.0, 668.0, 560.0, 686.0)
    """Box of the place-and-date field (Decree 30 area 4)."""
    font_size: int = 12
    """Font size of the filled-in text."""


class _Writer(IncrementalPdfFileWriter):
    """Incremental writer with a constant-time page lookup for flat page trees.

    pyHanko walks the page tree and parses every page before the one wanted; for a signature
    on the last page of a long document that was the largest size-dependent cost.
    """

    def find_page_for_modification(self, page_ix: int) -> Any:
        pages_ref = self.root.raw_get("/Pages")
        pages = pages_ref.get_object()
        kids = pages.get("/Kids")
        count = int(pages["/Count"])
        ix = page_ix + count if page_ix < 0 else page_ix
        if kids is not None and len(kids) == count and 0 <= ix < count:
            ref = kids.raw_get(ix)
            if isinstance(ref, generic.IndirectObject):
                page = ref.get_object()
                if page.get("/Type") == "/Page":
                    if "/Resources" in page:
                        return ref, page.raw_get("/Resources")
                    if "/Resources" in pages:
                        return ref, pages.raw_get("/Resources")
                    return ref, generic.DictionaryObject()
        return super().find_page_for_modification(page_ix)


def open_for_update(pdf: bytes | io.BytesIO) -> IncrementalPdfFileWriter:
    """Open a PDF for an incremental update, turning parse failures into MalformedPdf."""
    stream = pdf if isinstance(pdf, io.BytesIO) else io.BytesIO(bytes(pdf))
    try:
        w = _Writer(stream, strict=False)
        _ = w.root["/Pages"]
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as e:
        raise MalformedPdf(f"The file is not a readable PDF: {e}") from e
    return w


def _page_count(w: IncrementalPdfFileWriter) -> int:
    return int(w.root["/Pages"]["/Count"])


def _page_index(w: IncrementalPdfFileWriter, page: int) -> int:
    n = _page_count(w)
    ix = page + n if page < 0 else page
    if not 0 <= ix < n:
        raise SigningError(f"Page {page} does not exist; the document has {n} pages.")
    return ix


def _page_size(w: IncrementalPdfFileWriter, ix: int) -> tuple[float, float]:
    page_ref, _ = w.find_page_for_modification(ix)
    page = page_ref.get_object()
    box = page.get("/MediaBox") or w.root["/Pages"].get("/MediaBox") or [0, 0, 595, 842]
    return float(box[2]) - float(box[0]), float(box[3]) - float(box[1])


def _find_widget(w: IncrementalPdfFileWriter, name: str) -> tuple[int, Box] | None:
    """Page index and rectangle of the widget of the field called ``name``."""
    form = _acroform(w)
    widget = None
    for f in form.get("/Fields", []) if form is not None else []:
        fld = f.get_object()
        if fld.get("/T") == name:
            widget = fld if "/Rect" in fld else fld["/Kids"][0].get_object()
            break
    if widget is None:
        return None
    r = [float(v) for v in widget["/Rect"]]
    box = (r[0], r[1], r[2], r[3])
    page_ref = widget.raw_get("/P") if "/P" in widget else None
    pages = w.root["/Pages"]
    kids = pages.get("/Kids", [])
    if isinstance(page_ref, generic.IndirectObject) and len(kids) == int(pages["/Count"]):
        for ix in range(len(kids)):
            if kids.raw_get(ix) == page_ref:  # compares references, reads no page
                return ix, box
    for ix in range(_page_count(w)):  # no /P or a nested page tree: look at the annotations
        ref, _ = w.find_page_for_modification(ix)
        for annot in ref.get_object().get("/Annots", []) or []:
            if annot.get_object() is widget:
                return ix, box
    return None


def _field_exists(w: IncrementalPdfFileWriter, name: str) -> bool:
    form = _acroform(w)
    if form is None:
        return False
    return any(f.get_object().get("/T") == name for f in form.get("/Fields", []))


def _acroform(w: IncrementalPdfFileWriter) -> Any:
    if "/AcroForm" not in w.root:
        return None
    return w.root["/AcroForm"]


async def reserve_bytes(certs: Sequence[x509.Certificate],
                        timestamper: TimeStamper | None) -> int:
    """Bytes to reserve for the CMS object, computed instead of estimated.

    pyHanko's estimate builds a whole dummy signature. Too generous a reservation is costly
    too: validators tokenise the hex placeholder byte by byte, so keep it close to the need:
    certificates + signature value and signed attributes (< 2 KB) + the timestamp token (the
    timestamper caches a dummy token per digest algorithm, so this asks the TSA only once).
    """
    size = sum(len(c.dump()) for c in certs) + 2048
    if timestamper is not None:
        size += len((await timestamper.async_dummy_response("sha256")).dump()) + 1024
    return 2 * size  # pyHanko counts hex digits of the placeholder


def _signer_certs(signer: Signer) -> list[x509.Certificate]:
    cert = signer.signing_cert
    return list(signer.cert_registry) + ([cert] if cert is not None else [])


async def _async_sign(
    w: IncrementalPdfFileWriter,
    signer: Signer,
    field_name: str,
    *,
    placement: Placement | None,
    style: BaseStampStyle | None,
    text_params: dict[str, str] | None,
    policy: SigningPolicy,
    moment: datetime,
    reason: str | None,
    location: str | None,
) -> io.BytesIO:
    timestamper = policy.build_timestamper()
    vc = policy.validation_context()
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        embed_validation_info=vc is not None,
        validation_context=vc,
    )
    existing = _field_exists(w, field_name)
    spec = None
    if not existing:
        if placement is None:
            spec = fields.SigFieldSpec(field_name)
        else:
            box = tuple(round(v) for v in placement.box)
            spec = fields.SigFieldSpec(
                field_name, on_page=_page_index(w, placement.page), box=box  # type: ignore[arg-type]
            )
    pdf_signer = signers.PdfSigner(
        meta, signer, timestamper=timestamper, stamp_style=style, new_field_spec=spec
    )
    session = pdf_signer.init_signing_session(w, existing_fields_only=existing)
    # One moment for the CMS signing time and the text shown in the appearance.
    session.system_time = moment
    validation_info = await session.perform_presign_validation(w)
    if vc is not None:
        reserved = await session.estimate_signature_container_size(validation_info, tight=False)
    else:
        reserved = await reserve_bytes(_signer_certs(signer), timestamper)
    tbs = session.prepare_tbs_document(
        validation_info=validation_info, bytes_reserved=reserved,
        appearance_text_params=text_params,
    )
    prepared, output = tbs.digest_tbs_document(output=io.BytesIO())
    post = await tbs.perform_signature(
        document_digest=prepared.document_digest,
        pdf_cms_signed_attrs=PdfCMSSignedAttributes(
            signing_time=moment,
            adobe_revinfo_attr=None if validation_info is None
            else validation_info.adobe_revinfo_attr,
            cades_signed_attrs=meta.cades_signed_attr_spec,
        ),
    )
    await post.post_signature_processing(output)
    assert isinstance(output, io.BytesIO)
    return output


def _setup(pdf: bytes, field_name: str, placement: Placement | None, style_for: Any,
           text_params_for: Any, placement_default: Any) -> tuple[Any, ...]:
    """Open the PDF, resolve the placement and build the appearance for ``field_name``."""
    w = open_for_update(pdf)
    if placement is None and placement_default is not None and not _field_exists(w, field_name):
        placement = placement_default(w)
    box: Box
    if placement is not None:
        box = placement.box
    else:
        found = _find_widget(w, field_name)
        box = found[1] if found else (0.0, 0.0, 200.0, 100.0)
    style = style_for(box) if style_for else None
    moment = datetime.now(UTC).replace(microsecond=0)
    params = text_params_for(moment) if text_params_for else None
    return w, placement, style, params, moment


def _run(coro: Any) -> bytes:
    """Run a coroutine that returns a BytesIO; return its bytes.

    The coroutine must not return the bytes itself: asyncio builds a repr of a task's result
    here, which costs ~30 ms per MB of PDF."""
    try:
        return asyncio.run(coro).getvalue()
    except SigningError:
        raise
    except TimestampRequestError as e:
        raise TimestampError(f"Time-stamping failed: {e}") from e
    except PyHankoSigningError as e:
        if "timestamp" in str(e).lower() or "TSA" in str(e):
            raise TimestampError(f"Time-stamping failed: {e}") from e
        raise SigningError(f"Signing failed: {e}") from e
    except OSError as e:
        raise TimestampError(f"Could not reach the time-stamping authority: {e}") from e
    except PdfError as e:
        raise MalformedPdf(f"The PDF could not be signed: {e}") from e


def _sign(pdf: bytes, signer: Signer, field_name: str, *, policy: SigningPolicy | None,
          placement: Placement | None, style_for: Any, text_params_for: Any,
          reason: str | None, location: str | None,
          placement_default: Any = None) -> bytes:
    policy = policy or SigningPolicy()
    w, placement, style, params, moment = _setup(pdf, field_name, placement, style_for,
                                                 text_params_for, placement_default)
    return _run(_async_sign(w, signer, field_name, placement=placement, style=style,
                            text_params=params, policy=policy, moment=moment, reason=reason,
                            location=location))


def default_leader_placement(w: IncrementalPdfFileWriter) -> Placement:
    """Bottom right of the last page, above the bottom margin."""
    ix = _page_count(w) - 1
    width, _ = _page_size(w, ix)
    return Placement(ix, (width - 270, 80, width - 50, 200))


def seal_placement(leader_field: str = LEADER_FIELD, seal_size: float = 105.0) -> Any:
    """Placement rule: the seal over the left third of the leader's signature image."""

    def default(w: IncrementalPdfFileWriter) -> Placement:
        found = _find_widget(w, leader_field)
        if found is None:
            raise SigningError(
                "The document has no leader signature: the organisation signature is applied "
                "only to documents already signed by the competent person."
            )
        return Placement(found[0], seal_box_for(found[1], seal_size))

    return default


def default_attachment_placement(w: IncrementalPdfFileWriter) -> Placement:
    """Top right of page 1."""
    width, height = _page_size(w, 0)
    return Placement(0, (width - 250, height - 60, width - 40, height - 25))


def sign_leader(
    pdf: bytes,
    signer: Signer,
    appearance: LeaderAppearance,
    *,
    placement: Placement | None = None,
    policy: SigningPolicy | None = None,
    field_name: str = LEADER_FIELD,
    reason: str | None = None,
    location: str | None = None,
) -> bytes:
    """Add the competent person's visible signature (an approval signature, never a
    certification, so the clerk can still number and seal). Returns the new PDF."""
    return _sign(pdf, signer, field_name, policy=policy, placement=placement,
                 style_for=appearance.style, text_params_for=appearance.text_params,
                 reason=reason, location=location, placement_default=default_leader_placement)


def sign_organisation(
    pdf: bytes,
    signer: Signer,
    appearance: SealAppearance,
    *,
    placement: Placement | None = None,
    policy: SigningPolicy | None = None,
    field_name: str = ORG_FIELD,
    leader_field: str = LEADER_FIELD,
    seal_size: float = 105.0,
    reason: str | None = None,
    location: str | None = None,
) -> bytes:
    """Add the organisation signature with the seal overlapping the left third of the
    leader's signature image (placed from the leader's field unless ``placement`` is given)."""
    return _sign(pdf, signer, field_name, policy=policy, placement=placement,
                 style_for=appearance.style, text_params_for=appearance.text_params,
                 reason=reason, location=location,
                 placement_default=seal_placement(leader_field, seal_size))


def sign_attachment(
    pdf: bytes,
    signer: Signer,
    appearance: AttachmentAppearance,
    *,
    placement: Placement | None = None,
    policy: SigningPolicy | None = None,
    field_name: str = ATTACHMENT_FIELD,
    reason: str | None = None,
) -> bytes:
    """Organisation signature on an attachment: no image, number/notation and signing time
    in a box at the top right of page 1 (the box is the signature's appearance)."""
    return _sign(pdf, signer, field_name, policy=policy, placement=placement,
                 style_for=appearance.style, text_params_for=appearance.text_params,
                 reason=reason, location=None, placement_default=default_attachment_placement)


# -- numbering after the leader has signed ---------------------------------------------------

def _text_field(w: IncrementalPdfFileWriter, name: str, page_ref: Any, box: Box) -> Any:
    fld = generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Annot"),
        pdf_name("/Subtype"): pdf_name("/Widget"),
        pdf_name("/FT"): pdf_name("/Tx"),
        pdf_name("/T"): generic.TextStringObject(name),
        pdf_name("/F"): generic.NumberObject(4),
        pdf_name("/Rect"): generic.ArrayObject(generic.FloatObject(v) for v in box),
        pdf_name("/P"): page_ref,
        pdf_name("/DA"): generic.TextStringObject("/Helv 0 Tf 0 g"),
        pdf_name("/V"): generic.TextStringObject(""),
    })
    return w.add_object(fld)


def prepare_draft(
    pdf: bytes,
    numbering: NumberingLayout | None = None,
    *,
    org_field: Placement | None = None,
) -> bytes:
    """Add the empty number/notation and date fields (and optionally the empty organisation
    signature field) to a draft, before the leader signs."""
    numbering = numbering or NumberingLayout()
    w = open_for_update(pdf)
    if w.prev.embedded_signatures:
        raise SigningError("The draft is already signed; numbering fields must be added "
                           "before the first signature.")
    ix = _page_index(w, numbering.page)
    page_ref, _ = w.find_page_for_modification(ix)
    page = page_ref.get_object()
    root = w.root
    form = _acroform(w)
    if form is None:
        form = generic.DictionaryObject({pdf_name("/Fields"): generic.ArrayObject()})
        root[pdf_name("/AcroForm")] = w.add_object(form)
        w.update_root()
    else:
        w.update_container(form)
    form = root["/AcroForm"]
    form.setdefault(pdf_name("/DA"), generic.TextStringObject("/Helv 0 Tf 0 g"))
    dr = form.setdefault(pdf_name("/DR"), generic.DictionaryObject())
    fonts = dr.setdefault(pdf_name("/Font"), generic.DictionaryObject())
    fonts.setdefault(pdf_name("/Helv"), generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Font"), pdf_name("/Subtype"): pdf_name("/Type1"),
        pdf_name("/BaseFont"): pdf_name("/Helvetica"),
        pdf_name("/Encoding"): pdf_name("/WinAnsiEncoding"),
    }))
    annots = page.get("/Annots")
    if annots is None:
        annots = generic.ArrayObject()
        page[pdf_name("/Annots")] = annots
    w.update_container(page)
    for name, box in ((NOTATION_FIELD, numbering.notation_box),
                      (DATE_FIELD, numbering.date_box)):
        if _field_exists(w, name):
            continue
        ref = _text_field(w, name, page_ref, box)
        form["/Fields"].append(ref)
        annots.append(ref)
    if isinstance(page.raw_get("/Annots"), generic.IndirectObject):
        w.update_container(page["/Annots"])
    if isinstance(form.raw_get("/Fields"), generic.IndirectObject):
        w.update_container(form["/Fields"])
    if org_field is not None and not _field_exists(w, ORG_FIELD):
        fields.append_signature_field(w, fields.SigFieldSpec(
            ORG_FIELD, on_page=_page_index(w, org_field.page),
            box=tuple(round(v) for v in org_field.box),  # type: ignore[arg-type]
        ))
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


_VN_MONTHS_PADDED = {1, 2}


def format_issue_date(issued: date, place: str | None = None) -> str:
    """Decree 30 date line: 'Hà Nội, ngày 05 tháng 3 năm 2026' (day < 10 and months 1-2
    get a leading zero)."""
    month = f"{issued.month:02d}" if issued.month in _VN_MONTHS_PADDED else str(issued.month)
    text = f"ngày {issued.day:02d} tháng {month} năm {issued.year}"
    return f"{place}, {text}" if place else text


def _set_text_field(w: IncrementalPdfFileWriter, name: str, value: str, shown: str,
                    font_size: int) -> None:
    form = _acroform(w)
    refs: Sequence[Any] = form.get("/Fields", []) if form is not None else []
    for i in range(len(refs)):
        ref = form["/Fields"].raw_get(i)
        fld = ref.get_object()
        if fld.get("/T") != name:
            continue
        rect = [float(v) for v in fld["/Rect"]]
        width, height = rect[2] - rect[0], rect[3] - rect[1]
        style = replace(
            _text_style(font_size),
            box_layout_rule=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MID,
                y_align=layout.AxisAlignment.ALIGN_MID,
                inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
            ),
        )
        tb = TextBox(
            style, writer=w,
            box=layout.BoxConstraints(width=width, height=height),
        )
        tb.content = nfc(shown)
        ap = tb.as_form_xobject()
        fld[pdf_name("/V")] = generic.TextStringObject(value)
        fld[pdf_name("/AP")] = generic.DictionaryObject({NameObject("/N"): w.add_object(ap)})
        w.update_container(fld)
        return
    raise SigningError(f"The document has no '{name}' field: call prepare_draft() on the draft "
                       "before the leader signs.")


def fill_number(
    pdf: bytes,
    notation: str,
    issued: date,
    *,
    place: str | None = None,
    font_size: int = 12,
) -> bytes:
    """Fill in the number/notation and issue date in an incremental update (form filling, so
    the leader's signature stays valid)."""
    w = open_for_update(pdf)
    _set_text_field(w, NOTATION_FIELD, notation, f"Số: {notation}", font_size)
    _set_text_field(w, DATE_FIELD, issued.isoformat(), format_issue_date(issued, place),
                    font_size)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()

