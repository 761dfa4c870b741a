"""The `vanthu` command: set up, demo data, run, check, and manage the directory."""

from __future__ import annotations

import secrets
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from app import config as config_module
from app import migrations
from app.cli_jobs import remind_command
from app.cli_search import ensure_index, search_group, worker_command
from app.cli_signing import ca_group, trust_group, verify_command
from app.cli_storage import storage_group
from app.cli_support import make_app, with_session
from app.domain.enums import Role
from app.domain.errors import DomainError
from app.domain.models import Department, Organisation, User


@click.group()
@click.version_option(package_name="vanthu")
def main() -> None:
    """VanThu: official documents of Vietnamese state agencies (Decree 30/2020)."""


def ensure_secret_key(home: Path) -> bool:
    """Write a random SECRET_KEY into HOME/config.py unless one is configured; True if written."""
    settings = config_module.load()
    if settings["SECRET_KEY"]:
        return False
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.py"
    with path.open("a", encoding="utf-8") as fh:
        fh.write(
            f"\n# Written by `vanthu init`; keep it secret and stable.\n"
            f"SECRET_KEY = {secrets.token_hex(32)!r}\n"
        )
    path.chmod(0o600)
    return True


@main.command()
@click.option("--admin-username", help="Create this first administrator if none exists.")
@click.option("--admin-password", help="Password of the first administrator.")
@click.option("--admin-name", default="Quản trị hệ thống", show_default=True)
@click.option("--org-name", help="Name of the first organisation (with a new administrator).")
@click.option("--org-code", help="Identifier code of the first organisation.")
@click.option("--org-abbreviation", help="Abbreviation of the first organisation, e.g. UBND.")
def init(
    admin_username: str | None,
    admin_password: str | None,
    admin_name: str,
    org_name: str | None,
    org_code: str | None,
    org_abbreviation: str | None,
) -> None:
    """Create or upgrade the database; create the first administrator."""
    home = Path(config_module.load()["HOME"])
    if ensure_secret_key(home):
        click.echo(f"Wrote a new secret key to {home / 'config.py'}")
    app = make_app()
    with app.app_context():
        from app.db import get_session
        from app.services import directory

        engine = app.extensions["vanthu.engine"]
        migrations.upgrade(engine)
        click.echo(f"Database at revision {migrations.current(engine)} ({engine.url!r})")
        from app.adapters import get_search_index

        get_search_index().open_or_create()
        db = get_session()
        if db.scalar(select(User).limit(1)) is not None:
            return
        if admin_username is None:
            if not sys.stdin.isatty():
                click.echo(
                    "No users yet: run `vanthu demo`, or `vanthu init --admin-username "
                    "... --admin-password ... --org-name ... --org-code ... "
                    "--org-abbreviation ...`."
                )
                return
            admin_username = click.prompt("First administrator's username", default="admin")
        if admin_password is None:
            admin_password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        org_name = org_name or click.prompt("Organisation name")
        org_code = org_code or click.prompt("Organisation identifier code (e.g. 000.00.01.H10)")
        org_abbreviation = org_abbreviation or click.prompt("Organisation abbreviation")
        try:
            org = directory.save_organisation(
                db, None, name=org_name, code=org_code, abbreviation=org_abbreviation
            )
            directory.save_user(
                db,
                None,
                username=admin_username,
                full_name=admin_name,
                organisation_id=org.id,
                department_id=None,
                roles={Role.ADMIN},
                password=admin_password,
            )
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        click.echo(f"Created administrator {admin_username} of {org_name}.")


