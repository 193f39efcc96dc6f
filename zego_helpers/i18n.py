"""Messages in the learner's language: English (the source text) or Simplified Chinese.

The kit speaks through Python's standard :mod:`gettext`. Every message is
written in English in the code and wrapped in :func:`_` (``ngettext`` when a
count decides the wording); the Chinese lives in the catalogue
``zego_helpers/locale/zh/LC_MESSAGES/zego_kit.po`` and its compiled twin
``zego_kit.mo``. ``make i18n`` keeps the catalogue in step with the code
(Babel: extract, update, compile); docs/i18n.md tells the whole workflow.

Which language, in this order:

1. :func:`set_language` (notebook 00 has a switch), until ``set_language(None)``;
2. ``ZEGO_LANG`` in the environment: ``zh`` or ``en`` (``zh_CN``, ``zh-Hans``,
   ``en_US`` work too);
3. the *configured* language (:func:`set_configured_language`): ``ZEGO_LANG``
   in the ``.env`` file, else the language of the notebook's folder
   (``notebooks/zh/``), applied by ``start_notebook()`` and by the
   command line when they start;
4. the locale, as gettext reads it: the first of ``LANGUAGE``, ``LC_ALL``,
   ``LC_MESSAGES``, ``LANG`` that is set (``LANGUAGE`` may list several,
   ``zh_TW:zh_CN:en``; the first one the kit has wins);
5. English.

Only Simplified Chinese is translated, as ZEGO's Chinese documentation
(doc-zh.zego.im) is. A Traditional Chinese locale (``zh_TW``, ``zh_HK``,
``zh_MO``, ``zh-Hant``) therefore gets English, not Simplified: the locale asked
for a script the kit does not have, and switching script unasked would be a
guess; ``ZEGO_LANG=zh`` chooses Simplified Chinese explicitly.

The language is looked up when a message is made, so a switch affects every
message built afterwards; an exception already raised keeps its text.
Codes, field paths (``LLM.ApiKey``), variable names and RequestIds are never
translated: they are what one searches for. No Jupyter here: the core uses it.
"""

from __future__ import annotations

import gettext
import os
import warnings
from collections.abc import Mapping
from pathlib import Path

#: The gettext domain: the catalogue files are called ``zego_kit.po`` / ``zego_kit.mo``.
DOMAIN = "zego_kit"
#: ``<language>/LC_MESSAGES/zego_kit.mo`` below this folder.
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: Where gettext looks for the locale, in its order.
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
#: Script and region subtags that mean Traditional Chinese (not translated).
_TRADITIONAL = frozenset({"hant", "tw", "hk", "mo"})


class LanguageWarning(UserWarning):
    """``ZEGO_LANG`` names a language the kit does not have, or a catalogue is missing."""


def normalise_language(tag: str) -> str | None:
    """``"zh"`` or ``"en"`` for a language tag, ``None`` when the kit has no catalogue for it.

    Accepts locale names and BCP 47 tags alike: ``zh_CN.UTF-8``, ``zh-Hans``,
    ``zh_Hans_SG`` and ``zh`` give ``"zh"``; ``en_GB``, ``C`` and ``POSIX`` give
    ``"en"``; ``zh_TW``, ``zh-Hant-HK`` and ``fr_FR`` give ``None``.
    """
    cleaned = tag.strip().split(".")[0].split("@")[0].replace("-", "_").lower()
    if cleaned in ("c", "posix", "en") or cleaned.startswith("en_"):
        return "en"
    language, *subtags = cleaned.split("_")
    if language != "zh":
        return None
    if "hans" in subtags or not _TRADITIONAL.intersection(subtags):
        return "zh"
    return None


_warned_values: set[str] = set()


