"""`vanthu worker` and `vanthu search reindex|check`: the job runner and the search index."""

from __future__ import annotations

import logging

import click
from flask import Flask

from app.cli_support import make_app


def ensure_index(app: Flask) -> str:
    """Check the index at start; queue a background rebuild when it is missing or corrupt."""
    import search
    from app.adapters import get_search_index
    from app.jobs import enqueue

    with app.app_context():
        index = get_search_index()
        try:
            count = index.check()
        except search.IndexMissing:
            index.open_or_create()
            enqueue("rebuild_index")
            return "search index was missing: created, rebuilding in the background"
        except search.IndexCorrupt as exc:
            enqueue("rebuild_index")
            return f"search index is damaged ({exc}): rebuilding in the background"
        return f"search index holds {count} documents"


@click.command("worker")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=int,
    help="Worker threads (the index has one writer: keep 1 on the indexing node).",
)
def worker_command(workers: int) -> None:
    """Run background jobs (indexing, emails, reminders) until stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    app = make_app()
    click.echo(ensure_index(app))
    consumer = app.extensions["vanthu.huey"].create_consumer(
        workers=workers, worker_type="thread", periodic=True
    )
    consumer.run()


@click.group("search")
def search_group() -> None:
    """The full-text search index."""


@search_group.command("reindex")
def reindex_command() -> None:
    """Rebuild the index from the database (searches keep working meanwhile)."""
    from app.adapters import get_search_index, get_store
    from app.db import get_session
    from app.services import search_index

    app = make_app()
    with app.app_context():
        session = get_session()
        total = len(search_index.database_ids(session))
        with click.progressbar(length=total, label="Indexing") as bar:
            done = [0]

            def progress(n: int) -> None:
                bar.update(n - done[0])
                done[0] = n

            n = search_index.rebuild(session, get_search_index(), get_store(), progress)
            bar.update(total - done[0])
        click.echo(f"Indexed {n} documents.")