@main.command()
@click.option("--no-documents", is_flag=True, help="Only organisations, people and holidays.")
@with_session
def demo(db: Any, no_documents: bool) -> None:
    """Load the demo organisations, people, holidays and sample documents (safe to run
    again: what exists is kept)."""
    from app.adapters import get_search_index, get_store
    from app.services import search_index
    from app.services.demo import DEMO_PASSWORD, load_demo
    from app.services.demo_documents import load_demo_documents

    migrations.upgrade(db.get_bind())
    accounts = load_demo(db)
    if not no_documents:
        added = load_demo_documents(db, get_store())
        if added:
            # Searchable at once, without waiting for the background worker.
            search_index.rebuild(db, get_search_index(), get_store())
            click.echo(f"Added {added} sample documents, each at a different step.")
    click.echo(f"Demo data ready. Logins (password for all: {DEMO_PASSWORD}):")
    for username, roles in accounts:
        click.echo(f"  {username:<14} {roles}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def run(host: str, port: int) -> None:
    """Serve VanThu with the built-in server (use gunicorn in production)."""
    app = make_app()
    consumer = None
    if not app.config["REDIS_URL"]:
        # Embedded default: one in-process worker; with Redis, run `vanthu worker` instead.
        from app.jobs import start_embedded_consumer

        consumer = start_embedded_consumer(app)
    click.echo(ensure_index(app))
    click.echo(f"VanThu is running at http://{host}:{port}/  (Ctrl+C to stop)")
    try:
        app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)


@main.command()
@with_session
def check(db: Any) -> None:
    """Verify the installation's invariants (audit chain, ...); non-zero exit on a problem."""
    from app.services.checks import run_checks

    problems = 0
    for result in run_checks(db):
        click.echo(("OK    " if result.ok else "FAIL  ") + f"{result.name}: {result.message}")
        problems += not result.ok
    if problems:
        sys.exit(1)


# Directory management -----------------------------------------------------------------------


@main.group()
def org() -> None:
    """Organisations and departments."""


@org.command("list")
@with_session
def org_list(db: Any) -> None:
    for o in db.scalars(select(Organisation).order_by(Organisation.id)):
        click.echo(f"{o.id:>4}  {o.code:<16} {o.abbreviation:<8} {o.name}")
        for d in o.departments:
            click.echo(f"        · {d.abbreviation:<8} {d.name}")


@org.command("add")
@click.option("--name", required=True)
@click.option("--code", required=True)
@click.option("--abbreviation", required=True)
@click.option("--parent", "parent_code", help="Identifier code of the parent organisation.")
@with_session
def org_add(db: Any, name: str, code: str, abbreviation: str, parent_code: str | None) -> None:
    from app.services import directory

    parent_id = _org_by_code(db, parent_code).id if parent_code else None
    o = directory.save_organisation(
        db, None, name=name, code=code, abbreviation=abbreviation, parent_id=parent_id
    )
    click.echo(f"Created organisation {o.id} {o.abbreviation}")


@org.command("add-department")
@click.argument("org_code")
@click.option("--name", required=True)
@click.option("--abbreviation", required=True)
@with_session
def org_add_department(db: Any, org_code: str, name: str, abbreviation: str) -> None:
    from app.services import directory

    d = directory.save_department(
        db,
        None,
        organisation_id=_org_by_code(db, org_code).id,
        name=name,
        abbreviation=abbreviation,
    )
    click.echo(f"Created department {d.id} {d.abbreviation}")


def _org_by_code(db: Any, code: str) -> Organisation:
    o = db.scalar(
        select(Organisation).where(
            (Organisation.code == code) | (Organisation.abbreviation == code)
        )
    )
    if o is None:
        raise click.ClickException(f"No organisation with code or abbreviation {code}.")
    return o  # type: ignore[no-any-return]


@main.group()
def user() -> None:
    """User accounts."""


@user.command("list")
@with_session
def user_list(db: Any) -> None:
    for u in db.scalars(select(User).order_by(User.username)):
        roles = ",".join(sorted(r.value for r in u.roles))
        state = "" if u.active else "  (inactive)"
        click.echo(
            f"{u.username:<16} {u.organisation.abbreviation:<8} {roles:<24} {u.full_name}{state}"
        )


