"""`vanthu storage gc|check|migrate`: keep the object store consistent with the database."""

from __future__ import annotations

import sys
from datetime import timedelta

import click
from flask import Flask
from sqlalchemy.orm import Session

import storage
from app.adapters import get_store, store_config
from app.cli_support import in_app
from app.services import storage_checks
from storage.maintenance import DEFAULT_GRACE

_in_app = in_app(storage.StorageError, label="file store")


@click.group("storage")
def storage_group() -> None:
    """The object store holding the documents' files."""


@storage_group.command("gc")
@click.option(
    "--grace-minutes",
    default=int(DEFAULT_GRACE.total_seconds() // 60),
    show_default=True,
    type=click.IntRange(min=0),
    help="Keep unreferenced objects younger than this (their row may not be committed yet).",
)
@_in_app
def gc_command(app: Flask, db: Session, grace_minutes: int) -> None:
    """Remove objects no file row refers to."""
    referenced = storage_checks.referenced_keys(db)
    removed = storage.gc(get_store(), referenced, grace=timedelta(minutes=grace_minutes))
    for key in removed:
        click.echo(f"removed {key}")
    click.echo(f"{len(removed)} removed, {len(referenced)} referenced objects kept.")


@storage_group.command("check")
@_in_app
def check_command(app: Flask, db: Session) -> None:
    """Verify every object the database refers to exists and matches its hash and size."""
    count, problems = storage_checks.check_store(db, get_store())
    for problem in problems:
        click.echo(f"BAD   {problem.kind.value}: {problem.message}")
    if problems:
        click.echo(f"{len(problems)} of {count} objects are missing or damaged.")
        sys.exit(1)
    click.echo(f"OK    {count} objects present and intact.")


@storage_group.command("migrate")
@click.option("--to", "target", required=True, type=click.Choice(["minio"]))
@_in_app
def migrate_command(app: Flask, db: Session, target: str) -> None:
    """Copy every referenced object from the local store to MinIO, verifying each copy."""
    settings = store_config(app.config)
    try:
        src = storage.create_store({**settings, "backend": "local"})
        dst = storage.create_store({**settings, "backend": target})
    except storage.StoreConfigError as exc:
        raise click.ClickException(f"{exc} (set the VANTHU_MINIO_* settings)") from exc
    dst.ping()
    keys = sorted(storage_checks.referenced_keys(db))
    with click.progressbar(length=len(keys), label=f"Copying to {target}") as bar:
        report = storage.migrate(src, dst, keys, progress=bar.update)
    for problem in report.failed:
        click.echo(f"FAILED {problem.kind.value}: {problem.message}")
    click.echo(
        f"{report.copied} copied ({report.bytes_copied} bytes), "
        f"{report.skipped} already there, {len(report.failed)} failed."
    )
    if not report.ok:
        sys.exit(1)
    click.echo(f"All objects are in {target}. Now set VANTHU_STORAGE_BACKEND={target}.")
