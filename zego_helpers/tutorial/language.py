"""Which language a notebook speaks, and the switch of notebook 00.

The Chinese notebooks live in ``notebooks/zh/``, beside the English ones, with
the same code cells. Code cells cannot say "speak Chinese", so the folder
does: a kernel started in a folder named after a language the kit speaks
(``zh``) makes its messages in that language, unless ``ZEGO_LANG`` says
otherwise. :func:`use_notebook_language` applies that when a notebook starts
(``start_notebook()`` calls it); :func:`save_language` is the switch (notebook
00): it changes this kernel's messages at once and writes ``ZEGO_LANG`` to the
``.env`` file, so every notebook started afterwards speaks that language too.

The order, from :mod:`zego_helpers.i18n`: a switch in this kernel, then
``ZEGO_LANG`` in the environment, then ``ZEGO_LANG`` in ``.env``, then the
notebook's folder, then the locale, then English.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError, ValidationError
from ..i18n import _, normalise_language, set_configured_language, set_language
from ..settings import Settings, configured_language, load_settings, save_env_file
from .form_logic import default_env_path
from .workshop import env_file_cautions

#: The names of the languages, each written in itself (what the switch shows).
LANGUAGE_NAMES = {"en": "English", "zh": "中文"}


def notebook_language(folder: Path | None = None) -> str | None:
    """``"zh"`` for a notebook in a folder named ``zh`` (default: the kernel's working
    folder, which Jupyter sets to the notebook's); ``None`` anywhere else."""
    name = (folder or Path.cwd()).name
    language = normalise_language(name) if name in LANGUAGE_NAMES else None
    return language if language != "en" else None


def use_notebook_language(settings: Settings | None = None) -> str:
    """Apply ``ZEGO_LANG`` of the ``.env`` file, else the notebook folder's language; returns
    the language messages are made in now.

    ``ZEGO_LANG`` in the environment still wins (see the module docstring).
    Settings that do not load yet leave the folder to decide: the error that
    says why is then in the notebook's language.
    """
    if settings is not None:
        chosen = settings.language or None
    else:
        try:
            chosen = configured_language()
        except ConfigError:
            chosen = None
    return set_configured_language(chosen or notebook_language())


def save_language(language: str, env_path: str | Path | None = None) -> str:
    """Speak ``language`` (``"zh"`` or ``"en"``) in this kernel now, and save ``ZEGO_LANG``
    in the ``.env`` file for every notebook started afterwards; returns what was done.

    The file is the one notebook 00's forms write (the ``.env`` your settings
    come from, else the project's), edited in place with owner-only permissions.
    """
    normalised = normalise_language(language) if isinstance(language, str) else None
    if normalised is None:
        raise ValidationError(
            "ZEGO_LANG",
            _("is {value}; use {zh} (Simplified Chinese) or {en} (English)").format(
                value=repr(language), zh="'zh'", en="'en'"
            ),
        )
    set_language(normalised)
    if env_path is None:
        env_path = default_env_path(load_settings())
    path = save_env_file(env_path, {"ZEGO_LANG": normalised})
    text = _(
        "Messages are now in {language}. Saved {assignment} in {path}: notebooks started from "
        "now on speak {language} too."
    ).format(language=LANGUAGE_NAMES[normalised], assignment=f"ZEGO_LANG={normalised}", path=path)
    return text + "".join(env_file_cautions("ZEGO_LANG", normalised))
