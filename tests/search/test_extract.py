"""Text extraction from PDF, DOCX, XLSX and plain text; bad input never raises."""

import io
import unicodedata
import zipfile
from pathlib import Path

import pytest
from fpdf import FPDF

from search import extract_text, fold
from search.extract import DOCX, XLSX

FONTS = [
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/freefont/FreeSans.ttf"),
]
FONT = next((p for p in FONTS if p.exists()), None)
TEXT = "Quyết định về việc ban hành quy chế công tác văn thư, lưu trữ"


def _pdf(text: str | None) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    if text is None:
        # A "scan": graphics only, no text layer.
        pdf.set_fill_color(200, 200, 200)
        pdf.rect(20, 20, 150, 80, style="F")
    else:
        pdf.add_font("vn", fname=str(FONT))
        pdf.set_font("vn", size=12)
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


@pytest.mark.skipif(FONT is None, reason="no Unicode TTF font installed")
def test_pdf_with_text_layer_gives_vietnamese_text():
    result = extract_text(io.BytesIO(_pdf(TEXT)), "application/pdf")
    assert result.has_text_layer and result.error is None
    assert fold(" ".join(result.text.split()).lower()) == fold(TEXT.lower())
    assert unicodedata.is_normalized("NFC", result.text)
    assert "Quyết định" in result.text


def test_pdf_without_text_layer_is_flagged():
    result = extract_text(_pdf(None), "application/pdf")
    assert result.text.strip() == ""
    assert result.has_text_layer is False and result.error is None


@pytest.mark.parametrize(
    "data",
    [b"", b"%PDF-1.7\n garbage", b"not a pdf at all", b"%PDF-1.4\n" + bytes(range(256)) * 10],
)
def test_malformed_pdf_gives_empty_text_and_a_reason(data):
    result = extract_text(io.BytesIO(data), "application/pdf")
    assert result.text == "" and result.has_text_layer is False
    assert result.error


def _docx(paragraphs: list[str]) -> bytes:
    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{p}</w:t></w:r></w:p>' for p in paragraphs
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", xml)
    return buf.getvalue()


def test_docx_paragraphs_and_entities():
    data = _docx(["Tờ trình số 5/TTr-SNV", "Về việc A &amp; B"])
    result = extract_text(data, DOCX)
    assert result.text.splitlines() == ["Tờ trình số 5/TTr-SNV", "Về việc A & B"]
    assert result.has_text_layer


def test_docx_detected_from_content_when_type_is_generic():
    result = extract_text(_docx(["Công văn"]), "application/octet-stream")
    assert result.text == "Công văn"


def test_xlsx_cells():
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Số", "Trích yếu"])
    ws.append([12, "Báo cáo tổng kết năm"])
    buf = io.BytesIO()
    wb.save(buf)
    result = extract_text(buf.getvalue(), XLSX)
    assert "Báo cáo tổng kết năm" in result.text and "12" in result.text


def test_broken_zip_gives_empty_text():
    result = extract_text(b"PK\x03\x04broken", DOCX)
    assert result.text == "" and result.error


def test_plain_text_is_decoded_and_composed():
    data = unicodedata.normalize("NFD", "Giấy mời họp").encode("utf-8")
    result = extract_text(io.BytesIO(data), "text/plain; charset=utf-8")
    assert result.text == "Giấy mời họp" and result.has_text_layer


def test_plain_text_in_a_legacy_encoding_does_not_crash():
    result = extract_text("Giấy mời".encode("cp1258", errors="replace"), "text/plain")
    assert result.error is None and result.text


def test_unsupported_type_is_reported():
    result = extract_text(b"\x89PNG\r\n", "image/png")
    assert result.text == "" and result.has_text_layer is False
    assert "unsupported" in (result.error or "")
