"""Public CA files: each organisation CA's CRL and root certificate (no login, for validators)."""

from __future__ import annotations

from flask import Response, abort, current_app

from app.services import ca

from . import bp


def _public(data: bytes | None, mimetype: str) -> Response:
    if data is None:
        abort(404)
    resp = Response(data, mimetype=mimetype)
    # Validators fetch these often; a few minutes of caching keeps revocations timely.
    resp.cache_control.public = True
    resp.cache_control.max_age = 300
    return resp


@bp.get("/ca/<org_code>.crl")
def ca_crl(org_code: str) -> Response:
    return _public(ca.published_crl(current_app.config["HOME"], org_code), "application/pkix-crl")


@bp.get("/ca/<org_code>.pem")
def ca_root_certificate(org_code: str) -> Response:
    return _public(
        ca.root_certificate_pem(current_app.config["HOME"], org_code), "application/x-pem-file"
    )
