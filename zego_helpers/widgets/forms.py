"""The notebook forms: credentials, LLM, TTS, ASR, "register", and the instance settings.

Each form is an ipywidgets box you display by leaving it as the last line of
a cell. The forms hold no protocol knowledge: they show inputs, pass what you
typed to the plain functions of :mod:`zego_helpers.form_logic`, and show what
comes back: a model, a masked preview, or a red message naming the field
that is wrong.

Every form also has a method doing what its button does (``save()``,
``model()``, ``register()``...), so *Run All* works without a click and a
test can drive a form without a browser.

Secrets: password boxes never start with a secret from your settings (a
widget's value travels to the browser and may be saved in the notebook).
They stay empty and say which variable the secret comes from. A key you type
is moved out of its box once used (credentials: after Save; LLM and TTS:
after Register) and kept in the kernel only.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from ..client import AIAgentClient
from ..errors import ValidationError, ZegoError
from ..form_specs import LLM_FIELDS, LLM_PRESETS, TTS_VENDOR_FIELDS, FieldSpec, preset_label
from ..i18n import N_, _
from ..ids import CallIds
from ..models import (
    ASR,
    ASR_VENDORS,
    LLM,
    TTS,
    AdvancedConfig,
    MessageHistory,
)
from ..settings import Settings, load_settings, save_env_file
from ..tutorial import form_logic
from ..tutorial.marks import badge_html
from ..workflows import EnsureResult, ensure_agent

ERROR_COLOR = "#b00020"
OK_COLOR = "#1b5e20"
_WIDE = widgets.Layout(width="640px")
_STYLE = {"description_width": "150px"}
#: Labels of the TTS vendors in the dropdown (the API value is what is sent).
TTS_VENDOR_LABELS = {
    "ByteDanceV3": "ByteDance (Volcano) V3",
    "ByteDanceFlowing": "ByteDance (Volcano) Flowing",
    "MiniMax": "MiniMax",
    "CosyVoice": "CosyVoice (Aliyun)",
    "Aliyun": "Aliyun",
    "ByteDance": N_("ByteDance (legacy)"),
}


def error_html(text: str) -> str:
    """A red message (escaped), as the forms show problems: a ``problem`` badge, then the text."""
    shown = html.escape(text)
    badge = badge_html(_("problem"), "bad")
    return f'{badge}<span style="color:{ERROR_COLOR}">{shown}</span>'


def ok_html(text: str) -> str:
    """A green confirmation (escaped): an ``ok`` badge, then the text."""
    badge = badge_html(_("ok"), "good")
    return f'{badge}<span style="color:{OK_COLOR}">{html.escape(text)}</span>'


class ShortRepr:
    """A one-line ``repr`` for a form: what a saved notebook shows where the widget was.

    ipywidgets' own ``repr`` lists every child (``LLMForm(children=(Dropdown(...``);
    notebooks are saved without widget state, so this line is what a reader of
    the file (on GitHub, say) sees instead of the form.
    """

    summary = N_("a form")

    def __repr__(self) -> str:
        return _("{form}: {summary} (run the notebook to use it)").format(
            form=type(self).__name__, summary=_(self.summary)
        )


def _describe(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return f"{error.field}: {error.problem}"
    return str(error)


class FieldSet:
    """Inputs for a list of :class:`~zego_helpers.form_specs.FieldSpec`, each with an error line."""

    def __init__(
        self,
        specs: list[FieldSpec],
        values: dict[str, Any],
        secret_sources: dict[str, str] | None = None,
    ) -> None:
        self.specs = specs
        self.inputs: dict[str, widgets.ValueWidget] = {}
        self.errors: dict[str, widgets.HTML] = {}
        rows = []
        for spec in specs:
            source = (secret_sources or {}).get(spec.name)
            self.inputs[spec.name] = _input_for(spec, values.get(spec.name), source)
            self.errors[spec.name] = widgets.HTML("")
            rows.append(widgets.VBox([self.inputs[spec.name], self.errors[spec.name]]))
        self.box = widgets.VBox(rows)

    def values(self) -> dict[str, Any]:
        return {name: box.value for name, box in self.inputs.items()}

    def set_values(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            if name in self.inputs:
                self.inputs[name].value = "" if value is None else str(value)

    def clear_errors(self) -> None:
        for line in self.errors.values():
            line.value = ""

    def show_error(self, error: ValidationError) -> bool:
        """Show the error under its input; ``False`` when it names no input of this set."""
        name = form_logic.field_for_error(self.specs, error)
        if name is None:
            return False
        self.errors[name].value = error_html(f"{error.field}: {error.problem}")
        return True

    def observe(self, handler: Callable[[Any], None]) -> None:
        for box in self.inputs.values():
            box.observe(handler, names="value")

    def secret_values(self) -> dict[str, str]:
        """What the password boxes hold now."""
        return {spec.name: self.inputs[spec.name].value for spec in self.specs if spec.secret}

    def empty_secret_boxes(self, kept: dict[str, tuple[str, Any]]) -> None:
        """Empty each password box whose key ``kept`` now holds, saying where it went."""
        for name in self.secret_values():
            source = kept.get(name, ("", None))[0]
            if source == form_logic.TYPED_SECRET_SOURCE:
                box = self.inputs[name]
                box.placeholder = _("from {source}; type a new one to replace it").format(
                    source=_(source)
                )
                box.value = ""


def _input_for(spec: FieldSpec, value: Any, secret_source: str | None) -> widgets.ValueWidget:
    text = "" if value is None else str(value)
    label = _(spec.label) + (" *" if spec.required else "")
    help_text = _(spec.help) if spec.help else ""  # _("") would be the catalogue's header
    placeholder = help_text or (
        "" if spec.default is None else _("default: {value}").format(value=spec.default)
    )
    options: dict[str, Any] = dict(
        description=label, layout=_WIDE, style=_STYLE, tooltip=help_text or spec.api_path
    )
    if spec.secret:
        if secret_source:
            placeholder = _("from {variable} in your settings (leave empty to use it)").format(
                variable=secret_source
            )
        return widgets.Password(value=text, placeholder=placeholder, **options)
    if spec.kind == "multiline":
        return widgets.Textarea(value=text, placeholder=placeholder, rows=3, **options)
    if spec.choices:
        return widgets.Combobox(
            value=text, options=list(spec.choices), ensure_option=False,
            placeholder=placeholder, **options,
        )  # fmt: skip
    return widgets.Text(value=text, placeholder=placeholder, **options)


class _Form(ShortRepr, widgets.VBox):
    """Shared by the forms: a message line under the inputs."""

    def __init__(self, children: list[widgets.Widget]) -> None:
        self.message = widgets.HTML("")
        super().__init__([*children, self.message])

    def _show_ok(self, text: str) -> None:
        self.message.value = ok_html(text)

    def _show_problem(self, error: Exception) -> None:
        self.message.value = error_html(_describe(error))


# ---------------------------------------------------------------------------
# Credentials (notebook 00)
# ---------------------------------------------------------------------------


class CredentialsForm(_Form):
    """AppID, ServerSecret (a password box) and region; "Save to .env" writes them (mode 0600)."""

    summary = N_("AppID, ServerSecret and region, saved to .env")
    #: True while Save empties the secret box (that edit keeps Save's message).
    _saving = False

    def __init__(self, settings: Settings | None = None, env_path: str | Path | None = None):
        self.settings = settings or load_settings()
        self.env_path = Path(env_path) if env_path else form_logic.default_env_path(self.settings)
        has_secret = self.settings.server_secret is not None
        self.app_id = widgets.Text(
            value=str(self.settings.app_id or ""), description="AppID", style=_STYLE,
            placeholder=_("e.g. 1234567890 (console > project > basic information)"),
            layout=_WIDE,
        )  # fmt: skip
        self.server_secret = widgets.Password(
            value="", description="ServerSecret", style=_STYLE, layout=_WIDE,
            placeholder=_("already set: leave empty to keep it") if has_secret
            else _("32 characters (the ServerSecret, not the AppSign)"),
        )  # fmt: skip
        self.region = widgets.Dropdown(
            options=form_logic.region_options(), value=form_logic.region_of(self.settings),
            description=_("Region"), style=_STYLE, layout=_WIDE,
        )  # fmt: skip
        self.save_button = widgets.Button(description=_("Save to .env"), icon="save")
        self.save_button.on_click(lambda _b: self._guarded(self.save))
        self.note = widgets.HTML("")
        self._show_note()
        self.region.observe(lambda _change: self._show_note(), names="value")
        for box in (self.app_id, self.server_secret, self.region):
            box.observe(lambda _change: self._clear_message(), names="value")
        super().__init__(
            [self.app_id, self.server_secret, self.region, self.save_button, self.note]
        )

    def _show_note(self) -> None:
        """Where requests go with the region chosen *now* (not the one the settings had)."""
        where = form_logic.endpoint_note(self.settings, self.region.value)
        saves = _("Saves to {path}.").format(path=form_logic.short_path(self.env_path))
        self.note.value = f"<small>{html.escape(saves)} {html.escape(where)}</small>"

    def _clear_message(self) -> None:
        """An edit makes the last Save's message stale (its error may be fixed): clear it.

        Save itself empties the secret box after writing; that edit keeps the message.
        """
        if not self._saving:
            self.message.value = ""

    def save(self) -> Path:
        """Check the inputs and write them to the ``.env`` file; returns its path."""
        values = form_logic.credentials_env_values(
            self.app_id.value,
            self.server_secret.value,
            self.region.value,
            keep_saved_secret=self.settings.server_secret is not None,
        )
        path = save_env_file(self.env_path, values)
        self._saving = True
        try:
            self.server_secret.value = ""  # don't keep the secret in the widget (or the notebook)
        finally:
            self._saving = False
        self._show_ok(form_logic.saved_message(path, values))
        return path

    def _guarded(self, action: Callable[[], Any]) -> None:
        try:
            action()
        except (ZegoError, OSError) as error:
            self._show_problem(error)


# ---------------------------------------------------------------------------
# LLM, TTS, ASR (notebook 01)
# ---------------------------------------------------------------------------


class LLMForm(_Form):
    """The LLM: a preset (the trial pairs, OpenAI, local Ollama, custom) and every field."""

    summary = N_("the LLM (preset, URL, key, model, system prompt, ...)")

    def __init__(self, settings: Settings | None = None) -> None:
        settings = settings or load_settings()
        defaults = form_logic.llm_form_defaults(settings)
        self.secrets = defaults.secrets
        self.preset = widgets.Dropdown(
            options=[(preset_label(name), name) for name in LLM_PRESETS], value=defaults.choice,
            description=_("Preset"), style=_STYLE, layout=_WIDE,
        )  # fmt: skip
        self.fields = FieldSet(
            LLM_FIELDS, defaults.values, {k: var for k, (var, _s) in self.secrets.items()}
        )
        self.params = widgets.Textarea(
            value="", rows=2, description=_("Extra params (JSON)"), style=_STYLE, layout=_WIDE,
            placeholder=_("passed to the LLM as is, e.g. {example}").format(
                example='{"max_tokens": 256}'
            ),
        )  # fmt: skip
        self.params_error = widgets.HTML("")
        self.preset.observe(self._on_preset, names="value")
        super().__init__([self.preset, self.fields.box, self.params, self.params_error])

    def _on_preset(self, change: dict) -> None:
        self.fields.set_values(form_logic.llm_preset_values(change["new"]))

    def forget_typed_secrets(self) -> None:
        """Empty the key box; the kernel keeps the key for the next Register."""
        self.secrets = form_logic.keep_typed_secrets(self.fields.secret_values(), self.secrets)
        self.fields.empty_secret_boxes(self.secrets)

    def observe_values(self, handler: Callable[[Any], None]) -> None:
        """Call ``handler`` whenever an input changes (the register preview uses it)."""
        self.fields.observe(handler)
        self.params.observe(handler, names="value")

    def model(self) -> LLM:
        """The validated LLM; a problem is shown next to its input and raised."""
        self.fields.clear_errors()
        self.params_error.value = ""
        self.message.value = ""
        try:
            llm = form_logic.llm_form_values_to_model(
                self.fields.values(), params_json=self.params.value, secrets=self.secrets
            )
        except ValidationError as error:
            if error.field == "LLM.Params":
                self.params_error.value = error_html(_describe(error))
            elif not self.fields.show_error(error):
                self._show_problem(error)
            raise
        return llm


class TTSForm(_Form):
    """The voice: a vendor dropdown that shows exactly that vendor's fields."""

    summary = N_("the voice (TTS vendor and its fields)")

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or load_settings()
        defaults = form_logic.tts_form_defaults(self.settings)
        self.vendor = widgets.Dropdown(
            options=[(_(TTS_VENDOR_LABELS.get(v, v)), v) for v in TTS_VENDOR_FIELDS],
            value=defaults.choice, description=_("Vendor"), style=_STYLE, layout=_WIDE,
        )  # fmt: skip
        self.fields_box = widgets.VBox([])
        self._handlers: list[Callable[[Any], None]] = []
        self._show_vendor(defaults)
        self.vendor.observe(self._on_vendor, names="value")
        super().__init__([self.vendor, self.fields_box])

    def _show_vendor(self, defaults: form_logic.FormDefaults) -> None:
        self.secrets = defaults.secrets
        self.fields = FieldSet(
            TTS_VENDOR_FIELDS[defaults.choice],
            defaults.values,
            {k: var for k, (var, _s) in self.secrets.items()},
        )
        for handler in self._handlers:
            self.fields.observe(handler)
        self.fields_box.children = [self.fields.box]

    def _on_vendor(self, change: dict) -> None:
        self._show_vendor(form_logic.tts_form_defaults(self.settings, change["new"]))
        self.message.value = ""
        for handler in self._handlers:
            handler(change)

    def observe_values(self, handler: Callable[[Any], None]) -> None:
        self._handlers.append(handler)
        self.fields.observe(handler)

    def forget_typed_secrets(self) -> None:
        """Empty the key/token boxes; the kernel keeps them for the next Register."""
        self.secrets = form_logic.keep_typed_secrets(self.fields.secret_values(), self.secrets)
        self.fields.empty_secret_boxes(self.secrets)

    def model(self) -> TTS:
        """The validated TTS; a problem is shown next to its input and raised."""
        self.fields.clear_errors()
        self.message.value = ""
        try:
            return form_logic.tts_form_values_to_model(
                self.vendor.value, self.fields.values(), secrets=self.secrets
            )
        except ValidationError as error:
            if not self.fields.show_error(error):
                self._show_problem(error)
            raise


