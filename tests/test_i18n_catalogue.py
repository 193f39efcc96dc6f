"""The Chinese catalogue keeps up with the code: every message translated, nothing stale.

The messages are whatever ``babel.cfg`` finds in the code (``_()``, ``ngettext()``,
``N_()``), extracted here the way ``make i18n`` extracts them. So a new or changed
English message makes ``test_every_message_in_the_code_is_in_the_catalogue`` fail
until ``make i18n`` has merged it into ``zego_kit.po``; an empty or fuzzy (changed
since it was translated) entry makes ``test_every_message_has_a_reviewed_translation``
fail until someone translates it; a ``.po`` edited without compiling makes
``test_the_compiled_catalogue_is_the_po_compiled`` fail. docs/i18n.md has the workflow.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from zego_helpers import i18n

REPO = Path(__file__).resolve().parents[1]
PO_FILE = i18n.LOCALE_DIR / "zh" / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
MO_FILE = PO_FILE.with_suffix(".mo")

#: A ``str.format`` field: ``{name}``, ``{name!r}``, ``{name:>4}``; ``{{`` / ``}}`` are literal.
#: ``{Role, Content}`` in a message that is never formatted is not a field.
FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:![rsa])?(?::[^{}]*)?\}")
#: Chinese characters (CJK Unified Ideographs), and the look-alikes ZEGO's zh tables use:
#: Kangxi and CJK radicals (U+2E80-2FDF: ⼤ for 大) must never be copied into a message.
CJK = re.compile(r"[\u4e00-\u9fff]")
RADICALS = re.compile(r"[\u2e80-\u2fdf]")


def code_messages() -> dict[object, set[str]]:
    """Every message id in the code, extracted as ``make i18n`` does, with its files."""
    with open(REPO / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[object, set[str]] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(REPO), method_map, options_map
    ):
        found.setdefault(message, set()).add(filename)
    return found


@pytest.fixture(scope="module")
def catalogue() -> Catalog:
    with PO_FILE.open("rb") as po:
        return read_po(po)


def entries(catalogue: Catalog) -> list[Message]:
    return [message for message in catalogue if message.id]


def fields(text: str) -> set[str]:
    """The names of the ``str.format`` fields in ``text`` (a translation may repeat one)."""
    return set(FIELD.findall(text.replace("{{", "").replace("}}", "")))


def test_the_catalogue_is_simplified_chinese_with_one_plural_form(catalogue: Catalog) -> None:
    assert str(catalogue.locale) == "zh"
    assert catalogue.num_plurals == 1
    assert not catalogue.fuzzy, "the header is marked fuzzy: pybabel compile would skip it"


def test_every_message_in_the_code_is_in_the_catalogue(catalogue: Catalog) -> None:
    in_code = code_messages()
    assert len(in_code) > 200, "extraction found too little: is babel.cfg right?"
    in_po = {message.id for message in entries(catalogue)}
    missing = {
        str(message): sorted(files) for message, files in in_code.items() if message not in in_po
    }
    stale = sorted(str(message) for message in in_po if message not in in_code)
    assert not missing, f"new English messages not in the catalogue; run `make i18n`: {missing}"
    assert not stale, f"messages no longer in the code; run `make i18n`: {stale}"


def test_every_message_has_a_reviewed_translation(catalogue: Catalog) -> None:
    untranslated = [
        message.id
        for message in entries(catalogue)
        if message.fuzzy or not all(message.string if message.pluralizable else [message.string])
    ]
    assert not untranslated, f"translate these in {PO_FILE.name} (empty or fuzzy): {untranslated}"


def test_placeholders_are_the_same_in_english_and_chinese(catalogue: Catalog) -> None:
    for message in entries(catalogue):
        ids = message.id if message.pluralizable else (message.id,)
        strings = message.string if message.pluralizable else (message.string,)
        expected = fields(ids[-1])
        assert fields(ids[0]) == expected or not message.pluralizable
        for string in strings:
            assert fields(string) == expected, f"{message.id!r} -> {string!r}"
            assert "{{" not in ids[0] or "{{" in string


def test_every_translation_formats_without_error(catalogue: Catalog) -> None:
    for message in entries(catalogue):
        ids = message.id if message.pluralizable else (message.id,)
        strings = message.string if message.pluralizable else (message.string,)
        names = {name: "x" for name in fields(ids[-1])}
        if names:  # only messages with fields are ever passed to str.format
            for string in strings:
                string.format(**names)


def test_the_chinese_follows_zegos_typography(catalogue: Catalog) -> None:
    """notes.md of the research: a space between Chinese and Latin text or digits, full-width
    punctuation after Chinese, no radical look-alikes, ZEGO's words (沙箱, never 沙盒)."""
    for message in entries(catalogue):
        for string in message.string if message.pluralizable else (message.string,):
            text = FIELD.sub("\x00", string)  # a field's value decides its own spacing
            assert not re.search(r"[\u4e00-\u9fff][A-Za-z0-9]", text), string
            assert not re.search(r"[A-Za-z0-9][\u4e00-\u9fff]", text), string
            assert not re.search(r"[\u4e00-\u9fff][,;:?!(]", text), string
            assert not RADICALS.search(string), string
            assert unicodedata.normalize("NFC", string) == string
            for avoided in ("沙盒", "模拟器", "异常码", "返回代码"):
                assert avoided not in string, f"{string!r}: ZEGO does not say {avoided}"


def test_every_translation_is_chinese(catalogue: Catalog) -> None:
    """Each message has Chinese in it, except those made only of names and punctuation."""
    for message in entries(catalogue):
        english = message.id[0] if message.pluralizable else message.id
        string = message.string[0] if message.pluralizable else message.string
        if re.search(r"[a-z]{2,} [a-z]{2,}", FIELD.sub("", english)):  # a phrase, not a name
            assert CJK.search(string), f"{english!r} is left in English: {string!r}"


def test_the_compiled_catalogue_is_the_po_compiled(catalogue: Catalog) -> None:
    with MO_FILE.open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for message in entries(catalogue):
        if message.pluralizable:
            singular, plural = message.id
            assert compiled.ngettext(singular, plural, 2) == message.string[0], message.id
        else:
            assert compiled.gettext(message.id) == message.string, (
                f"{MO_FILE.name} is older than {PO_FILE.name}: run `make venv` or `make i18n`"
            )
    assert len(compiled._catalog) == len(entries(catalogue)) + 1  # + the header


def test_the_catalogues_ship_with_the_package() -> None:
    """pyproject's package data names both files, so a wheel carries them.

    (Read with a pattern rather than ``tomllib``, which Python 3.10 lacks.)
    """
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    section = pyproject.split("[tool.setuptools.package-data]", 1)[1].split("\n[", 1)[0]
    line = re.search(r"^zego_helpers = \[(.*)\]$", section, re.MULTILINE)
    assert line, "no package data for zego_helpers in pyproject.toml"
    patterns = re.findall(r'"([^"]+)"', line[1])
    for path in (PO_FILE, MO_FILE):
        relative = path.relative_to(REPO / "zego_helpers")
        assert any(relative.match(pattern) for pattern in patterns), relative
