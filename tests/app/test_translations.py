"""The Vietnamese catalogue covers every message of the code and templates, compiled."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

APP = Path(__file__).resolve().parents[2] / "app"
CATALOGUE = APP / "translations" / "vi" / "LC_MESSAGES"
METHODS = [("**.py", "python"), ("web/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "N_": None}


def test_every_message_has_a_vietnamese_translation_in_the_compiled_catalogue() -> None:
    found = {msg[2] for msg in extract_from_dir(str(APP), METHODS, keywords=KEYWORDS)}
    found = {m if isinstance(m, str) else m[0] for m in found}
    with (CATALOGUE / "messages.po").open("rb") as fh:
        po = read_po(fh)
    with (CATALOGUE / "messages.mo").open("rb") as fh:
        mo = read_mo(fh)
    translated = {m.id: m.string for m in po if m.id and m.string and not m.fuzzy}
    missing = sorted(found - set(translated))
    assert missing == [], f"untranslated (run python -m app.translations.update): {missing}"
    compiled = {m.id: m.string for m in mo if m.id}
    stale = sorted(k for k, v in translated.items() if compiled.get(k) != v)
    assert stale == [], f"messages.mo is stale: {stale[:5]}"
