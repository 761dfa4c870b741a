"""Text extraction from uploaded files (PDF text layer, DOCX, XLSX, plain text)."""

from __future__ import annotations

import html
import io
import logging
import re
import unicodedata
import zipfile
from typing import BinaryIO

from .model import ExtractedText

__all__ = ["extract_text"]

log = logging.getLogger(__name__)

#: Upper bound of extracted characters per file; protects the index from huge annexes.
MAX_CHARS = 2_000_000
#: Upper bound of decompressed XML read from an OOXML part (zip bombs).
MAX_XML_BYTES = 64 * 1024 * 1024

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_W_PARA_END = re.compile(r"</w:p>|<w:br\s*/>|<w:tab\s*/>")
_W_TEXT = re.compile(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>")
_TAG = re.compile(r"<[^>]+>")


def _finish(text: str, has_text_layer: bool = True) -> ExtractedText:
    text = unicodedata.normalize("NFC", text.replace("\x00", ""))[:MAX_CHARS]
    return ExtractedText(text=text, has_text_layer=has_text_layer and bool(text.strip()))


def _failed(reason: str) -> ExtractedText:
    return ExtractedText(text="", has_text_layer=False, error=reason)


def _pdf(data: bytes) -> ExtractedText:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        try:
            reader.decrypt("")
        except Exception:  # noqa: BLE001 - any decryption failure means "cannot read"
            return _failed("encrypted PDF")
    parts: list[str] = []
    size = 0
    for page in reader.pages:
        try:
            chunk = page.extract_text() or ""
        except Exception as exc:  # noqa: BLE001 - one bad page must not lose the others
            log.warning("PDF page text extraction failed: %s", exc)
            continue
        parts.append(chunk)
        size += len(chunk)
        if size >= MAX_CHARS:
            break
    return _finish("\n".join(parts))


def _read_part(zf: zipfile.ZipFile, name: str) -> str:
    with zf.open(name) as fh:
        raw = fh.read(MAX_XML_BYTES + 1)
    if len(raw) > MAX_XML_BYTES:
        raw = raw[:MAX_XML_BYTES]
    return raw.decode("utf-8", errors="replace")


def _docx(data: bytes) -> ExtractedText:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        if "word/document.xml" not in names:
            return _failed("not a DOCX file")
        parts = ["word/document.xml"] + sorted(
            n for n in names if re.fullmatch(r"word/(header|footer|footnotes)\d*\.xml", n)
        )
        out: list[str] = []
        for name in parts:
            xml = _W_PARA_END.sub("\n", _read_part(zf, name))
            # Paragraph breaks were turned into newlines; keep only run texts and newlines.
            for line in xml.split("\n"):
                texts = _W_TEXT.findall(line)
                if texts:
                    out.append(html.unescape("".join(texts)))
    return _finish("\n".join(out))


def _xlsx(data: bytes) -> ExtractedText:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    out: list[str] = []
    size = 0
    try:
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                cells = [str(v) for v in row if v is not None and str(v).strip()]
                if cells:
                    line = " ".join(cells)
                    out.append(line)
                    size += len(line)
                    if size >= MAX_CHARS:
                        break
    finally:
        wb.close()
    return _finish("\n".join(out))


def _plain(data: bytes, charset: str | None) -> ExtractedText:
    for enc in filter(None, (charset, "utf-8-sig", "cp1258")):
        try:
            return _finish(data.decode(enc))
        except (UnicodeDecodeError, LookupError):
            continue
    return _finish(data.decode("latin-1"))


def _sniff(data: bytes, content_type: str) -> str:
    if data.startswith(b"%PDF"):
        return PDF
    if data.startswith(b"PK\x03\x04") and content_type not in (DOCX, XLSX):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile:
            return content_type
        if "word/document.xml" in names:
            return DOCX
        if "xl/workbook.xml" in names:
            return XLSX
    return content_type


def extract_text(stream: BinaryIO | bytes, content_type: str) -> ExtractedText:
    """Extract the text of a PDF, DOCX, XLSX or plain-text file.

    Never raises for bad input: a malformed or unsupported file gives empty text,
    ``has_text_layer=False`` and the reason in ``error``.
    """
    data = stream if isinstance(stream, bytes) else stream.read()
    mime, _, params = (content_type or "").partition(";")
    mime = mime.strip().lower()
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"') or None
    mime = _sniff(data, mime)
    try:
        if mime == PDF:
            return _pdf(data)
        if mime == DOCX:
            return _docx(data)
        if mime == XLSX:
            return _xlsx(data)
        if mime.startswith("text/"):
            text = _plain(data, charset)
            if mime in ("text/html", "text/xml"):
                return _finish(html.unescape(_TAG.sub(" ", text.text)))
            return text
    except Exception as exc:  # noqa: BLE001 - malformed uploads must never crash indexing
        log.info("text extraction failed for %s: %s", mime, exc)
        return _failed(f"malformed {mime} file: {type(exc).__name__}")
    return _failed(f"unsupported content type {mime or 'unknown'}")
