"""Decree 30 (Appendix I) signature appearances: leader, organisation seal and attachment box."""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image
from pyhanko.pdf_utils import images, layout
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStampStyle

from .errors import InvalidImage

__all__ = [
    "AttachmentAppearance",
    "Box",
    "FONT_PATH",
    "LeaderAppearance",
    "Placement",
    "SealAppearance",
    "VN_TZ",
    "format_vn_time",
    "load_png",
    "seal_box_for",
]

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
FONT_PATH = Path(__file__).with_name("fonts") / "VanThuSerif.ttf"

#: Images larger than this are refused (bytes and pixels per side).
MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_IMAGE_SIDE = 3000

Box = tuple[float, float, float, float]
"""A rectangle (x1, y1, x2, y2) in PDF points, origin at the bottom left of the page."""


def nfc(text: str) -> str:
    """Precomposed form: the embedded font has precomposed Vietnamese glyphs only."""
    return unicodedata.normalize("NFC", text)


def format_vn_time(moment: datetime) -> str:
    """ISO 8601 in Vietnam time to the second, e.g. ``2026-03-05T10:15:20+07:00``."""
    return moment.astimezone(VN_TZ).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Placement:
    """Where a visible signature goes."""

    page: int
    """Page index, 0-based; negative values count from the end (-1 = last page)."""
    box: Box
    """Rectangle (x1, y1, x2, y2) in PDF points."""


def load_png(data: bytes, what: str = "image", require_alpha: bool = True) -> Image.Image:
    """Check that ``data`` is a real PNG within the size limits and return it decoded."""
    if len(data) > MAX_IMAGE_BYTES:
        raise InvalidImage(f"The {what} is {len(data) // 1024} KB; the limit is "
                           f"{MAX_IMAGE_BYTES // 1024} KB.")
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise InvalidImage(f"The {what} is not a PNG file.")
    try:
        Image.open(io.BytesIO(data)).verify()
        img: Image.Image = Image.open(io.BytesIO(data))
        img.load()
    except Exception as e:  # Pillow raises many types for broken files
        raise InvalidImage(f"The {what} is a damaged PNG file: {e}") from e
    if img.width > MAX_IMAGE_SIDE or img.height > MAX_IMAGE_SIDE:
        raise InvalidImage(f"The {what} is {img.width}x{img.height} pixels; the limit is "
                           f"{MAX_IMAGE_SIDE} per side.")
    has_alpha = img.mode in ("RGBA", "LA") or "transparency" in img.info
    if require_alpha and not has_alpha:
        raise InvalidImage(f"The {what} must have a transparent background (PNG with alpha).")
    if img.mode != "RGBA":
        img = img.convert("RGBA")
    return img


@lru_cache(maxsize=16)
def _decoded_png(data: bytes, what: str) -> Image.Image:
    # The same signature and seal images are used again and again; a fresh PdfImage is still
    # built per signature so concurrent signings never share pyHanko objects.
    return load_png(data, what)


@lru_cache(maxsize=8)
def _font(size: int) -> GlyphAccumulatorFactory:
    return GlyphAccumulatorFactory(str(FONT_PATH), font_size=size)


def _text_style(size: int) -> TextBoxStyle:
    # The font factory and the text box must agree on the size, or lines are mis-measured.
    return TextBoxStyle(font=_font(size), font_size=size, leading=round(size * 1.25))


@dataclass(frozen=True)
class LeaderAppearance:
    """Leader's visible signature: position, handwritten-signature image, name, time."""

    full_name: str
    """Full name, e.g. 'Nguyễn Văn An'."""
    position: str
    """Position line, with the authority prefix if any, e.g. 'KT. GIÁM ĐỐC'."""
    signature_png: bytes
    """Handwritten-signature image: PNG with a transparent background."""
    font_size: int = 10
    """Font size in points."""

    def style(self, box: Box) -> TextStampStyle:
        """Stamp style for a box; the image fills the middle between the text lines."""
        img = _decoded_png(self.signature_png, "signature image")
        height = box[3] - box[1]
        leading = round(self.font_size * 1.25)
        blanks = max(1, int((height - 8 - 3 * leading) // leading))
        stamp_text = "%(position)s\n" + "\n" * blanks + "%(name)s\n%(time)s"
        return TextStampStyle(
            stamp_text=stamp_text,
            text_box_style=_text_style(self.font_size),
            border_width=0,
            background=images.PdfImage(img),
            background_opacity=1.0,
            background_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MID,
                y_align=layout.AxisAlignment.ALIGN_MID,
                margins=layout.Margins(top=leading + 6, bottom=2 * leading + 6),
                inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
            ),
            inner_content_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MID,
                y_align=layout.AxisAlignment.ALIGN_MID,
                inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
            ),
        )

    def text_params(self, moment: datetime) -> dict[str, str]:
        return {"position": nfc(self.position), "name": nfc(self.full_name),
                "time": format_vn_time(moment)}


@dataclass(frozen=True)
class SealAppearance:
    """Organisation signature: the red seal image (real size) with the signing time below."""

    seal_png: bytes
    """Seal image: PNG with a transparent background."""
    font_size: int = 7
    """Font size of the time line in points."""

    def style(self, box: Box) -> TextStampStyle:
        """The time line sits below the seal, under the leader's text lines."""
        img = _decoded_png(self.seal_png, "seal image")
        leading = round(self.font_size * 1.25)
        return TextStampStyle(
            stamp_text="%(time)s",
            text_box_style=_text_style(self.font_size),
            border_width=0,
            background=images.PdfImage(img),
            background_opacity=1.0,
            background_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MID,
                y_align=layout.AxisAlignment.ALIGN_MAX,
                margins=layout.Margins(bottom=leading + 2),
                inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
            ),
            inner_content_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MID,
                y_align=layout.AxisAlignment.ALIGN_MIN,
                inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
            ),
        )

    def text_params(self, moment: datetime) -> dict[str, str]:
        return {"time": format_vn_time(moment)}


@dataclass(frozen=True)
class AttachmentAppearance:
    """Organisation signature on an attachment: a text box with the number/notation and time."""

    notation: str
    """Number and notation of the main document, e.g. '12/QĐ-UBND'."""
    font_size: int = 10
    """Font size in points (Decree 30: Times New Roman 10 pt)."""

    def style(self, box: Box) -> TextStampStyle:
        return TextStampStyle(
            stamp_text="%(notation)s\n%(time)s",
            text_box_style=_text_style(self.font_size),
            border_width=0,
            inner_content_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MAX,
                y_align=layout.AxisAlignment.ALIGN_MAX,
                inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
            ),
        )

    def text_params(self, moment: datetime) -> dict[str, str]:
        return {"notation": nfc(self.notation), "time": format_vn_time(moment)}


def seal_box_for(leader_box: Box, seal_size: float = 105.0,
                 image_width_ratio: float = 0.6, caption_height: float = 11.0) -> Box:
    """Box for the seal so that it covers about the left third of the leader's signature image.

    ``image_width_ratio`` is the share of the leader box's width taken by the signature image
    (centred); 105 pt is a 37 mm seal at real size; ``caption_height`` is the time line below
    the seal, which ends just below the leader's box so it stays readable.
    """
    x1, y1, x2, y2 = leader_box
    img_w = (x2 - x1) * image_width_ratio
    img_left = x1 + ((x2 - x1) - img_w) / 2
    right = img_left + img_w / 3
    bottom = y1 - caption_height + 2
    return (right - seal_size, bottom, right, bottom + caption_height + seal_size)
