"""`vanthu ca|trust|verify` and the published CRL: the organisation CA wired into the app."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from PIL import Image, ImageDraw
from sqlalchemy import select

import signing
from app.cli import main
from app.config import ConfigError
from app.domain.models import AuditEvent
from app.services import ca as ca_service

from .pdfs import make_pdf

SKHCN = "000.00.18.H10"
CA_PASS = "ca-mat-khau-rat-dai"
P12_PASS = "p12-mat-khau"
SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"


def _env(app) -> dict[str, str]:
    return {
        "VANTHU_HOME": app.config["HOME"],
        "VANTHU_DATABASE_URL": app.config["DATABASE_URL"],
        "VANTHU_ENV": "testing",
    }


def _run(app, *args: str, input: str | None = None):  # noqa: A002 - click's name
    return CliRunner().invoke(main, list(args), env=_env(app), input=input)


def _secret_file(tmp_path: Path, name: str, value: str) -> str:
    path = tmp_path / name
    path.write_text(value + "\n", encoding="utf-8")
    return str(path)


def _init_ca(app, tmp_path: Path) -> str:
    ca_pass = _secret_file(tmp_path, "ca-pass", CA_PASS)
    result = _run(app, "ca", "init", "--org", "SKHCN", "--passphrase-file", ca_pass)
    assert result.exit_code == 0, result.output
    return ca_pass


def _issue_p12(app, tmp_path: Path, ca_pass: str, username: str = "giamdoc") -> Path:
    out = tmp_path / f"{username}.p12"
    p12_pass = _secret_file(tmp_path, "p12-pass", P12_PASS)
    result = _run(app, "ca", "issue", username, "--out", str(out), "--passphrase-file", ca_pass,
                  "--p12-passphrase-file", p12_pass)
    assert result.exit_code == 0, result.output
    return out


def _signature_png() -> bytes:
    im = Image.new("RGBA", (360, 160), (0, 0, 0, 0))
    ImageDraw.Draw(im).line((10, 130, 80, 20, 150, 140, 250, 30, 350, 90),
                           fill=(0, 0, 190, 255), width=7)
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def _verify(app, pdf: Path, *extra: str) -> tuple[int, dict]:
    result = _run(app, "verify", str(pdf), "--json", *extra)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def _actions(db) -> list[str]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_issue_sign_verify_revoke_through_the_published_crl(app, db, demo, client,
                                                            tmp_path) -> None:
    ca_pass = _init_ca(app, tmp_path)
    ca_folder = Path(app.config["HOME"]) / "ca" / SKHCN
    assert (ca_folder / "ca-cert.pem").is_file()
    assert not [p for p in ca_folder.parent.iterdir() if p.name.startswith(".")]

    p12_file = _issue_p12(app, tmp_path, ca_pass)
    assert p12_file.stat().st_mode & 0o077 == 0
    _key, cert, chain = pkcs12.load_key_and_certificates(p12_file.read_bytes(),
                                                         P12_PASS.encode())
    assert cert is not None
    subject = cert.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Nguyễn Văn An"
    assert subject.get_attributes_for_oid(NameOID.TITLE)[0].value == "Giám đốc"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == "Văn phòng"
    assert (subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
            == "Sở Khoa học và Công nghệ tỉnh Cao Bằng")
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and ku.content_commitment
    assert not ku.key_cert_sign
    cdp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert cdp[0].full_name[0].value.endswith(f"/ca/{SKHCN}.crl")
    assert [c.subject for c in chain] == [cert.issuer]

    signer = signing.Pkcs12KeyStore(p12_file.read_bytes()).signer(P12_PASS)
    signed = signing.sign_leader(
        make_pdf(), signer, signing.LeaderAppearance("Nguyễn Văn An", "GIÁM ĐỐC",
                                                     _signature_png()))
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(signed)

    code, report = _verify(app, pdf)
    assert code == 0, report
    assert report["verdict"] == "valid"
    (sig,) = report["signatures"]
    assert sig["trusted"] is True and sig["signer_name"] == "Nguyễn Văn An"
    assert sig["revocation"] == "good"
    text = _run(app, "verify", str(pdf))
    assert text.exit_code == 0 and "Nguyễn Văn An" in text.output

    serial = format(cert.serial_number, "x")
    listing = _run(app, "ca", "list", "--org", SKHCN)
    assert serial in listing.output and "giamdoc" in listing.output
    revoked = _run(app, "ca", "revoke", serial, "--org", "SKHCN", "--reason", "key_compromise",
                   "--passphrase-file", ca_pass)
    assert revoked.exit_code == 0, revoked.output
    assert "revoked" in _run(app, "ca", "list", "--org", "SKHCN").output

    resp = client.get(f"/ca/{SKHCN}.crl")
    assert resp.status_code == 200
    assert resp.mimetype == "application/pkix-crl"
    crl = x509.load_der_x509_crl(resp.data)
    assert crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None
    crl_file = tmp_path / "fetched.crl"
    crl_file.write_bytes(resp.data)
    # Without the installation's own copy, only the CRL fetched from the app says "revoked".
    (ca_folder / "ca.crl").unlink()
    code, report = _verify(app, pdf, "--crl", str(crl_file))
    assert code == 1
    assert report["verdict"] == "invalid"
    assert report["signatures"][0]["revocation"] == "revoked"
    assert "revoked" in report["reason"]

    root = client.get(f"/ca/{SKHCN}.pem")
    assert root.status_code == 200
    assert x509.load_pem_x509_certificate(root.data).subject == cert.issuer

    actions = _actions(db)
    assert actions.count("ca.initialised") == 1
    assert actions.count("ca.issued") == 1
    assert actions.count("ca.revoked") == 1
    check = _run(app, "check")
    assert check.exit_code == 0, check.output


def test_crl_and_root_of_an_unknown_organisation_are_not_found(app, client) -> None:
    assert client.get("/ca/000.99.99.H10.crl").status_code == 404
    assert client.get("/ca/000.99.99.H10.pem").status_code == 404
    assert client.get("/ca/..crl").status_code == 404


def test_wrong_ca_passphrase_on_issue_is_a_clear_error_and_writes_nothing(app, db, demo,
                                                                         tmp_path) -> None:
    _init_ca(app, tmp_path)
    state = (Path(app.config["HOME"]) / "ca" / SKHCN / "ca.json").read_bytes()
    wrong = _secret_file(tmp_path, "wrong", "not-the-passphrase")
    p12_pass = _secret_file(tmp_path, "p12-pass", P12_PASS)
    out = tmp_path / "giamdoc.p12"
    result = _run(app, "ca", "issue", "giamdoc", "--out", str(out), "--passphrase-file", wrong,
                  "--p12-passphrase-file", p12_pass)
    assert result.exit_code != 0
    assert "passphrase is wrong" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    assert (Path(app.config["HOME"]) / "ca" / SKHCN / "ca.json").read_bytes() == state
    assert "ca.issued" not in _actions(db)


def test_passphrases_are_asked_interactively_when_no_file_is_given(app, demo, tmp_path) -> None:
    result = _run(app, "ca", "init", "--org", "UBND", input=f"{CA_PASS}\n{CA_PASS}\n")
    assert result.exit_code == 0, result.output
    out = tmp_path / "chutich.p12"
    result = _run(app, "ca", "issue", "chutich", "--out", str(out),
                  input=f"{CA_PASS}\n{P12_PASS}\n{P12_PASS}\n")
    assert result.exit_code == 0, result.output
    assert signing.Pkcs12KeyStore(out.read_bytes()).certificate(P12_PASS) is not None
    assert CA_PASS not in "".join(
        p.read_text("utf-8", errors="replace")
        for p in (Path(app.config["HOME"]) / "ca").rglob("*") if p.is_file()
    )


def test_unknown_user_organisation_or_missing_ca_are_errors(app, db, demo, tmp_path) -> None:
    ca_pass = _secret_file(tmp_path, "ca-pass", CA_PASS)
    result = _run(app, "ca", "init", "--org", "KHONGCO", "--passphrase-file", ca_pass)
    assert result.exit_code != 0 and "No organisation" in result.output
    assert not (Path(app.config["HOME"]) / "ca").exists() or not any(
        (Path(app.config["HOME"]) / "ca").iterdir())
    out = tmp_path / "x.p12"
    result = _run(app, "ca", "issue", "giamdoc", "--out", str(out), "--passphrase-file", ca_pass)
    assert result.exit_code != 0 and "has no CA yet" in result.output
    _init_ca(app, tmp_path)
    result = _run(app, "ca", "issue", "khongai", "--out", str(out), "--passphrase-file", ca_pass)
    assert result.exit_code != 0 and "No user khongai" in result.output
    assert not out.exists()
    again = _run(app, "ca", "init", "--org", SKHCN, "--passphrase-file", ca_pass)
    assert again.exit_code != 0 and "already has a CA" in again.output
    revoke = _run(app, "ca", "revoke", "abc123", "--org", SKHCN, "--passphrase-file", ca_pass)
    assert revoke.exit_code != 0 and "no certificate with serial abc123" in revoke.output


def test_trust_add_refuses_garbage_and_stores_a_real_root(app, db, demo, tmp_path) -> None:
    garbage = tmp_path / "root.pem"
    garbage.write_bytes(
        b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"
    )
    result = _run(app, "trust", "add", str(garbage))
    assert result.exit_code != 0 and "not a PEM or DER certificate" in result.output
    assert not list((Path(app.config["HOME"]) / "trust").glob("*"))
    assert "trust.added" not in _actions(db)

    _init_ca(app, tmp_path)
    root = tmp_path / "other-root.crt"
    shutil.copy(Path(app.config["HOME"]) / "ca" / SKHCN / "ca-cert.pem", root)
    result = _run(app, "trust", "add", str(root))
    assert result.exit_code == 0, result.output
    assert (Path(app.config["HOME"]) / "trust" / "other-root.crt").is_file()
    listing = _run(app, "trust", "list")
    assert "other-root.crt" in listing.output and f"CA of {SKHCN}" in listing.output
    assert "trust.added" in _actions(db)
    assert _run(app, "check").exit_code == 0


def test_trust_roots_are_cached_until_the_folder_changes(app, demo, tmp_path) -> None:
    from app.adapters import get_trust_roots

    with app.app_context():
        assert get_trust_roots() == []
    _init_ca(app, tmp_path)
    with app.app_context():
        first = get_trust_roots()
        assert len(first) == 1
        assert get_trust_roots()[0] is first[0]
        (Path(app.config["HOME"]) / "trust").mkdir(exist_ok=True)
        (Path(app.config["HOME"]) / "trust" / "broken.pem").write_text("nonsense")
        assert len(get_trust_roots()) == 1  # a broken file is skipped, not fatal


def test_import_p12_shows_the_certificate_and_can_add_its_root(app, db, demo, tmp_path) -> None:
    ca_pass = _init_ca(app, tmp_path)
    p12_file = _issue_p12(app, tmp_path, ca_pass)
    p12_pass = str(tmp_path / "p12-pass")
    result = _run(app, "trust", "import-p12", str(p12_file), "--passphrase-file", p12_pass,
                  "--add-root")
    assert result.exit_code == 0, result.output
    assert "Nguyễn Văn An" in result.output
    assert "digital_signature, non_repudiation" in result.output
    assert "Usable for document signatures" in result.output
    assert list((Path(app.config["HOME"]) / "trust").glob("*.pem"))
    wrong = _secret_file(tmp_path, "wrong", "sai")
    result = _run(app, "trust", "import-p12", str(p12_file), "--passphrase-file", wrong)
    assert result.exit_code != 0 and "passphrase is wrong" in result.output


def test_verify_reports_unreadable_and_unsigned_files(app, tmp_path) -> None:
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"not a pdf at all")
    assert _run(app, "verify", str(junk)).exit_code == 2
    assert _run(app, "verify", str(tmp_path / "missing.pdf")).exit_code == 2
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(make_pdf())
    result = _run(app, "verify", str(plain), "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["verdict"] == "unsigned"


def test_signing_policy_follows_the_configuration() -> None:
    assert ca_service.signing_policy({}).level == signing.Level.B_B
    policy = ca_service.signing_policy({"SIGNATURE_LEVEL": "B-T", "TSA_URL": "http://tsa/"})
    assert policy.level == signing.Level.B_T and policy.tsa_url == "http://tsa/"
    with pytest.raises(ConfigError, match="TSA_URL"):
        ca_service.signing_policy({"SIGNATURE_LEVEL": "B-LT"})
    with pytest.raises(ConfigError, match="SIGNATURE_LEVEL"):
        ca_service.signing_policy({"SIGNATURE_LEVEL": "B-X"})


def test_issue_onto_a_softhsm_token(app, db, demo, tmp_path) -> None:
    if not (shutil.which("softhsm2-util") and os.path.exists(SOFTHSM_MODULE)):
        pytest.fail("softhsm2 and opensc must be installed (apt-get install softhsm2 opensc)")
    ca_pass = _init_ca(app, tmp_path)
    (tmp_path / "tokens").mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tmp_path / 'tokens'}\n"
                    "objectstore.backend = file\nlog.level = ERROR\n")
    env = {**os.environ, **_env(app), "SOFTHSM2_CONF": str(conf)}
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "vanthu-ca-test",
                    "--pin", "123456", "--so-pin", "12345678"], check=True, capture_output=True,
                   env=env)
    pin = _secret_file(tmp_path, "pin", "123456")
    # A separate process: the PKCS#11 library reads SOFTHSM2_CONF once per process.
    cmd = [sys.executable, "-c", "from app.cli import main; main()", "ca", "issue", "giamdoc",
           "--token", SOFTHSM_MODULE, "--token-label", "vanthu-ca-test", "--pin-file", pin,
           "--key-label", "giamdoc", "--passphrase-file", ca_pass]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "Issued certificate" in result.stdout
    der = tmp_path / "cert.der"
    subprocess.run(["pkcs11-tool", "--module", SOFTHSM_MODULE, "--token-label", "vanthu-ca-test",
                    "--read-object", "--type", "cert", "--label", "giamdoc", "-o", str(der)],
                   check=True, capture_output=True, env=env)
    cert = x509.load_der_x509_certificate(der.read_bytes())
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Nguyễn Văn An"
    assert cert.extensions.get_extension_for_class(x509.KeyUsage).value.content_commitment
    objects = subprocess.run(["pkcs11-tool", "--module", SOFTHSM_MODULE, "--token-label",
                              "vanthu-ca-test", "--login", "--pin", "123456", "--list-objects"],
                             check=True, capture_output=True, text=True, env=env).stdout
    assert "Private Key Object" in objects
    bad_pin = _secret_file(tmp_path, "bad-pin", "000000")
    cmd[cmd.index(pin)] = bad_pin
    cmd[cmd.index("giamdoc", cmd.index("--key-label"))] = "giamdoc2"
    result = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert result.returncode != 0 and "rejected the PIN" in result.stderr
    assert _actions(db).count("ca.issued") == 1
    assert _run(app, "check").exit_code == 0
