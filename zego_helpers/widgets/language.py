"""The language switch of notebook 00: English or 中文, for every message of the kit.

Two buttons; pressing one calls
:func:`~zego_helpers.tutorial.language.save_language`, which switches this
kernel at once and saves ``ZEGO_LANG`` in ``.env`` for every notebook started
afterwards. The same in one line of code: ``save_language("zh")``.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from ..errors import ZegoError
from ..i18n import _, get_language
from ..tutorial.language import LANGUAGE_NAMES, save_language
from .forms import error_html, ok_html


class LanguageSwitch(widgets.VBox):
    """English / 中文 buttons and a line saying what the last press did."""

    def __init__(self, env_path: str | Path | None = None) -> None:
        self.env_path = env_path
        self.buttons = widgets.ToggleButtons(
            options=[(name, code) for code, name in LANGUAGE_NAMES.items()],
            value=get_language(),
        )
        self.message = widgets.HTML("")
        self.buttons.observe(self._on_press, names="value")
        super().__init__([self.buttons, self.message])
        self.add_class("zego-language-switch")

    def choose(self, language: str) -> str:
        """What a press does: switch to ``language`` and save it; returns the confirmation."""
        text = save_language(language, self.env_path)
        self.message.value = ok_html(text)
        return text

    def _on_press(self, change: dict[str, Any]) -> None:
        try:
            self.choose(change["new"])
        except (ZegoError, OSError) as error:
            self.message.value = error_html(str(error))

    def __repr__(self) -> str:
        return _(
            "LanguageSwitch: messages in {language} (run the notebook to switch: English / 中文)"
        ).format(language=LANGUAGE_NAMES[get_language()])

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        bundle["text/html"] = f"<p>{html.escape(repr(self))}</p>"  # a saved notebook shows this
        return bundle
