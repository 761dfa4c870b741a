"""`vanthu ca …`, `vanthu trust …` and `vanthu verify`: organisation CAs, trust roots, checks."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask
from sqlalchemy.orm import Session

import signing
from app import config as config_module
from app.cli_support import in_app
from app.services import ca
from signing.ca import REVOCATION_REASONS

_in_app = in_app(signing.SigningError, config_module.ConfigError)


def _secret(path: Path | None, prompt: str, *, confirm: bool = False) -> str:
    """A passphrase or PIN from a file (first line) or asked without echo; never stored."""
    if path is not None:
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise click.ClickException(f"{path} cannot be read: {exc.strerror or exc}") from exc
        value = text.splitlines()[0] if text else ""
        if not value:
            raise click.ClickException(f"{path} is empty.")
        return value
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=confirm))


def _home(app: Flask) -> str:
    return str(app.config["HOME"])


_secret_file = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group("ca")
def ca_group() -> None:
    """The organisations' own certificate authorities (for agencies without an external CA)."""


@ca_group.command("init")
@click.option("--org", "org_code", required=True, help="Organisation code or abbreviation.")
@click.option("--passphrase-file", type=_secret_file,
              help="File whose first line is the CA passphrase (asked twice otherwise).")
@_in_app
def ca_init(app: Flask, db: Session, org_code: str, passphrase_file: Path | None) -> None:
    """Create the organisation's root CA under VANTHU_HOME/ca/<code>."""
    org = ca.find_organisation(db, org_code)
    if ca.has_ca(_home(app), org.code):
        raise click.ClickException(f"{org.abbreviation} already has a CA.")
    passphrase = _secret(passphrase_file, "CA passphrase", confirm=True)
    base = ca.crl_base_url(app.config)
    summary = ca.init_ca(db, _home(app), org, passphrase, base)
    click.echo(f"Created the CA of {org.abbreviation} in {summary.directory}")
    click.echo(f"  root:     {summary.subject}")
    click.echo(f"  SHA-256:  {summary.fingerprint_sha256}")
    click.echo(f"  valid to: {summary.not_after:%Y-%m-%d}")
    click.echo(f"  CRL:      {summary.crl_url}")
    if not app.config.get("CRL_BASE_URL"):
        click.echo("Set VANTHU_CRL_BASE_URL to the app's public address so validators elsewhere "
                   "can fetch the CRL (it applies to certificates issued afterwards).")
    click.echo("Keep the passphrase safe: it is not stored and is needed to issue and revoke.")


@ca_group.command("issue")
@click.argument("username")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="PKCS#12 file to write (not with --token).")
@click.option("--validity-days", type=click.IntRange(1, 3650), default=730, show_default=True)
@click.option("--passphrase-file", type=_secret_file,
              help="File whose first line is the CA passphrase (asked otherwise).")
@click.option("--p12-passphrase-file", type=_secret_file,
              help="File whose first line protects the PKCS#12 (asked twice otherwise).")
@click.option("--token", "module", help="PKCS#11 module: generate the key on a token instead.")
@click.option("--token-label", help="Label of the token (with --token).")
@click.option("--pin-file", type=_secret_file, help="File whose first line is the token PIN.")
@click.option("--key-label", help="Label of the new key and certificate (with --token).")
@_in_app
def ca_issue(app: Flask, db: Session, username: str, out: Path | None, validity_days: int,
             passphrase_file: Path | None, p12_passphrase_file: Path | None, module: str | None,
             token_label: str | None, pin_file: Path | None, key_label: str | None) -> None:
    """Issue a signing certificate for USERNAME (name, position, department from the directory)."""
    if module is None and out is None:
        raise click.UsageError("Give --out FILE.p12, or --token MODULE with its options.")
    if module is not None and (out is not None or not token_label or not key_label):
        raise click.UsageError("--token needs --token-label and --key-label, and no --out.")
    user = ca.find_user(db, username)
    if not ca.has_ca(_home(app), user.organisation.code):
        raise click.ClickException(
            f"{user.organisation.abbreviation} has no CA yet: run "
            f"`vanthu ca init --org {user.organisation.code}` first."
        )
    ca_passphrase = _secret(passphrase_file, "CA passphrase")
    base = ca.crl_base_url(app.config)
    if module is not None:
        assert token_label is not None and key_label is not None  # noqa: S101 - checked above
        pin = _secret(pin_file, f"PIN of token {token_label}")
        issued = ca.issue_on_token(db, _home(app), user, ca_passphrase, base, module=module,
                                   token_label=token_label, pin=pin, key_label=key_label,
                                   validity_days=validity_days)
        where = f"token {token_label}, key {key_label}"
    else:
        assert out is not None  # noqa: S101 - checked above
        if out.exists():
            raise click.ClickException(f"{out} already exists; choose another file name.")
        p12_passphrase = _secret(p12_passphrase_file, "Passphrase for the PKCS#12 file",
                                 confirm=True)
        issued = ca.issue_pkcs12(db, _home(app), user, ca_passphrase, p12_passphrase, out, base,
                                 validity_days)
        where = str(out)
    click.echo(f"Issued certificate {issued.serial} to {user.username} ({where})")
    click.echo(f"  subject:  {issued.subject}")
    click.echo(f"  valid to: {issued.not_after:%Y-%m-%d}")


@ca_group.command("revoke")
@click.argument("serial")
@click.option("--org", "org_code", required=True, help="Organisation code or abbreviation.")
@click.option("--reason", type=click.Choice(sorted(REVOCATION_REASONS)), default="unspecified",
              show_default=True)
@click.option("--passphrase-file", type=_secret_file,
              help="File whose first line is the CA passphrase (asked otherwise).")