class ASRForm(_Form):
    """Optional speech recognition: one of ZEGO's six vendors, its language and hot words.

    Off (the default) sends no ASR object: ZEGO's default, Tencent in Chinese.
    What the two boxes mean changes with the vendor (the hint under the vendor
    says it); a box the vendor cannot use is disabled.
    """

    summary = N_("speech recognition (optional)")

    def __init__(self) -> None:
        self.enabled = widgets.Checkbox(value=False, description=_("Set ASR options"), style=_STYLE)
        self.vendor = widgets.Dropdown(
            options=list(ASR_VENDORS), value="Tencent", description=_("Vendor"), style=_STYLE,
            layout=_WIDE,
        )  # fmt: skip
        self.note = widgets.HTML("")
        self.language = widgets.Text(description=_("Language"), style=_STYLE, layout=_WIDE)
        self.hot_words = widgets.Text(description=_("Hot words"), style=_STYLE, layout=_WIDE)
        self.vendor.observe(lambda _c: self._update_hint(), names="value")
        self._update_hint()
        super().__init__([self.enabled, self.vendor, self.note, self.language, self.hot_words])

    def _update_hint(self) -> None:
        hints = form_logic.ASR_FORM_HINTS[self.vendor.value]
        note = _(hints.note)
        self.note.value = f"<small>{html.escape(note)}</small>"
        for box, hint in ((self.language, hints.language), (self.hot_words, hints.hot_words)):
            box.disabled = hint is None
            box.placeholder = (
                _(hint) if hint else _("not settable for {vendor}").format(vendor=self.vendor.value)
            )
            if hint is None:
                box.value = ""

    def observe_values(self, handler: Callable[[Any], None]) -> None:
        for box in (self.enabled, self.vendor, self.language, self.hot_words):
            box.observe(handler, names="value")

    def model(self) -> ASR | None:
        """The validated ASR, or ``None`` when the box is not ticked."""
        self.message.value = ""
        try:
            return form_logic.asr_form_values_to_model(
                self.enabled.value, self.vendor.value, self.language.value, self.hot_words.value
            )
        except ValidationError as error:
            self._show_problem(error)
            raise


