"""LLM: the language model an agent thinks with (any OpenAI-compatible endpoint).

Quick start::

    llm = LLM.trial()          # ZEGO's free trial LLM (ApiKey "zego_test")
    llm = LLM(url="https://api.openai.com/v1/chat/completions",
              api_key="sk-...", model="gpt-4o-mini", temperature=0.5)

Field rules: https://www.zegocloud.com/docs/aiagent-server/api-reference/agent-configuration-management/register-agent
(LLM object) and https://www.zegocloud.com/docs/aiagent-server/guides/configuring-llm.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..docs import doc_page, warn_docs
from ..errors import ValidationError
from ..i18n import _
from ..validation import (
    MAX_SYSTEM_PROMPT_CHARS,
    TRIAL_API_KEY,
    TRIAL_LLM_PAIRS,
    check_choice,
    check_number_range,
    check_optional_text,
    check_trial_llm,
    check_url,
    shown,
)
from .base import ApiModel, _check_non_empty, _check_optional_type, api_field

#: Where the LLM object's ranges are documented.
LLM_DOC_URL = (
    "https://www.zegocloud.com/docs/aiagent-server/api-reference/"
    "agent-configuration-management/register-agent"
)
#: The guide to custom LLMs: the request ZEGO sends and the stream it expects back.
LLM_GUIDE_URL = doc_page("guides/configuring-llm")
#: ``Vendor`` values: Chat Completions (the default) or the Responses API.
LLM_VENDORS = ("OpenAIChat", "OpenAIResponses")
TEMPERATURE_RANGE = (0, 2)
TOP_P_RANGE = (0, 1)
DEFAULT_TRIAL_MODEL = "doubao-1-5-lite-32k-250115"
#: A voice agent should answer briefly: long answers are slow to speak.
DEFAULT_SYSTEM_PROMPT = (
    "You are a friendly voice assistant. Answer in one or two short sentences, "
    "without lists or markdown."
)


@dataclass(repr=False)
class LLM(ApiModel):
    """The language model the agent thinks with (any OpenAI-compatible endpoint).

    ZEGO's servers call ``url`` with ``Authorization: Bearer <api_key>`` and
    stream the answer back, so the URL must be reachable from ZEGO's cloud
    (``localhost`` only works with the local sandbox).
    """

    API_NAME: ClassVar[str] = "LLM"

    url: str = api_field("Url", required=True)
    api_key: str = api_field("ApiKey", required=True, secret=True)
    model: str = api_field("Model", required=True)
    system_prompt: str | None = api_field("SystemPrompt")
    temperature: float | None = api_field("Temperature")
    top_p: float | None = api_field("TopP")
    vendor: str | None = api_field("Vendor")
    params: dict[str, Any] | None = api_field("Params")
    add_agent_info: bool | None = api_field("AddAgentInfo")
    agent_extra_info: dict[str, Any] | None = api_field("AgentExtraInfo")

    @classmethod
    def trial(
        cls, model: str = DEFAULT_TRIAL_MODEL, system_prompt: str | None = DEFAULT_SYSTEM_PROMPT
    ) -> LLM:
        """ZEGO's trial LLM (ApiKey ``"zego_test"``, first 2 weeks); picks the URL for ``model``.

        Trial models: doubao-1-5-lite-32k-250115 (default), doubao-1-5-pro-32k-250115,
        MiniMax-Text-01, qwen-plus, step-2-16k.
        """
        for url, models in TRIAL_LLM_PAIRS.items():
            if model in models:
                return cls(url=url, api_key=TRIAL_API_KEY, model=model, system_prompt=system_prompt)
        allowed = [m for models in TRIAL_LLM_PAIRS.values() for m in models]
        raise ValidationError(
            "LLM.Model",
            _("{model} is not a trial model; use one of {allowed}").format(
                model=shown(model), allowed=allowed
            ),
        )

    def validate(self) -> LLM:
        check_url("LLM.Url", self.url)
        _check_non_empty(
            "LLM.ApiKey",
            self.api_key,
            _("paste your provider's key, or use LLM.trial() for the trial"),
        )
        example = _("e.g. {example}").format(example="'gpt-4o-mini'")
        _check_non_empty("LLM.Model", self.model, example)
        if self.temperature is not None:
            check_number_range(
                "LLM.Temperature", self.temperature, *TEMPERATURE_RANGE, doc=LLM_DOC_URL
            )
        if self.top_p is not None:
            check_number_range("LLM.TopP", self.top_p, *TOP_P_RANGE, doc=LLM_DOC_URL)
        if self.vendor is not None:
            check_choice("LLM.Vendor", self.vendor, LLM_VENDORS)
        check_optional_text("LLM.SystemPrompt", self.system_prompt, MAX_SYSTEM_PROMPT_CHARS,
                            _("our limit; ZEGO documents none"))  # fmt: skip
        _check_optional_type("LLM.Params", self.params, dict, _("an object (dict)"))
        _check_optional_type("LLM.AddAgentInfo", self.add_agent_info, bool, _("True or False"))
        _check_optional_type(
            "LLM.AgentExtraInfo", self.agent_extra_info, dict, _("an object (dict)")
        )
        check_trial_llm(self.url, self.api_key, self.model)
        self._warn_agent_info_ignored()
        return self

    def _warn_agent_info_ignored(self) -> None:
        """AddAgentInfo and AgentExtraInfo are "only effective when Vendor is OpenAIChat"
        (the LLM table of the guide and of the API schema)."""
        if self.vendor in (None, "OpenAIChat"):
            return
        for api_name, value in (("AddAgentInfo", self.add_agent_info),
                                ("AgentExtraInfo", self.agent_extra_info)):  # fmt: skip
            if value:
                warn_docs(
                    f"LLM.{api_name}",
                    _(
                        "is only effective when Vendor is OpenAIChat; with {vendor} "
                        "your LLM will not receive it"
                    ).format(vendor=self.vendor),
                    LLM_GUIDE_URL,
                    LLM_DOC_URL,
                )
