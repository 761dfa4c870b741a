"""Fixtures for the signing tests: a throwaway PKI, a SoftHSM2 token, local TSAs, test PDFs."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from fpdf import FPDF
from PIL import Image, ImageDraw
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from signing.appearance import FONT_PATH

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PASS = "mat-khau-123"
TOKEN_LABEL = "vanthu-test"
USER_PIN = "123456"
SO_PIN = "12345678"
KEY_LABEL = "leader"

# -- PKI ------------------------------------------------------------------------------------

_KEYS = [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(3)]


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@dataclass
class Pki:
    root_key: rsa.RSAPrivateKey
    root: x509.Certificate

    @property
    def root_asn1(self) -> asn1_x509.Certificate:
        return _asn1(self.root)

    def leaf(self, common_name: str, *, key: rsa.RSAPrivateKey | None = None,
             public_key=None, org: str = "UBND tỉnh Thử Nghiệm", not_before=None,
             not_after=None, key_usage: str = "sign", tsa: bool = False,
             crl_url: str = "http://127.0.0.1:9/test.crl") -> x509.Certificate:
        now = datetime.now(UTC)
        public_key = public_key or (key or _KEYS[1]).public_key()
        ku = {
            "sign": x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            "encrypt": x509.KeyUsage(False, False, True, False, False, False, False, False,
                                     False),
        }[key_usage]
        b = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([
                x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            ]))
            .issuer_name(self.root.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or now - timedelta(days=1))
            .not_valid_after(not_after or now + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.root_key.public_key()),
                critical=False,
            )
            .add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                [x509.UniformResourceIdentifier(crl_url)], None, None, None)]), critical=False)
        )
        if tsa:
            b = b.add_extension(
                x509.KeyUsage(True, False, False, False, False, False, False, False, False),
                critical=True,
            ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                            critical=True)
        else:
            b = b.add_extension(ku, critical=True)
        return b.sign(self.root_key, hashes.SHA256())

    def p12(self, cert: x509.Certificate, key: rsa.RSAPrivateKey | None = None,
            passphrase: str = PASS) -> bytes:
        return pkcs12.serialize_key_and_certificates(
            b"k", key or _KEYS[1], cert, [self.root],
            serialization.BestAvailableEncryption(passphrase.encode()),
        )

    def crl(self, revoked_serials: list[int]) -> bytes:
        now = datetime.now(UTC) - timedelta(minutes=1)
        b = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.root.subject)
            .last_update(now)
            .next_update(now + timedelta(days=7))
            .add_extension(x509.CRLNumber(1), critical=False)
        )
        for serial in revoked_serials:
            b = b.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial)
                .revocation_date(now - timedelta(minutes=1))
                .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
                .build()
            )
        return b.sign(self.root_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


@pytest.fixture(scope="session")
def pki() -> Pki:
    key = _KEYS[0]
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "Test Root CA")])
    now = datetime.now(UTC)
    root = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(1)
        .not_valid_before(now - timedelta(days=2)).not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                     False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    return Pki(key, root)


@pytest.fixture(scope="session")
def leader_cert(pki):
    return pki.leaf("Nguyễn Văn An")


@pytest.fixture(scope="session")
def leader_p12(pki, leader_cert) -> bytes:
    return pki.p12(leader_cert)


@pytest.fixture(scope="session")
def org_key():
    return _KEYS[2]


@pytest.fixture(scope="session")
def org_p12(pki, org_key) -> bytes:
    return pki.p12(pki.leaf("UBND tỉnh Thử Nghiệm", key=org_key), key=org_key)


@pytest.fixture(scope="session")
def leader_signer(leader_p12):
    from signing import Pkcs12KeyStore

    return Pkcs12KeyStore(leader_p12).signer(PASS)


@pytest.fixture(scope="session")
def org_signer(org_p12):
    from signing import Pkcs12KeyStore

    return Pkcs12KeyStore(org_p12).signer(PASS)


@pytest.fixture(scope="session")
def trust_roots(pki):
    return [pki.root_asn1]


# -- time-stamping ------------------------------------------------------------------------

@pytest.fixture(scope="session")
def timestamper(pki) -> DummyTimeStamper:
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa_cert = pki.leaf("VanThu Test TSA", key=tsa_key, tsa=True)
    key_info = asn1_keys.PrivateKeyInfo.load(tsa_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return DummyTimeStamper(_asn1(tsa_cert), key_info, certs_to_embed=[pki.root_asn1])


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


@pytest.fixture(scope="session")
def tsa_url(timestamper):
    """An RFC 3161 TSA served over HTTP on loopback, backed by the in-process TSA."""

    def app(environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        req = tsp.TimeStampReq.load(environ["wsgi.input"].read(length))
        resp = asyncio.run(timestamper.async_request_tsa_response(req))
        body = resp.dump()
        start_response("200 OK", [("Content-Type", "application/timestamp-reply"),
                                  ("Content-Length", str(len(body)))])
        return [body]

    server = make_server("127.0.0.1", 0, app, server_class=WSGIServer,
                         handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/tsa"
    server.shutdown()


# -- SoftHSM2 -------------------------------------------------------------------------------

def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=True, capture_output=True)


def _spki_from_token(tmp: Path) -> bytes:
    out = tmp / "pub.der"
    _run("pkcs11-tool", "--module", SOFTHSM_MODULE, "--read-object", "--type", "pubkey",
         "--label", KEY_LABEL, "-o", str(out))
    data = out.read_bytes()
    try:
        serialization.load_der_public_key(data)
        return data
    except ValueError:  # older OpenSC writes a bare PKCS#1 RSAPublicKey
        return asn1_keys.PublicKeyInfo({
            "algorithm": {"algorithm": "rsa"},
            "public_key": asn1_keys.RSAPublicKey.load(data),
        }).dump()


@dataclass
class Token:
    module: str
    label: str
    pin: str
    key_label: str
    cert: x509.Certificate


@pytest.fixture(scope="session")
def softhsm(pki) -> Token:
    """A fresh SoftHSM2 token with an RSA key generated on it and its certificate."""
    if not (shutil.which("softhsm2-util") and os.path.exists(SOFTHSM_MODULE)):
        pytest.fail("softhsm2 and opensc must be installed (apt-get install softhsm2 opensc)")
    tmp = Path(tempfile.mkdtemp(prefix="vanthu-softhsm-"))
    (tmp / "tokens").mkdir()
    conf = tmp / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tmp / 'tokens'}\nobjectstore.backend = file\n"
                    "log.level = ERROR\n")
    old = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    _run("softhsm2-util", "--init-token", "--free", "--label", TOKEN_LABEL,
         "--pin", USER_PIN, "--so-pin", SO_PIN)
    _run("pkcs11-tool", "--module", SOFTHSM_MODULE, "--token-label", TOKEN_LABEL, "--login",
         "--pin", USER_PIN, "--keypairgen", "--key-type", "rsa:2048", "--id", "01",
         "--label", KEY_LABEL, "--usage-sign")
    spki = _spki_from_token(tmp)
    cert = pki.leaf("Nguyễn Văn An", public_key=serialization.load_der_public_key(spki))
    der = tmp / "cert.der"
    der.write_bytes(cert.public_bytes(serialization.Encoding.DER))
    _run("pkcs11-tool", "--module", SOFTHSM_MODULE, "--token-label", TOKEN_LABEL, "--login",
         "--pin", USER_PIN, "--write-object", str(der), "--type", "cert", "--id", "01",
         "--label", KEY_LABEL)
    yield Token(SOFTHSM_MODULE, TOKEN_LABEL, USER_PIN, KEY_LABEL, cert)
    if old is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = old
    shutil.rmtree(tmp, ignore_errors=True)


# -- images and PDFs ------------------------------------------------------------------------

def make_png(kind: str) -> bytes:
    if kind == "seal":
        im = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
        d = ImageDraw.Draw(im)
        d.ellipse((8, 8, 292, 292), outline=(220, 0, 0, 255), width=14)
        d.ellipse((60, 60, 240, 240), outline=(220, 0, 0, 255), width=6)
    else:
        im = Image.new("RGBA", (360, 160), (0, 0, 0, 0))
        d = ImageDraw.Draw(im)
        d.line((10, 130, 80, 20, 150, 140, 250, 30, 350, 90), fill=(0, 0, 190, 255), width=7)
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="session")
def signature_png() -> bytes:
    return make_png("signature")


@pytest.fixture(scope="session")
def seal_png() -> bytes:
    return make_png("seal")


def make_pdf(pages: int = 1, filler_bytes: int = 0) -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_font("vn", "", str(FONT_PATH))
    pdf.set_font("vn", size=13)
    for i in range(pages):
        pdf.add_page()
        pdf.set_xy(110, 15)
        pdf.cell(text="CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
        pdf.set_xy(30, 80)
        pdf.multi_cell(150, 8, text=f"Trang {i + 1}. Quyết định về việc thử nghiệm chữ ký số.")
    if filler_bytes:
        # Incompressible bytes in an embedded file make a large but valid PDF.
        pdf.embed_file(basename="phu-luc.bin", bytes=os.urandom(filler_bytes), compress=False)
    return bytes(pdf.output())


@pytest.fixture
def plain_pdf() -> bytes:
    return make_pdf()