class RegisterPanel(_Form):
    """The RegisterAgent body the forms make (secrets masked), and a Register button.

    Three lines, each about one thing, each cleared when it stops being true:

    * **status**: ``Not ready: <field>: <problem>`` while a form holds a mistake
      (under its input too); empty once every form is valid;
    * **preview**: the body the next ``client.register_agent(...)`` sends. While
      a form is not ready, the last complete body stays visible, marked as such;
    * **message**: what the last Register press did (``registered``, ``updated``,
      an API error). Any later edit clears it: it no longer describes the forms.

    **Register** calls :func:`~zego_helpers.workflows.ensure_agent` with the forms'
    objects: register, update or nothing, so it can be pressed any number of times.
    """

    summary = N_("the RegisterAgent body (secrets masked) and a Register button")

    def __init__(
        self,
        client: AIAgentClient,
        agent_id: str,
        llm_form: LLMForm,
        tts_form: TTSForm,
        asr_form: ASRForm | None = None,
        *,
        name: str | None = None,
    ) -> None:
        self.client = client
        self.agent_id = agent_id
        self.name = name
        self.llm_form, self.tts_form, self.asr_form = llm_form, tts_form, asr_form
        self.status_line = widgets.HTML("")
        self.preview_box = widgets.HTML("")
        self._last_good_preview = ""
        self._registering = False
        self.register_button = widgets.Button(description=_("Register"), icon="check")
        self.register_button.on_click(lambda _b: self._guarded(self.register))
        for form in (llm_form, tts_form, asr_form):
            if form is not None:
                form.observe_values(lambda _change: self._on_edit())
        super().__init__([self.status_line, self.preview_box, self.register_button])
        self.refresh_preview()

    def models(self) -> tuple[LLM, TTS, ASR | None]:
        """The LLM, TTS and ASR objects the forms hold; the first problem is raised.

        Every form is checked (not just up to the first mistake), so each one
        shows its own problems and clears the ones you fixed.
        """
        llm: LLM | None = None
        tts: TTS | None = None
        asr: ASR | None = None
        first: ValidationError | None = None
        try:
            llm = self.llm_form.model()
        except ValidationError as error:
            first = first or error
        try:
            tts = self.tts_form.model()
        except ValidationError as error:
            first = first or error
        try:
            asr = self.asr_form.model() if self.asr_form else None
        except ValidationError as error:
            first = first or error
        if first is not None:
            raise first
        assert llm is not None and tts is not None
        return llm, tts, asr

    def body(self) -> dict[str, Any]:
        """The RegisterAgent body from the forms (raises ``ValidationError``, shown in the form)."""
        llm, tts, asr = self.models()
        return form_logic.build_register_body(
            self.agent_id, name=self.name, llm=llm, tts=tts, asr=asr
        )

    def preview(self) -> str:
        """The body as JSON with secrets masked (what ``print`` may show)."""
        return form_logic.preview_json(self.body())

    def refresh_preview(self) -> None:
        """Show the body the forms make now, or why they cannot make one yet."""
        try:
            text = self.preview()
        except ValidationError as error:
            self.status_line.value = error_html(
                _("Not ready: {problem}").format(problem=_describe(error))
            )
            if self._last_good_preview:
                title = html.escape(_("The last complete RegisterAgent body"))
                note = html.escape(_("(before your latest change; secrets masked)"))
                self.preview_box.value = (
                    f'<b>{title}</b> {note}<pre style="opacity:0.6">{self._last_good_preview}</pre>'
                )
            return
        self.status_line.value = ""
        self._last_good_preview = html.escape(text, quote=False)
        title = html.escape(_("RegisterAgent body"))
        note = html.escape(_("(secrets masked)"))
        self.preview_box.value = f"<b>{title}</b> {note}<pre>{self._last_good_preview}</pre>"

    def _on_edit(self) -> None:
        if not self._registering:
            self.message.value = ""  # the last Register's result no longer describes the forms
        self.refresh_preview()

    def register(self) -> EnsureResult:
        """Register (or update) the agent with the forms' settings: what the button does.

        Once the body is built, the LLM and TTS forms empty their password
        boxes (the key stays in the kernel), so the key is not saved with
        the notebook's widget state.
        """
        self.message.value = ""
        body = self.body()
        self._registering = True
        try:
            self.llm_form.forget_typed_secrets()
            self.tts_form.forget_typed_secrets()
        finally:
            self._registering = False
        result = ensure_agent(
            self.client,
            self.agent_id,
            name=body.get("Name"),
            llm=body["LLM"],
            tts=body["TTS"],
            asr=body.get("ASR"),
        )
        self._show_ok(_("Agent {agent_id}: {result}").format(agent_id=self.agent_id, result=result))
        return result

    def _guarded(self, action: Callable[[], Any]) -> None:
        try:
            action()
        except ZegoError as error:
            self._show_problem(error)


