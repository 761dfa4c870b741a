"""Benchmark of the signing package: median of 20 runs per step, 1-page and 5 MB PDFs.

Run ``python bench/signing.py``. Needs softhsm2 + opensc for the PKCS#11 rows (skipped with a
note otherwise). Nothing reaches the network: the TSA is in-process or a child process on
loopback, and keeps its RSA key loaded as a TSA service does (bench/local_tsa.py); one row shows
pyHanko's stock DummyTimeStamper, which reloads and re-checks its key for every token.
"""

from __future__ import annotations

import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from fpdf import FPDF  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.sign import fields, signers  # noqa: E402
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper  # noqa: E402

from bench.local_tsa import LocalTsa, make_stamper  # noqa: E402
from signing import (  # noqa: E402
    LeaderAppearance,
    Level,
    OrgCA,
    Pkcs11KeyStore,
    Pkcs12KeyStore,
    SealAppearance,
    SigningPolicy,
    sign_leader,
    sign_organisation,
    validate_pdf,
)
from signing.appearance import FONT_PATH  # noqa: E402

RUNS = 20
MODULE = "/usr/lib/softhsm/libsofthsm2.so"


def median_ms(fn: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    """Median wall-clock and median CPU time of this process, in ms.

    The CPU column shows what the code costs when the shared 2-core machine is busy with
    other work (wall time then includes waiting for a core)."""
    fn()  # warm-up (font parsing, imports, TSA connection)
    wall, cpu = [], []
    for _ in range(runs):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def make_pdf(pages: int, filler: int = 0) -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_font("vn", "", str(FONT_PATH))
    pdf.set_font("vn", size=13)
    for i in range(pages):
        pdf.add_page()
        pdf.set_xy(30, 60)
        pdf.multi_cell(150, 8, text=f"Trang {i + 1}. Quyết định về việc thử nghiệm chữ ký số. "
                       * 8)
    if filler:
        pdf.embed_file(basename="phu-luc.bin", bytes=os.urandom(filler), compress=False)
    return bytes(pdf.output())


def png(kind: str) -> bytes:
    im = Image.new("RGBA", (300, 300) if kind == "seal" else (360, 160), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    if kind == "seal":
        d.ellipse((8, 8, 292, 292), outline=(220, 0, 0, 255), width=14)
    else:
        d.line((10, 130, 80, 20, 150, 140, 250, 30, 350, 90), fill=(0, 0, 190, 255), width=7)
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def tsa(ca: OrgCA, ca_pass: str) -> DummyTimeStamper:
    """A TSA certified by the bench CA, keeping its key loaded (see bench/local_tsa.py)."""
    ca_key = serialization.load_pem_private_key(
        (ca.directory / "ca-key.pem").read_bytes(), ca_pass.encode())
    assert isinstance(ca_key, rsa.RSAPrivateKey)
    issuer = x509.load_der_x509_certificate(ca.root_asn1().dump())
    return make_stamper(issuer, ca_key, [ca.root_asn1()])


def softhsm_token(tmp: Path, ca: OrgCA) -> Pkcs11KeyStore | None:
    if not (shutil.which("softhsm2-util") and os.path.exists(MODULE)):
        return None
    (tmp / "tokens").mkdir()
    conf = tmp / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tmp / 'tokens'}\nobjectstore.backend = file\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "bench", "--pin",
                    "123456", "--so-pin", "12345678"], check=True, capture_output=True)
    ca.issue_to_token(MODULE, "bench", "123456", "leader", "Nguyễn Văn An", "an")
    return Pkcs11KeyStore(MODULE, "bench", "leader")


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="vanthu-bench-"))
    try:
        ca = OrgCA.init(tmp / "ca", "UBND tỉnh Thử Nghiệm", "G01", "ca-pass", key_size=2048)
        p12 = ca.issue("Nguyễn Văn An", "an", "pw")
        org_p12 = ca.issue("UBND tỉnh Thử Nghiệm", "vanthu", "pw")
        (tmp / "leader.p12").write_bytes(p12)
        roots = [ca.root_asn1()]
        ts = tsa(ca, "ca-pass")
        local_tsa = LocalTsa(ts, "process")
        url = local_tsa.url
        b_b = SigningPolicy()
        b_t = SigningPolicy(level=Level.B_T, timestamper=ts)
        b_t_http = SigningPolicy(level=Level.B_T, tsa_url=url)
        leader_look = LeaderAppearance("Nguyễn Văn An", "KT. GIÁM ĐỐC", png("sig"))
        seal_look = SealAppearance(png("seal"))
        docs = {"1 page": make_pdf(1), "5 MB": make_pdf(84, 5 * 1024 * 1024)}
        print("PDF sizes: " + ", ".join(f"{k} = {len(v) / 1e6:.2f} MB" for k, v in docs.items()))

        p12_signer = Pkcs12KeyStore(p12).signer("pw")
        org_signer = Pkcs12KeyStore(org_p12).signer("pw")
        token = softhsm_token(tmp, ca)
        p11_signer = token.signer("123456") if token else None

        def row(label: str, make: Callable[[str], Callable[[], object]]) -> dict[str, float]:
            res = {name: median_ms(make(name)) for name in docs}
            print(f"{label:<56}" + "".join(f"{w:13.1f} {c:7.1f}" for w, c in res.values()),
                  flush=True)
            return {name: w for name, (w, _c) in res.items()}

        print(f"\nmedian of {RUNS} runs, ms; load average at start {os.getloadavg()[0]:.1f}")
        print(f"{'':<56}" + "".join(f"{name + ' wall':>13} {'cpu':>7}" for name in docs))
        row("PKCS#12 unlock (parse, cached for later signatures)",
            lambda n: lambda: Pkcs12KeyStore(p12).signer("pw"))
        ours = row("PKCS#12 leader visible B-B",
                   lambda n: lambda: sign_leader(docs[n], p12_signer, leader_look, policy=b_b))
        row("PKCS#12 leader visible B-T (in-process TSA)",
            lambda n: lambda: sign_leader(docs[n], p12_signer, leader_look, policy=b_t))
        stock = SigningPolicy(level=Level.B_T, timestamper=DummyTimeStamper(
            ts.tsa_cert, ts.tsa_key, certs_to_embed=[ca.root_asn1()]))
        row("  same, stock DummyTimeStamper (reloads its key per token)",
            lambda n: lambda: sign_leader(docs[n], p12_signer, leader_look, policy=stock))
        row("PKCS#12 leader visible B-T (TSA process on loopback)",
            lambda n: lambda: sign_leader(docs[n], p12_signer, leader_look, policy=b_t_http))
        leader_signed = {n: sign_leader(d, p12_signer, leader_look, policy=b_t)
                         for n, d in docs.items()}
        row("PKCS#12 organisation seal B-B (2nd signature)",
            lambda n: lambda: sign_organisation(leader_signed[n], org_signer, seal_look,
                                                policy=b_b))
        if p11_signer is not None:
            row("PKCS#11 SoftHSM2 leader visible B-B",
                lambda n: lambda: sign_leader(docs[n], p11_signer, leader_look, policy=b_b))
            row("PKCS#11 SoftHSM2 leader visible B-T (in-process TSA)",
                lambda n: lambda: sign_leader(docs[n], p11_signer, leader_look, policy=b_t))
            row("PKCS#11 SoftHSM2 organisation seal B-B (2nd signature)",
                lambda n: lambda: sign_organisation(leader_signed[n], p11_signer, seal_look,
                                                    policy=b_b))
        else:
            print("PKCS#11 rows skipped: softhsm2/opensc not installed")
        row("validate 1 signature (B-T)", lambda n: lambda: validate_pdf(leader_signed[n], roots))

        def baseline(name: str) -> Callable[[], object]:
            box = (325, 80, 545, 200)

            def run() -> object:
                signer = signers.SimpleSigner.load_pkcs12(str(tmp / "leader.p12"),
                                                          passphrase=b"pw")
                w = IncrementalPdfFileWriter(io.BytesIO(docs[name]))
                meta = signers.PdfSignatureMetadata(
                    field_name="Sig", subfilter=fields.SigSeedSubFilter.PADES,
                    md_algorithm="sha256")
                return signers.PdfSigner(
                    meta, signer, stamp_style=leader_look.style(box),
                    new_field_spec=fields.SigFieldSpec("Sig", on_page=-1, box=box),
                ).sign_pdf(w, appearance_text_params=leader_look.text_params(datetime.now(UTC)))
            return run

        base = row("baseline: SimpleSigner.load_pkcs12 + visible B-B", baseline)
        print(f"{'ratio baseline / ours (visible B-B, wall)':<56}" + "".join(
            f"{base[name] / ours[name]:12.2f}x{'':8}" for name in docs))
        print(f"load average at end {os.getloadavg()[0]:.1f} (2 cores)")
        if token:
            token.close()
        local_tsa.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
