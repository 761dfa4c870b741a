"""Signing: Decree 30 appearances, numbering after the leader, several signatures, levels."""

import subprocess
from datetime import date

import pytest
from PIL import Image

from signing import (
    AttachmentAppearance,
    InvalidImage,
    LeaderAppearance,
    Level,
    MalformedPdf,
    Pkcs11KeyStore,
    Placement,
    SealAppearance,
    SigningError,
    SigningPolicy,
    TimestampError,
    fill_number,
    load_png,
    prepare_draft,
    seal_box_for,
    sign_attachment,
    sign_leader,
    sign_organisation,
    validate_pdf,
)

from .conftest import make_png


def pdftotext(data: bytes, tmp_path) -> str:
    f = tmp_path / "doc.pdf"
    f.write_bytes(data)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(f), "-"], check=True,
                          capture_output=True).stdout.decode()


def render(data: bytes, tmp_path, page: int = 1) -> Image.Image:
    f = tmp_path / "r.pdf"
    f.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", str(page), "-l", str(page), str(f),
                    str(tmp_path / "r")], check=True)
    return Image.open(next(tmp_path.glob("r-*.png"))).convert("RGB")


def pixels(img: Image.Image):
    data = img.tobytes()
    return zip(data[0::3], data[1::3], data[2::3], strict=True)


@pytest.fixture
def leader_look(signature_png):
    return LeaderAppearance("Nguyễn Văn An", "KT. GIÁM ĐỐC", signature_png)


