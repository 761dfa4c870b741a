"""Benchmark: incoming registrations over HTTP under gunicorn, and the inbox with 100,000 rows.

    python bench/incoming.py [--n 1000] [--rows 100000] [--db sqlite,postgresql]
        [--pg-url postgresql://postgres@127.0.0.1:5432/test]

For each database it starts gunicorn on a loopback port with a fresh installation (demo
data), registers N documents with distinct 1 MB PDFs through POST /api/v1/incoming from
8 client threads, and prints throughput and p50/p95 latency. It then bulk-loads ROWS
incoming documents and prints p50/p95 of the clerk's and an officer's inbox page
(GET /incoming, logged in through the browser form). Targets: >= 30 registrations/s,
p95 < 300 ms, inbox p95 < 150 ms.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import requests
from fpdf import FPDF
from PIL import Image
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.orm import Session

from app import migrations
from app.db import make_engine, normalise_url
from app.domain.incoming import IncomingDocument
from app.domain.models import Organisation, User
from app.services.demo import DEMO_PASSWORD, load_demo

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def one_mb_pdf() -> bytes:
    noise = Image.frombytes("RGB", (580, 580), os.urandom(580 * 580 * 3))
    buf = io.BytesIO()
    noise.save(buf, format="PNG")
    pdf = FPDF()
    pdf.add_page()
    pdf.image(io.BytesIO(buf.getvalue()), x=10, y=10, w=180)
    return bytes(pdf.output())


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Server:
    def __init__(self, home: Path, url: str):
        self.port = free_port()
        self.env = dict(os.environ, VANTHU_HOME=str(home), VANTHU_DATABASE_URL=url,
                        VANTHU_SECRET_KEY=secrets.token_hex(32), VANTHU_MAX_UPLOAD_MB="20")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "3", "--threads", "4", "-b",
             f"127.0.0.1:{self.port}", "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=self.env)
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(150):
            try:
                requests.get(self.base + "/login", timeout=10)
                return
            except requests.RequestException:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def register_many(base: str, n: int, pdf: bytes) -> tuple[float, list[float]]:
    token = requests.post(base + "/api/v1/auth/token",
                          json={"username": "vanthu", "password": DEMO_PASSWORD}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    local = threading.local()

    def one(i: int) -> float:
        session = getattr(local, "s", None) or requests.Session()
        local.s = session
        body = pdf + b"\n%" + uuid.uuid4().hex.encode() + b"\n"  # distinct content each time
        started = time.perf_counter()
        resp = session.post(base + "/api/v1/incoming", headers=headers, files={
            "file": ("vanban.pdf", body, "application/pdf")}, data={
            "doc_type": "CV", "number_notation": f"{i}/UBND-VP", "issued_date": "2026-03-02",
            "issuing_org": "Ủy ban nhân dân tỉnh Cao Bằng", "subject": f"Văn bản thử {i}",
            "received_via": "email"})
        elapsed = time.perf_counter() - started
        if resp.status_code != 201:
            raise RuntimeError(f"registration {i}: {resp.status_code} {resp.text[:200]}")
        return elapsed

    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        latencies = list(pool.map(one, range(n)))
    return time.perf_counter() - started, latencies


def bulk_load(url: str, rows: int) -> None:
    engine = make_engine(url)
    with Session(engine) as s:
        org = s.scalar(select(Organisation).where(Organisation.abbreviation == "SKHCN"))
        clerk = s.scalar(select(User).where(User.username == "vanthu"))
        start = s.scalar(text("SELECT COALESCE(MAX(arrival_number), 0) FROM incoming_documents "
                              "WHERE year = 2025")) or 0
        rnd = random.Random(7)
        states = ["registered", "submitted", "directed", "in_progress", "completed"]
        batch = []
        for i in range(rows):
            day = date(2025, 1, 1) + timedelta(days=i * 364 // rows)
            batch.append({
                "organisation_id": org.id, "year": 2025, "arrival_number": start + i + 1,
                "arrival_date": day, "registered_by_id": clerk.id, "doc_type": "CV",
                "number_notation": f"{i}/BENCH", "issued_date": day,
                "issuing_org": "Cơ quan thử nghiệm", "subject": f"Văn bản nạp sẵn {i}",
                "signer_name": "", "signer_position": "", "urgency": rnd.choice([0, 0, 0, 1]),
                "confidentiality": rnd.choice([0] * 19 + [1]), "received_via": "paper",
                "state": rnd.choice(states), "direction_text": "", "result_text": "",
                "reply_reference": "", "state_reason": "", "signature_verdict": "unsigned",
                "deadline": day + timedelta(days=15),
            })
            if len(batch) == 5000:
                s.execute(insert(IncomingDocument), batch)
                batch.clear()
        if batch:
            s.execute(insert(IncomingDocument), batch)
        s.commit()
        if engine.dialect.name == "postgresql":
            with engine.connect() as c:
                c.execute(text("ANALYZE"))
        else:
            with engine.connect() as c:
                c.execute(text("ANALYZE"))
    engine.dispose()


def inbox_latencies(base: str, username: str, path: str, n: int = 60) -> list[float]:
    s = requests.Session()
    page = s.get(base + "/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    s.post(base + "/login", data={"csrf_token": token, "username": username,
                                  "password": DEMO_PASSWORD})
    out = []
    for _ in range(n):
        started = time.perf_counter()
        resp = s.get(base + path)
        out.append(time.perf_counter() - started)
        assert resp.status_code == 200, resp.status_code
    return out[5:]  # first requests warm caches


def prepare(url: str) -> None:
    engine = make_engine(url)
    migrations.upgrade(engine)
    with Session(engine) as s:
        load_demo(s)
    engine.dispose()


def run(db: str, n: int, rows: int, pg_url: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        schema = None
        if db == "sqlite":
            url = f"sqlite:///{home / 'vanthu.db'}"
        else:
            schema = "bench_" + uuid.uuid4().hex[:8]
            admin = create_engine(normalise_url(pg_url), isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(text(f"CREATE SCHEMA {schema}"))
            sep = "&" if "?" in pg_url else "?"
            url = f"{normalise_url(pg_url)}{sep}options=-csearch_path%3D{schema}"
        try:
            prepare(url)
            server = Server(home, url)
            try:
                pdf = one_mb_pdf()
                total, lat = register_many(server.base, n, pdf)
                print(f"{db:<11} register {n} x {len(pdf) / 1e6:.2f} MB PDF: "
                      f"{n / total:6.1f}/s  p50 {pct(lat, 50) * 1000:6.1f} ms  "
                      f"p95 {pct(lat, 95) * 1000:6.1f} ms   (target >= 30/s, p95 < 300 ms)")
                started = time.perf_counter()
                bulk_load(url, rows)
                print(f"{db:<11} bulk-loaded {rows} documents in "
                      f"{time.perf_counter() - started:.1f} s")
                for user, path in (("vanthu", "/incoming?box=all"),
                                   ("vanthu", "/incoming"),
                                   ("chuyenvien", "/incoming?box=all")):
                    lat = inbox_latencies(server.base, user, path)
                    print(f"{db:<11} inbox {user:<10} {path:<20} p50 "
                          f"{pct(lat, 50) * 1000:6.1f} ms  p95 {pct(lat, 95) * 1000:6.1f} ms "
                          "(target p95 < 150 ms)")
            finally:
                server.stop()
        finally:
            if schema:
                with admin.connect() as c:
                    c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
                admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=os.environ.get(
        "VANTHU_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    for db in args.db.split(","):
        run(db.strip(), args.n, args.rows, args.pg_url)


if __name__ == "__main__":
    main()
