"""PDF digital signatures for VanThu (Decree 30/2020): key stores, organisation CA,
Decree-30 appearances, PAdES B-B/B-T/B-LT signing and validation. Never imports Flask."""

from .appearance import (
    AttachmentAppearance,
    LeaderAppearance,
    Placement,
    SealAppearance,
    format_vn_time,
    load_png,
    seal_box_for,
)
from .ca import IssuedCertificate, OrgCA, import_pkcs12, load_trust_roots
from .errors import (
    CertificateAuthorityError,
    CertificateExpired,
    CertificateNotYetValid,
    InvalidImage,
    KeyStoreError,
    KeyUsageMissing,
    MalformedPdf,
    SigningError,
    TimestampError,
    TokenNotFound,
    WrongPassphrase,
    WrongPin,
)
from .external import PreparedSignature, finish_external, prepare_external
from .keystores import Pkcs11KeyStore, Pkcs12KeyStore, check_signing_certificate
from .report import format_text
from .sign import (
    Level,
    NumberingLayout,
    SigningPolicy,
    fill_number,
    prepare_draft,
    sign_attachment,
    sign_leader,
    sign_organisation,
)
from .validate import SignatureReport, ValidationReport, async_validate_pdf, validate_pdf

__all__ = [
    # key stores
    "Pkcs11KeyStore",
    "Pkcs12KeyStore",
    "check_signing_certificate",
    # CA and trust
    "IssuedCertificate",
    "OrgCA",
    "import_pkcs12",
    "load_trust_roots",
    # appearances
    "AttachmentAppearance",
    "LeaderAppearance",
    "Placement",
    "SealAppearance",
    "format_vn_time",
    "load_png",
    "seal_box_for",
    # signing
    "Level",
    "NumberingLayout",
    "SigningPolicy",
    "fill_number",
    "prepare_draft",
    "sign_attachment",
    "sign_leader",
    "sign_organisation",
    # interrupted signing
    "PreparedSignature",
    "finish_external",
    "prepare_external",
    # validation
    "SignatureReport",
    "ValidationReport",
    "async_validate_pdf",
    "format_text",
    "validate_pdf",
    # errors
    "CertificateAuthorityError",
    "CertificateExpired",
    "CertificateNotYetValid",
    "InvalidImage",
    "KeyStoreError",
    "KeyUsageMissing",
    "MalformedPdf",
    "SigningError",
    "TimestampError",
    "TokenNotFound",
    "WrongPassphrase",
    "WrongPin",
]
