"""Printable documents of the clerical work: registers (XLSX, PDF) and slips (PDF).

The writers know nothing of the database or Flask: services build the value objects of
`model` and hand them over.
"""

from __future__ import annotations

from .model import Column, Cover, Register, Slip, SlipSection
from .pdf import register_pdf, slip_pdf
from .xlsx import register_xlsx

__all__ = [
    "Column",
    "Cover",
    "Register",
    "Slip",
    "SlipSection",
    "register_pdf",
    "register_xlsx",
    "slip_pdf",
]
