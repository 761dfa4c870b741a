"""Benchmark of outgoing documents: the clerk's issue action and the leader's batch signing.

    python bench/outgoing.py [--docs 20] [--batch 50] [--tsa process|thread] [--stock-tsa]

In process, through the Flask test client (the whole API path: token, permission, state,
numbering, signing, object store, commit), on a real SQLite database in a temporary
VANTHU_HOME migrated to head, with the demo organisations and people. Signatures are PAdES
B-T: the application is configured with SIGNATURE_LEVEL=B-T and TSA_URL pointing at a local
RFC 3161 TSA (pyHanko's DummyTimeStamper served over HTTP on loopback), so every signature
asks that TSA for a time-stamp token, as it would ask a real one. The TSA runs in a child
process (a separate service; --tsa thread runs it in this process like the tests' `tsa_url`
fixture) and keeps its RSA key loaded (--stock-tsa: pyHanko's stock DummyTimeStamper, which
loads and validates its key again for every token, ~40 ms).

It prints:

* issue: for DOCS documents, each drafted, submitted, approved and signed by the leader
  beforehand, the time of POST /api/v1/outgoing/<id>/issue (number taken, number and date
  written into the PDF, organisation signature with the seal and a time stamp, the signed
  PDF stored and committed, recipients dispatched); median and p95. Target: median <= 250 ms.
* batch signing: one POST /api/v1/outgoing/sign by the leader for BATCH approved documents
  (each signed in its own transaction, with a time stamp). Target: <= 10 s.

Nothing reaches the network beyond loopback. The drafts are one-page PDFs without
attachments; the recipients are a department, another organisation on the installation and
an external organisation (postal: no SMTP is configured).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import select  # noqa: E402

import signing  # noqa: E402
from app import create_app, migrations  # noqa: E402
from app.domain.models import Department, Organisation, User  # noqa: E402
from app.services.demo import DEMO_PASSWORD, load_demo  # noqa: E402
from bench.local_tsa import LocalTsa, make_stamper  # noqa: E402
from signing.tsa import timestamper_for  # noqa: E402
from tests.app.pdfs import make_pdf  # noqa: E402
from tests.app.pki import ORG_PASS, PASS, Pki, build_pki, make_png  # noqa: E402

DOC_TARGET_MS = 250.0
BATCH_TARGET_S = 10.0


# -- the installation ------------------------------------------------------------------------


class Bench:
    def __init__(self, home: Path, tsa_url: str, pki: Pki) -> None:
        self.app = create_app(
            {
                "HOME": str(home),
                "ENV": "development",
                "DATABASE_URL": f"sqlite:///{home / 'vanthu.db'}",
                "SECRET_KEY": "b" * 40,
                "SIGNATURE_LEVEL": "B-T",
                "TSA_URL": tsa_url,
            }
        )
        engine = self.app.extensions["vanthu.engine"]
        migrations.upgrade(engine)
        self.sessions = self.app.extensions["vanthu.sessionmaker"]
        with self.sessions() as session:
            load_demo(session)
            self.leader_id = session.scalar(select(User.id).where(User.username == "giamdoc"))
            self.dept_id = session.scalar(
                select(Department.id).where(Department.abbreviation == "KHTC")
            )
            self.ubnd_id = session.scalar(
                select(Organisation.id).where(Organisation.abbreviation == "UBND")
            )
        trust = home / "trust"
        trust.mkdir(parents=True, exist_ok=True)
        (trust / "bench-root.pem").write_bytes(pki.root_pem)
        self.client: FlaskClient = self.app.test_client()
        self.h = {
            name: self.token(name) for name in ("chuyenvien", "truongphong", "giamdoc", "vanthu")
        }
        self.h["admin"] = self.token("admin")
        self.upload(
            "/api/v1/me/signing-key",
            "giamdoc",
            pkcs12=pki.p12("Nguyễn Văn An", 1, PASS),
            passphrase=PASS,
            signature_png=make_png("signature"),
        )
        self.upload(
            "/api/v1/organisation/signing-key",
            "admin",
            pkcs12=pki.p12("Sở KH&CN Cao Bằng", 2, ORG_PASS),
            passphrase=ORG_PASS,
            seal_png=make_png("seal"),
        )

    def token(self, username: str) -> dict[str, str]:
        resp = self.client.post(
            "/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD}
        )
        assert resp.status_code == 201, resp.get_json()
        return {"Authorization": f"Bearer {resp.get_json()['token']}"}

    def upload(self, url: str, who: str, **fields: object) -> None:
        data = {
            k: (io.BytesIO(v), f"{k}.bin") if isinstance(v, bytes) else v for k, v in fields.items()
        }
        resp = self.client.post(
            url, data=data, headers=self.h[who], content_type="multipart/form-data"
        )
        assert resp.status_code == 200, resp.get_json()

    def act(self, who: str, doc_id: int, action: str, **body: object) -> dict:
        resp = self.client.post(
            f"/api/v1/outgoing/{doc_id}/{action}", json=body, headers=self.h[who]
        )
        assert resp.status_code == 200, (action, resp.get_json())
        return resp.get_json()  # type: ignore[no-any-return]

    def approved(self, n: int) -> list[int]:
        """n drafts, each submitted by the officer and approved by the department head."""
        recipients = json.dumps(
            [
                {"kind": "department", "id": self.dept_id},
                {"kind": "organisation", "id": self.ubnd_id},
                {"kind": "external", "name": "Bộ Khoa học và Công nghệ", "code": "000.00.00.G17"},
            ]
        )
        out = []
        for i in range(n):
            resp = self.client.post(
                "/api/v1/outgoing",
                data={
                    "doc_type": "CV",
                    "subject": f"Về việc đề nghị báo cáo kết quả thực hiện nhiệm vụ số {i + 1}",
                    "urgency": "1",
                    "confidentiality": "0",
                    "signer_id": str(self.leader_id),
                    "recipients": recipients,
                    "file": (io.BytesIO(make_pdf(f"Công văn thử nghiệm số {i + 1}")), "cv.pdf"),
                },
                headers=self.h["chuyenvien"],
                content_type="multipart/form-data",
            )
            assert resp.status_code == 201, resp.get_json()
            doc_id = resp.get_json()["id"]
            self.act("chuyenvien", doc_id, "submit")
            self.act("truongphong", doc_id, "approve")
            out.append(doc_id)
        return out

    def sign_batch(self, doc_ids: list[int]) -> dict:
        resp = self.client.post(
            "/api/v1/outgoing/sign",
            json={"ids": doc_ids, "passphrase": PASS},
            headers=self.h["giamdoc"],
        )
        assert resp.status_code == 200, resp.get_json()
        body = resp.get_json()
        assert body["failed"] == 0, body
        return body  # type: ignore[no-any-return]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=20, help="documents issued one by one")
    parser.add_argument("--batch", type=int, default=50, help="documents in the batch signing")
    parser.add_argument(
        "--tsa",
        choices=("process", "thread"),
        default="process",
        help="serve the local TSA from a child process (default) or a thread of this one",
    )
    parser.add_argument(
        "--stock-tsa",
        action="store_true",
        help="use pyHanko's DummyTimeStamper as it is (re-loads its key per token, ~40 ms)",
    )
    args = parser.parse_args()

    pki = build_pki()
    tsa = LocalTsa(
        make_stamper(pki.root, pki.root_key, [pki.root_asn1], loaded_key=not args.stock_tsa),
        args.tsa,
    )
    tsa_url = tsa.url
    with tempfile.TemporaryDirectory(prefix="vanthu-bench-outgoing-") as tmp:
        t0 = time.perf_counter()
        bench = Bench(Path(tmp) / "home", tsa_url, pki)
        # Warm-up: one document through the whole flow (imports, fonts, TSA connection).
        warm = bench.approved(1)
        bench.sign_batch(warm)
        bench.act("vanthu", warm[0], "issue", passphrase=ORG_PASS)

        to_issue = bench.approved(args.docs)
        bench.sign_batch(to_issue)
        batch = bench.approved(args.batch)
        setup_s = time.perf_counter() - t0

        issue_ms, cpu_ms, notations = [], [], []
        for doc_id in to_issue:
            c0, w0 = time.process_time(), time.perf_counter()
            body = bench.act("vanthu", doc_id, "issue", passphrase=ORG_PASS)
            issue_ms.append((time.perf_counter() - w0) * 1000)
            cpu_ms.append((time.process_time() - c0) * 1000)
            assert body["state"] == "issued" and body["main"]["version"] == 3, body
            notations.append(body["number_notation"])

        # One part of each issue measured apart: opening the organisation's PKCS#12.
        org_p12 = pki.p12("Sở KH&CN Cao Bằng", 2, ORG_PASS)
        unlock_ms = []
        for _ in range(10):
            w0 = time.perf_counter()
            signing.Pkcs12KeyStore(org_p12).signer(ORG_PASS)
            unlock_ms.append((time.perf_counter() - w0) * 1000)

        # And the local TSA's own round trip, through the application's TSA client.
        client = timestamper_for(tsa_url, 10.0)
        tsa_ms = []
        for i in range(10):
            digest = hashlib.sha256(str(i).encode()).digest()
            w0 = time.perf_counter()
            asyncio.run(client.async_timestamp(digest, "sha256"))
            tsa_ms.append((time.perf_counter() - w0) * 1000)

        stamps_before = tsa.served.value
        c0, w0 = time.process_time(), time.perf_counter()
        result = bench.sign_batch(batch)
        batch_s = time.perf_counter() - w0
        batch_cpu_s = time.process_time() - c0
        batch_stamps = tsa.served.value - stamps_before
        assert result["signed"] == args.batch, result

        # What was stored: the last issued PDF, validated (leader + organisation, B-T).
        last = bench.client.get(
            f"/api/v1/outgoing/{to_issue[-1]}", headers=bench.h["vanthu"]
        ).get_json()
        pdf = bench.client.get(last["main"]["url"], headers=bench.h["vanthu"]).data
        report = signing.validate_pdf(pdf, trust_roots=[pki.root_asn1])
        tsa.close()

    med, high = statistics.median(issue_ms), p95(issue_ms)
    print(
        f"bench/outgoing.py — {os.cpu_count()} CPUs, SQLite, local object store, "
        f"SIGNATURE_LEVEL=B-T with a loopback RFC 3161 TSA "
        f"({args.tsa}, {'stock DummyTimeStamper' if args.stock_tsa else 'key kept loaded'})"
    )
    print(
        f"setup (demo data, {args.docs + args.batch + 1} drafts approved, "
        f"{args.docs + 1} signed, 1 warm-up issue): {setup_s:.1f} s"
    )
    print()
    print(
        f"issue (clerk's POST .../issue → signed PDF stored and committed), {args.docs} documents:"
    )
    print(
        f"  median {med:7.1f} ms   p95 {high:7.1f} ms   min {min(issue_ms):7.1f} ms   "
        f"max {max(issue_ms):7.1f} ms   (target median ≤ {DOC_TARGET_MS:.0f} ms: "
        f"{'OK' if med <= DOC_TARGET_MS else 'MISSED'})"
    )
    print(
        f"  CPU of this process: median {statistics.median(cpu_ms):.1f} ms; of which "
        f"unlocking the organisation's PKCS#12 (measured apart): "
        f"{statistics.median(unlock_ms):.1f} ms"
    )
    print(
        "  one round trip to the local TSA (measured apart): "
        f"median {statistics.median(tsa_ms):.1f} ms"
    )
    print(f"  numbers given: {notations[0]} … {notations[-1]}")
    print()
    print(f"batch signing by the leader, {args.batch} documents in one POST /outgoing/sign:")
    print(
        f"  {batch_s:6.2f} s total, {batch_s / args.batch * 1000:.0f} ms per document, "
        f"CPU {batch_cpu_s:.2f} s, {batch_stamps} time stamps   "
        f"(target ≤ {BATCH_TARGET_S:.0f} s: {'OK' if batch_s <= BATCH_TARGET_S else 'MISSED'})"
    )
    print()
    print(f"stored PDF of {notations[-1]}: verdict {report.verdict}")
    for s in report.signatures:
        print(
            f"  {s.field_name}: {s.verdict}, level {s.pades_level or '-'}, "
            f"time stamp {s.timestamp_time or '-'}, changes since: "
            f"{s.modification_level or '-'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