@_in_app
def ca_revoke(app: Flask, db: Session, serial: str, org_code: str, reason: str,
              passphrase_file: Path | None) -> None:
    """Revoke certificate SERIAL (hex, as `vanthu ca list` shows it) and publish the CRL."""
    org = ca.find_organisation(db, org_code)
    number = ca.parse_serial(serial)
    passphrase = _secret(passphrase_file, "CA passphrase")
    row = ca.revoke(db, _home(app), org, passphrase, format(number, "x"), reason)
    click.echo(f"Revoked {format(row.serial, 'x')} ({row.username}, {reason}); the new CRL is "
               f"served at {ca.crl_path(org.code)}")


@ca_group.command("list")
@click.option("--org", "org_code", required=True, help="Organisation code or abbreviation.")
@_in_app
def ca_list(app: Flask, db: Session, org_code: str) -> None:
    """Certificates the organisation's CA has issued, with their state."""
    org = ca.find_organisation(db, org_code)
    for c in ca.issued_certificates(_home(app), org):
        state = (f"revoked {c.revoked_at:%Y-%m-%d} ({c.reason})" if c.revoked_at
                 else f"valid to {c.not_after:%Y-%m-%d}")
        click.echo(f"{c.serial:x}  {c.username:<14} {state:<34} {c.subject}")


@ca_group.command("crl")
@click.option("--org", "org_code", required=True, help="Organisation code or abbreviation.")
@click.option("--passphrase-file", type=_secret_file,
              help="File whose first line is the CA passphrase (asked otherwise).")
@_in_app
def ca_crl(app: Flask, db: Session, org_code: str, passphrase_file: Path | None) -> None:
    """Re-sign the published CRL before it lapses (it is valid for 30 days)."""
    org = ca.find_organisation(db, org_code)
    ca.refresh_crl(_home(app), org, _secret(passphrase_file, "CA passphrase"))
    click.echo(f"Published a fresh CRL at {ca.crl_path(org.code)}")


@click.group("trust")
def trust_group() -> None:
    """Trust roots of this installation (VANTHU_HOME/trust) used to verify signatures."""


def _echo_cert(info: ca.CertificateInfo, indent: str = "  ") -> None:
    click.echo(f"{indent}subject:   {info.subject}")
    click.echo(f"{indent}issuer:    {info.issuer}")
    click.echo(f"{indent}serial:    {info.serial}")
    click.echo(f"{indent}valid:     {info.not_before:%Y-%m-%d %H:%M} to "
               f"{info.not_after:%Y-%m-%d %H:%M} UTC")
    click.echo(f"{indent}key usage: {', '.join(info.key_usage) or '-'}")
    click.echo(f"{indent}SHA-256:   {info.fingerprint_sha256}")


@trust_group.command("add")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_in_app
def trust_add(app: Flask, db: Session, file: Path) -> None:
    """Trust the root certificate(s) in FILE (PEM or DER)."""
    target, infos = ca.add_trust_root(db, _home(app), file)
    click.echo(f"Trusted {len(infos)} certificate(s) from {target}:")
    for info in infos:
        _echo_cert(info)


@trust_group.command("list")
@_in_app
def trust_list(app: Flask, db: Session) -> None:
    """Every trust root: configured files and the organisations' own CAs."""
    roots = ca.list_trust_roots(_home(app))
    if not roots:
        click.echo("No trust roots: add one with `vanthu trust add FILE` or `vanthu ca init`.")
    for info in roots:
        click.echo(f"{info.source:<28} {info.not_after:%Y-%m-%d}  {info.fingerprint_sha256[:16]}  "
                   f"{info.subject}")


@trust_group.command("import-p12")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--passphrase-file", type=_secret_file,
              help="File whose first line is the PKCS#12 passphrase (asked otherwise).")
@click.option("--add-root", is_flag=True, help="Also trust the root certificates it carries.")
@_in_app
def trust_import_p12(app: Flask, db: Session, file: Path, passphrase_file: Path | None,
                     add_root: bool) -> None:
    """Check an externally issued PKCS#12 (e.g. from the Government CA) before it is used."""
    data = file.read_bytes()
    passphrase = _secret(passphrase_file, "PKCS#12 passphrase")
    result = ca.check_pkcs12(data, passphrase)
    click.echo(f"{file}:")
    _echo_cert(result.certificate)
    for info in result.chain:
        click.echo("  issued by:")
        _echo_cert(info, "    ")
    if add_root:
        for path in ca.add_pkcs12_roots(db, _home(app), data, passphrase, str(file)):
            click.echo(f"Trusted root stored in {path}")
    if result.problem:
        raise click.ClickException(result.problem)
    click.echo("Usable for document signatures.")


@click.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--crl", "crl_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Extra DER CRL to use offline; repeatable.")
@click.option("--fetch", is_flag=True, help="Allow fetching CRLs/OCSP over the network.")
@_in_app
def verify_command(app: Flask, db: Session, file: Path, as_json: bool,
                   crl_files: tuple[Path, ...], fetch: bool) -> None:
    """Validate the signatures of FILE against this installation's trust roots and CRLs.

    Exit code 0 when valid, 1 when invalid, indeterminate or unsigned, 2 on unreadable input.
    """
    from app.adapters import get_trust_roots

    try:
        crls = [p.read_bytes() for p in crl_files] + ca.published_crls(_home(app))
        report = ca.verify_pdf(file.read_bytes(), get_trust_roots(), crls, allow_fetching=fetch)
    except (signing.SigningError, OSError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(signing.format_text(report))
    sys.exit(0 if report.verdict == "valid" else 1)
