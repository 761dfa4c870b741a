"""Small PDFs made in code for tests."""

from __future__ import annotations

from fpdf import FPDF

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def make_pdf(text: str = "Công văn về việc thử nghiệm", pages: int = 1) -> bytes:
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=FONT)
    pdf.set_font("DejaVu", size=12)
    for i in range(pages):
        pdf.add_page()
        pdf.multi_cell(0, 8, f"{text} — trang {i + 1}")
    return bytes(pdf.output())
