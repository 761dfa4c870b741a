"""Validation reports: verdicts, tampering, revocation, trust, document timestamps, CLI."""

import io
import json

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.validation import validate_pdf_signature  # noqa: F401 (import check)

from signing import (
    LeaderAppearance,
    MalformedPdf,
    Pkcs12KeyStore,
    format_text,
    sign_leader,
    validate_pdf,
)
from signing.report import main

from .conftest import PASS, make_pdf


@pytest.fixture(scope="module")
def signed_pdf(leader_signer, signature_png):
    look = LeaderAppearance("Nguyễn Văn An", "GIÁM ĐỐC", signature_png)
    return sign_leader(make_pdf(), leader_signer, look)


def test_unsigned_pdf(trust_roots):
    report = validate_pdf(make_pdf(), trust_roots)
    assert report.verdict == "unsigned"
    assert report.signatures == ()


def test_valid_report_has_signer_identity(signed_pdf, trust_roots, leader_cert):
    report = validate_pdf(io.BytesIO(signed_pdf), trust_roots)
    sig = report.signatures[0]
    assert report.verdict == "valid"
    assert sig.signer_name == "Nguyễn Văn An"
    assert sig.organisation == "UBND tỉnh Thử Nghiệm"
    assert sig.serial == format(leader_cert.serial_number, "x")
    assert len(sig.fingerprint_sha256) == 64
    assert sig.trusted and sig.intact and sig.cryptographically_valid
    assert sig.coverage == "ENTIRE_FILE" and sig.modification_level == "NONE"
    assert sig.signing_time.endswith("+07:00")
    assert len(sig.chain) == 2
    json.dumps(report.to_dict(), ensure_ascii=False)


def test_flipped_byte_is_reported_as_altered(signed_pdf, trust_roots):
    data = bytearray(signed_pdf)
    pos = data.index(b"stream", data.index(b"/Contents")) + 20  # inside the first content
    data[pos] ^= 0x01
    report = validate_pdf(bytes(data), trust_roots)
    assert report.verdict == "invalid"
    sig = report.signatures[0]
    assert sig.intact is False
    assert "altered" in sig.reason


def test_content_drawn_after_signing_is_reported(signed_pdf, trust_roots):
    w = IncrementalPdfFileWriter(io.BytesIO(signed_pdf))
    from pyhanko.pdf_utils import generic
    stream = generic.StreamObject(stream_data=b"q 1 0 0 rg 100 100 200 200 re f Q")
    w.add_stream_to_page(0, w.add_object(stream))
    out = io.BytesIO()
    w.write(out)
    report = validate_pdf(out.getvalue(), trust_roots)
    assert report.verdict == "invalid"
    sig = report.signatures[0]
    assert sig.intact is True
    assert sig.modification_level == "OTHER"
    assert "modified after signing" in sig.reason


def test_revoked_signer_is_reported(pki, signature_png, trust_roots):
    cert = pki.leaf("Trần Thị Bình")
    signer = Pkcs12KeyStore(pki.p12(cert)).signer(PASS)
    signed = sign_leader(make_pdf(), signer,
                         LeaderAppearance("Trần Thị Bình", "PHÓ GIÁM ĐỐC", signature_png))
    report = validate_pdf(signed, trust_roots, crls=[pki.crl([cert.serial_number])])
    sig = report.signatures[0]
    assert report.verdict == "invalid"
    assert sig.revocation == "revoked"
    assert "revoked" in sig.reason
    ok = validate_pdf(signed, trust_roots, crls=[pki.crl([])]).signatures[0]
    assert ok.revocation == "good" and ok.verdict == "valid"


def test_untrusted_root_is_indeterminate(signed_pdf):
    report = validate_pdf(signed_pdf, [])
    assert report.verdict == "indeterminate"
    assert "trust root" in report.reason
    assert report.signatures[0].trusted is False


def test_document_timestamp_gets_its_own_entry(signed_pdf, timestamper, trust_roots):
    w = IncrementalPdfFileWriter(io.BytesIO(signed_pdf))
    out = signers.PdfTimeStamper(timestamper).timestamp_pdf(w, "sha256")
    report = validate_pdf(out.getvalue(), trust_roots)
    assert [s.kind for s in report.signatures] == ["signature", "document_timestamp"]
    ts = report.signatures[1]
    assert ts.verdict == "valid", ts.reason
    assert ts.timestamp_trusted is True
    assert report.signatures[0].verdict == "valid"


@pytest.mark.parametrize("data", [b"", b"hello", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"])
def test_malformed_pdf_raises_clear_error(data):
    with pytest.raises(MalformedPdf, match="not a readable PDF"):
        validate_pdf(data)


def test_text_report_and_cli(signed_pdf, pki, tmp_path, capsys):
    from cryptography.hazmat.primitives import serialization

    text = format_text(validate_pdf(signed_pdf, []))
    assert "Nguyễn Văn An" in text and "indeterminate" in text
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(signed_pdf)
    root = tmp_path / "root.pem"
    root.write_bytes(pki.root.public_bytes(serialization.Encoding.PEM))
    assert main([str(pdf), "--trust", str(root), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "valid"
    assert main([str(pdf)]) == 1
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"junk")
    assert main([str(bad)]) == 2
    assert "not a readable PDF" in capsys.readouterr().err
