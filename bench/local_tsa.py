"""A local RFC 3161 time-stamping authority for the benchmarks, in-process or on loopback.

pyHanko's DummyTimeStamper builds real tokens; the subclass here keeps its RSA key loaded as a
production TSA does (the stock one parses and validates the key again for every token, about
35-40 ms on this machine, which is the TSA's cost, not the signer's).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from asn1crypto import cms, core, tsp
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign import general
from pyhanko.sign.general import get_pyca_cryptography_hash, simple_cms_attribute
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class LoadedKeyTimeStamper(DummyTimeStamper):
    """pyHanko's DummyTimeStamper, keeping its RSA key loaded as a real TSA does.

    The stock one parses (and validates) its private key again for every token, about 40 ms
    on this machine, which a production TSA does not pay; the token is built the same way."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        key = serialization.load_der_private_key(self.tsa_key.dump(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        self._loaded_key = key

    def _sign_tst_info(
        self, tst_info_data: bytes, md_algorithm: str, dt: datetime
    ) -> tuple[bytes, cms.CMSAttributes]:
        digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        digest.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                simple_cms_attribute(
                    "signing_certificate", general.as_signing_certificate(self.tsa_cert)
                ),
                simple_cms_attribute("message_digest", digest.finalize()),
            ]
        )
        signature = self._loaded_key.sign(
            signed_attrs.dump(),
            padding.PKCS1v15(),
            get_pyca_cryptography_hash(md_algorithm.upper()),
        )
        return signature, signed_attrs


def make_stamper(
    issuer: x509.Certificate,
    issuer_key: rsa.RSAPrivateKey,
    embed: list[asn1_x509.Certificate],
    loaded_key: bool = True,
) -> DummyTimeStamper:
    """A TSA with a fresh time-stamping certificate issued by ``issuer``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "VanThu Bench TSA")]))
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )
    cls = LoadedKeyTimeStamper if loaded_key else DummyTimeStamper
    return cls(
        asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        certs_to_embed=embed,
    )


def tsa_wsgi(stamper: DummyTimeStamper, served: Any) -> Any:
    """An RFC 3161 TSA over HTTP (POST a TimeStampReq, get a TimeStampResp)."""

    def app(environ, start_response):  # type: ignore[no-untyped-def]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        req = tsp.TimeStampReq.load(environ["wsgi.input"].read(length))
        body = asyncio.run(stamper.async_request_tsa_response(req)).dump()
        with served.get_lock():
            served.value += 1
        start_response(
            "200 OK",
            [("Content-Type", "application/timestamp-reply"), ("Content-Length", str(len(body)))],
        )
        return [body]

    return app


def _serve_forever(server: WSGIServer) -> None:
    server.serve_forever()


class LocalTsa:
    """The TSA on a loopback port: in a child process by default, as a separate service would
    be (its work then does not compete with the application for the GIL), or in a thread of
    this process like the tests' `tsa_url` fixture (--tsa thread)."""

    def __init__(self, stamper: DummyTimeStamper, mode: str) -> None:
        self.served = multiprocessing.get_context("fork").Value("i", 0)
        self.server = make_server(
            "127.0.0.1",
            0,
            tsa_wsgi(stamper, self.served),
            server_class=WSGIServer,
            handler_class=_QuietHandler,
        )
        self.url = f"http://127.0.0.1:{self.server.server_port}/tsa"
        self.process: multiprocessing.process.BaseProcess | None = None
        if mode == "process":
            ctx = multiprocessing.get_context("fork")
            self.process = ctx.Process(target=_serve_forever, args=(self.server,), daemon=True)
            self.process.start()
            self.server.socket.close()  # the child owns the listening socket now
        else:
            threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.join(5)
        else:
            self.server.shutdown()