@user.command("add")
@click.argument("username")
@click.option("--full-name", required=True)
@click.option("--org", "org_code", required=True, help="Organisation code or abbreviation.")
@click.option("--department", help="Department abbreviation.")
@click.option(
    "--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role])
)
@click.option("--position", default="")
@click.option("--email", default="")
@click.password_option()
@with_session
def user_add(
    db: Any,
    username: str,
    full_name: str,
    org_code: str,
    department: str | None,
    roles: tuple[str, ...],
    position: str,
    email: str,
    password: str,
) -> None:
    from app.services import directory

    o = _org_by_code(db, org_code)
    dept_id = None
    if department:
        d = db.scalar(
            select(Department).where(
                Department.organisation_id == o.id, Department.abbreviation == department
            )
        )
        if d is None:
            raise click.ClickException(f"{o.abbreviation} has no department {department}.")
        dept_id = d.id
    u = directory.save_user(
        db,
        None,
        username=username,
        full_name=full_name,
        organisation_id=o.id,
        department_id=dept_id,
        roles={Role(r) for r in roles},
        position=position,
        email=email,
        password=password,
    )
    click.echo(f"Created user {u.username}")


def _user(db: Any, username: str) -> User:
    u = db.scalar(select(User).where(User.username == username.lower()))
    if u is None:
        raise click.ClickException(f"No user {username}.")
    return u  # type: ignore[no-any-return]


def _resave(db: Any, u: User, **changes: Any) -> None:
    from app.services import directory

    fields: dict[str, Any] = dict(
        username=u.username,
        full_name=u.full_name,
        position=u.position,
        email=u.email,
        organisation_id=u.organisation_id,
        department_id=u.department_id,
        roles=set(u.roles),
        active=u.active,
    )
    fields.update(changes)
    directory.save_user(db, None, user=u, **fields)


@user.command("set-password")
@click.argument("username")
@click.password_option()
@with_session
def user_set_password(db: Any, username: str, password: str) -> None:
    _resave(db, _user(db, username), password=password)
    click.echo(f"Password of {username} changed.")


@user.command("deactivate")
@click.argument("username")
@with_session
def user_deactivate(db: Any, username: str) -> None:
    _resave(db, _user(db, username), active=False)
    click.echo(f"{username} can no longer log in.")


@user.command("activate")
@click.argument("username")
@with_session
def user_activate(db: Any, username: str) -> None:
    _resave(db, _user(db, username), active=True)
    click.echo(f"{username} can log in again.")


@main.group()
def holiday() -> None:
    """The public-holiday calendar used for working-day deadlines."""


@holiday.command("list")
@with_session
def holiday_list(db: Any) -> None:
    from app.services import directory

    for h in directory.holidays(db):
        click.echo(f"{h.day.isoformat()}  {h.name}")


@holiday.command("add")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("name")
@with_session
def holiday_add(db: Any, day: Any, name: str) -> None:
    from app.services import directory

    directory.add_holiday(db, None, day.date(), name)
    click.echo(f"{day.date().isoformat()} is now a holiday.")


@holiday.command("remove")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@with_session
def holiday_remove(db: Any, day: Any) -> None:
    from app.services import directory

    directory.remove_holiday(db, None, date.fromisoformat(day.date().isoformat()))
    click.echo(f"{day.date().isoformat()} is no longer a holiday.")


@main.group()
def db() -> None:
    """Database schema migrations."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    app = make_app()
    migrations.upgrade(app.extensions["vanthu.engine"], revision)
    click.echo(f"At revision {migrations.current(app.extensions['vanthu.engine'])}")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    app = make_app()
    migrations.downgrade(app.extensions["vanthu.engine"], revision)
    click.echo(f"At revision {migrations.current(app.extensions['vanthu.engine'])}")


main.add_command(storage_group)
main.add_command(ca_group)
main.add_command(trust_group)
main.add_command(verify_command)
main.add_command(remind_command)
main.add_command(worker_command)
main.add_command(search_group)