# ---------------------------------------------------------------------------
# Instance settings (notebook 02)
# ---------------------------------------------------------------------------


class InstanceForm(_Form):
    """Advanced settings of CreateAgentInstance: interrupt mode, max idle time, history window."""

    summary = N_("the instance settings (interrupt mode, max idle time, history window)")

    def __init__(self) -> None:
        self.interrupt_mode = widgets.Dropdown(
            options=[(_("0: your voice interrupts the agent at once"), 0),
                     (_("1: the agent finishes its sentence first"), 1)],
            value=0, description=_("Interrupt mode"), style=_STYLE, layout=_WIDE,
        )  # fmt: skip
        self.max_idle_time = widgets.IntText(
            value=form_logic.TUTORIAL_MAX_IDLE_TIME, description=_("Max idle time (s)"),
            style=_STYLE, tooltip=_("10..1800; ZEGO's default is 120"),
        )  # fmt: skip
        self.window_size = widgets.IntText(
            value=form_logic.TUTORIAL_WINDOW_SIZE, description=_("History window"),
            style=_STYLE, tooltip=_("how many recent messages the LLM sees (0..500)"),
        )  # fmt: skip
        self.greeting = widgets.Text(
            description=_("First agent line"), style=_STYLE, layout=_WIDE,
            placeholder=_("optional: history starts with this assistant message"),
        )  # fmt: skip
        super().__init__([self.interrupt_mode, self.max_idle_time, self.window_size, self.greeting])

    def models(self) -> tuple[AdvancedConfig, MessageHistory]:
        """The validated ``AdvancedConfig`` and ``MessageHistory`` (problems shown and raised)."""
        self.message.value = ""
        try:
            return form_logic.instance_form_values_to_models(
                self.interrupt_mode.value,
                self.max_idle_time.value,
                self.window_size.value,
                self.greeting.value,
            )
        except ValidationError as error:
            self._show_problem(error)
            raise

    def preview(self, agent_id: str, ids: CallIds) -> str:
        """The CreateAgentInstance body these settings give (secrets masked)."""
        advanced, history = self.models()
        body = form_logic.build_create_body(
            agent_id, ids, advanced_config=advanced, message_history=history
        )
        return form_logic.preview_json(body)
