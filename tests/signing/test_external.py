"""Interrupted signing: the raw signature is produced outside pyHanko and embedded later."""

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from signing import (
    LeaderAppearance,
    Level,
    SigningError,
    SigningPolicy,
    finish_external,
    prepare_external,
    validate_pdf,
)

from .conftest import _KEYS, _asn1, make_pdf


def test_prepare_then_finish_gives_a_valid_visible_signature(
        leader_cert, pki, signature_png, trust_roots, timestamper):
    look = LeaderAppearance("Nguyễn Văn An", "GIÁM ĐỐC", signature_png)
    prepared = prepare_external(make_pdf(), _asn1(leader_cert), look, chain=[pki.root_asn1],
                                policy=SigningPolicy(level=Level.B_T, timestamper=timestamper))
    assert len(prepared.digest) == 32
    # what a remote service / USB token would do with the data to sign
    raw = _KEYS[1].sign(prepared.data_to_sign, padding.PKCS1v15(), hashes.SHA256())
    signed = finish_external(prepared, raw,
                             policy=SigningPolicy(level=Level.B_T, timestamper=timestamper))
    report = validate_pdf(signed, trust_roots)
    assert report.verdict == "valid", report.reason
    assert report.signatures[0].timestamp_trusted is True


def test_wrong_external_signature_is_refused(leader_cert, signature_png):
    prepared = prepare_external(make_pdf(), _asn1(leader_cert),
                                LeaderAppearance("Nguyễn Văn An", "GIÁM ĐỐC", signature_png))
    raw = _KEYS[2].sign(prepared.data_to_sign, padding.PKCS1v15(), hashes.SHA256())
    with pytest.raises(SigningError, match="does not match"):
        finish_external(prepared, raw)