def language_setting(value: str | None) -> str | None:
    """``"zh"`` or ``"en"`` for a ``ZEGO_LANG`` value; ``None`` when it is empty or unusable.

    An unusable value (``fr``, ``zh_TW``) gives a :class:`LanguageWarning`
    once and is then ignored, so the next rule decides.
    """
    chosen = (value or "").strip()
    if not chosen:
        return None
    language = normalise_language(chosen)
    if language is None and chosen not in _warned_values:
        _warned_values.add(chosen)
        warnings.warn(
            f"ZEGO_LANG={chosen!r} is not a language the kit speaks; use ZEGO_LANG=zh "
            "(Simplified Chinese) or ZEGO_LANG=en. Falling back to the locale.",
            LanguageWarning,
            stacklevel=4,
        )
    return language


def language_from_environment(
    env: Mapping[str, str] | None = None, configured: str | None = None
) -> str:
    """The language ``env`` (default ``os.environ``) asks for: ZEGO_LANG, else ``configured``
    (see :func:`set_configured_language`), else the locale, else English.

    An unusable ``ZEGO_LANG`` (``fr``, ``zh_TW``) gives a :class:`LanguageWarning`
    once and is then ignored, so the next rule decides.
    """
    env = os.environ if env is None else env
    language = language_setting(env.get("ZEGO_LANG"))
    if language is not None:
        return language
    if configured is not None:
        return configured
    for variable in LOCALE_VARIABLES:
        value = env.get(variable, "").strip()
        if value:  # the first variable that is set decides, as in gettext
            for tag in value.split(":"):
                language = normalise_language(tag) if tag else None
                if language is not None:
                    return language
            break
    return "en"


_override: str | None = None
_configured: str | None = None
_catalogues: dict[str, gettext.NullTranslations] = {}


def set_language(language: str | None) -> str:
    """Speak ``language`` (``"zh"`` or ``"en"``) from now on; ``None``: back to ZEGO_LANG/locale.

    Returns the language now in use. Messages made before the switch keep
    their language. Raises ``ValueError`` for a language the kit does not have.
    """
    global _override
    if language is None:
        _override = None
        return get_language()
    normalised = normalise_language(language)
    if normalised is None:
        raise ValueError(
            f"language {language!r} is not available: use 'zh' (Simplified Chinese) or 'en'"
        )
    _override = normalised
    return normalised


def set_configured_language(language: str | None) -> str:
    """Make ``language`` the configured one (rule 3 of the module docstring); returns the
    language now in use.

    ``start_notebook()`` passes ``ZEGO_LANG`` of the ``.env`` file, else the
    language of the notebook's folder; the command line passes the ``.env``
    file's. ``None`` (or an empty value) clears it. Unlike :func:`set_language`
    it yields to ``ZEGO_LANG`` in the environment, as a ``.env`` value yields
    to the environment everywhere in the kit. An unusable value gives a
    :class:`LanguageWarning` and is ignored.
    """
    global _configured
    _configured = language_setting(language)
    return get_language()


def get_language() -> str:
    """The language messages are made in right now: ``"zh"`` or ``"en"``."""
    if _override is not None:
        return _override
    return language_from_environment(configured=_configured)


def translations() -> gettext.NullTranslations:
    """The catalogue of the current language, loaded once per process.

    English is the text in the code (a ``NullTranslations``). A missing Chinese
    catalogue gives a :class:`LanguageWarning` and English, never a crash.
    """
    language = get_language()
    catalogue = _catalogues.get(language)
    if catalogue is None:
        if language == "en":
            catalogue = gettext.NullTranslations()
        else:
            try:
                catalogue = gettext.translation(DOMAIN, LOCALE_DIR, languages=[language])
            except OSError:
                warnings.warn(
                    f"the {language} message catalogue is missing from {LOCALE_DIR} "
                    "(run `make venv`, which compiles it); messages stay in English",
                    LanguageWarning,
                    stacklevel=2,
                )
                catalogue = gettext.NullTranslations()
        _catalogues[language] = catalogue
    return catalogue


def _(message: str) -> str:
    """``message`` in the current language (the English text itself when there is none)."""
    return translations().gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for ``count``, in the current language."""
    return translations().ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it yet (``gettext_noop``).

    For text kept in a module-level table: the table holds the English, and
    the code that shows an entry passes it through :func:`_` at that moment,
    so the entry follows the language in use then, not the one at import.
    """
    return message