def test_leader_signature_shows_vietnamese_name_position_and_vietnam_time(
        plain_pdf, leader_signer, leader_look, trust_roots, tmp_path):
    signed = sign_leader(plain_pdf, leader_signer, leader_look)
    text = pdftotext(signed, tmp_path)
    assert "Nguyễn Văn An" in text
    assert "KT. GIÁM ĐỐC" in text
    assert "+07:00" in text
    report = validate_pdf(signed, trust_roots)
    assert report.verdict == "valid", report.reason
    assert report.signatures[0].signer_name == "Nguyễn Văn An"
    # the blue signature image is drawn in the box at the bottom right
    img = render(signed, tmp_path)
    w, h = img.size
    region = img.crop((w // 2, h * 2 // 3, w, h))
    assert any(b > 120 and r < 80 for r, g, b in pixels(region))


def test_leader_and_organisation_seal_both_valid_and_seal_overlaps_left_third(
        plain_pdf, leader_signer, org_signer, leader_look, seal_png, trust_roots, tmp_path):
    signed = sign_leader(plain_pdf, leader_signer, leader_look,
                         placement=Placement(-1, (320, 80, 540, 200)))
    sealed = sign_organisation(signed, org_signer, SealAppearance(seal_png))
    report = validate_pdf(sealed, trust_roots)
    assert report.verdict == "valid", report.reason
    leader, org = report.signatures
    assert leader.modification_level in ("NONE", "FORM_FILLING")
    assert org.signer_name == "UBND tỉnh Thử Nghiệm"
    assert org.coverage == "ENTIRE_FILE"
    assert "Nguyễn Văn An" in pdftotext(sealed, tmp_path)
    img = render(sealed, tmp_path)
    assert any(r > 150 and g < 80 and b < 80 for r, g, b in pixels(img))  # red seal drawn


def test_seal_box_covers_a_third_of_the_leader_image():
    x1, y1, x2, y2 = seal_box_for((300, 100, 500, 220), seal_size=100)
    img_left, img_w = 300 + 40, 120
    assert x2 == pytest.approx(img_left + img_w / 3)
    assert x2 - x1 == 100


def test_organisation_signature_requires_a_leader_signature(plain_pdf, org_signer, seal_png):
    with pytest.raises(SigningError, match="already signed by the competent person"):
        sign_organisation(plain_pdf, org_signer, SealAppearance(seal_png))


def test_attachment_box_top_right_of_first_page_is_the_signature_appearance(
        plain_pdf, org_signer, trust_roots, tmp_path):
    signed = sign_attachment(plain_pdf, org_signer, AttachmentAppearance("12/QĐ-UBND"))
    text = pdftotext(signed, tmp_path)
    assert "12/QĐ-UBND" in text
    assert "+07:00" in text
    report = validate_pdf(signed, trust_roots)
    assert report.verdict == "valid", report.reason
    img = render(signed, tmp_path)
    w, h = img.size
    top_right = img.crop((w // 2, 0, w, h // 10))
    assert any(sum(px) < 200 for px in pixels(top_right))  # dark text up there


def test_numbering_after_leader_signature_is_form_filling(
        plain_pdf, leader_signer, org_signer, leader_look, seal_png, trust_roots, tmp_path):
    draft = prepare_draft(plain_pdf)
    signed = sign_leader(draft, leader_signer, leader_look)
    numbered = fill_number(signed, "12/QĐ-UBND", date(2026, 3, 5), place="Hà Nội")
    report = validate_pdf(numbered, trust_roots)
    assert report.verdict == "valid", report.reason
    assert report.signatures[0].modification_level == "FORM_FILLING"
    assert report.signatures[0].docmdp_ok is True
    sealed = sign_organisation(numbered, org_signer, SealAppearance(seal_png))
    report = validate_pdf(sealed, trust_roots)
    assert report.verdict == "valid", report.reason
    assert [s.modification_level for s in report.signatures] == ["FORM_FILLING", "NONE"]
    text = pdftotext(sealed, tmp_path)
    assert "Số: 12/QĐ-UBND" in text
    assert "Hà Nội, ngày 05 tháng 3 năm 2026" in text


def test_prepare_draft_can_create_the_empty_organisation_field(
        plain_pdf, leader_signer, org_signer, leader_look, seal_png, trust_roots):
    draft = prepare_draft(plain_pdf, org_field=Placement(0, (200, 80, 305, 190)))
    signed = sign_leader(draft, leader_signer, leader_look)
    sealed = sign_organisation(signed, org_signer, SealAppearance(seal_png))
    report = validate_pdf(sealed, trust_roots)
    assert report.verdict == "valid", report.reason
    assert [s.field_name for s in report.signatures] == ["ChuKyLanhDao", "ChuKyCoQuan"]


def test_fill_number_without_prepared_fields_is_refused(plain_pdf):
    with pytest.raises(SigningError, match="prepare_draft"):
        fill_number(plain_pdf, "1/QĐ", date(2026, 1, 2))


def test_b_t_with_in_process_tsa(plain_pdf, leader_signer, leader_look, timestamper,
                                 trust_roots):
    policy = SigningPolicy(level=Level.B_T, timestamper=timestamper)
    signed = sign_leader(plain_pdf, leader_signer, leader_look, policy=policy)
    sig = validate_pdf(signed, trust_roots).signatures[0]
    assert sig.verdict == "valid", sig.reason
    assert sig.timestamp_trusted is True
    assert sig.timestamp_time.endswith("+07:00")
    assert sig.pades_level == "B-T"


def test_b_t_with_http_tsa(plain_pdf, leader_signer, leader_look, tsa_url, trust_roots):
    policy = SigningPolicy(level=Level.B_T, tsa_url=tsa_url)
    signed = sign_leader(plain_pdf, leader_signer, leader_look, policy=policy)
    sig = validate_pdf(signed, trust_roots).signatures[0]
    assert sig.verdict == "valid", sig.reason
    assert sig.timestamp_trusted is True


def test_b_t_with_unreachable_tsa_gives_timestamp_error(plain_pdf, leader_signer, leader_look):
    policy = SigningPolicy(level=Level.B_T, tsa_url="http://127.0.0.1:9/tsa", tsa_timeout=2)
    with pytest.raises(TimestampError):
        sign_leader(plain_pdf, leader_signer, leader_look, policy=policy)


def test_b_t_without_tsa_url_is_refused(plain_pdf, leader_signer, leader_look):
    with pytest.raises(SigningError, match="time-stamping authority URL"):
        sign_leader(plain_pdf, leader_signer, leader_look, policy=SigningPolicy(level=Level.B_T))


def test_b_lt_embeds_validation_data(pki, plain_pdf, leader_signer, leader_look, timestamper,
                                     trust_roots):
    policy = SigningPolicy(level=Level.B_LT, timestamper=timestamper,
                           trust_roots=tuple(trust_roots), crls=(pki.crl([]),),
                           allow_fetching=False)
    signed = sign_leader(plain_pdf, leader_signer, leader_look, policy=policy)
    assert b"/DSS" in signed
    sig = validate_pdf(signed, trust_roots).signatures[0]
    assert sig.verdict == "valid", sig.reason
    assert sig.pades_level == "B-LT"
    assert sig.revocation == "good"


def test_pkcs11_leader_signature(softhsm, plain_pdf, leader_look, trust_roots, tmp_path):
    with Pkcs11KeyStore(softhsm.module, softhsm.label, softhsm.key_label) as store:
        signer = store.signer(softhsm.pin)
        signed = sign_leader(plain_pdf, signer, leader_look)
    report = validate_pdf(signed, trust_roots)
    assert report.verdict == "valid", report.reason
    assert "Nguyễn Văn An" in pdftotext(signed, tmp_path)


def test_signing_a_malformed_pdf(leader_signer, leader_look):
    with pytest.raises(MalformedPdf):
        sign_leader(b"%PDF-1.7\nrubbish", leader_signer, leader_look)


@pytest.mark.parametrize("data, message", [
    (b"GIF89a....", "not a PNG"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "damaged"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * (3 * 1024 * 1024), "limit"),
])
def test_bad_images_are_refused(data, message):
    with pytest.raises(InvalidImage, match=message):
        load_png(data)


def test_image_without_transparency_is_refused(tmp_path):
    import io
    buf = io.BytesIO()
    Image.new("RGB", (50, 20), "white").save(buf, "PNG")
    with pytest.raises(InvalidImage, match="transparent"):
        load_png(buf.getvalue())
    assert load_png(make_png("seal")).mode == "RGBA"
