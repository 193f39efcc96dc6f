"""The kit's enums and code tables against ZEGO's docs, pinned to one docs revision.

``tests/data/zego_docs_enums.json`` holds what ZEGOCLOUD/docs_all lists at the commit
named in it (vendors, return codes, exception codes, callback events). The kit (client
and sandbox) must know exactly those, plus the few extras named here with their reason.
When ZEGO's docs change, updating the JSON is one visible diff, and these tests then
name what the kit lacks or has too much.
"""

from __future__ import annotations

import json
from pathlib import Path

from zego_helpers import docs
from zego_helpers.callbacks.events import KNOWN_EVENTS
from zego_helpers.codes import EXCEPTION_CODES, RETURN_CODES
from zego_helpers.models import ASR_VENDORS, LLM_VENDORS, TTS_VENDORS
from zego_helpers.sandbox import actions as sandbox_actions

REPO = Path(__file__).resolve().parents[1]
TABLE = json.loads((REPO / "tests" / "data" / "zego_docs_enums.json").read_text("utf-8"))

#: Values the kit accepts beyond the docs' enums, and why.
TTS_EXTRAS = {
    # The schema's enum leaves it out, but ZEGO's own examples still send it: the
    # RegisterAgent example (register-agent.yaml) and the custom-LLM guide.
    "ByteDance",
}


def test_the_table_the_kit_and_the_readme_name_one_docs_revision():
    source = TABLE["source"]
    assert source["repository"] == docs.DOCS_REPOSITORY
    assert source["commit"] == docs.DOCS_REVISION and len(docs.DOCS_REVISION) == 40
    assert source["date"] == docs.DOCS_REVISION_DATE
    readme = (REPO / "README.md").read_text("utf-8")
    assert f"{docs.DOCS_REVISION} ({docs.DOCS_REVISION_DATE})" in readme


def test_asr_vendors_are_exactly_the_six_documented_ones():
    documented = TABLE["ASR.Vendor"]["values"]
    assert len(documented) == 6
    assert set(ASR_VENDORS) == set(documented)
    assert set(sandbox_actions.ASR_VENDORS) == set(documented)


def test_tts_vendors_are_the_documented_ones_plus_the_legacy_bytedance():
    documented = set(TABLE["TTS.Vendor"]["values"])
    assert set(TTS_VENDORS) == documented | TTS_EXTRAS
    assert set(sandbox_actions.TTS_VENDORS) == documented | TTS_EXTRAS


def test_llm_vendors_are_the_documented_ones():
    documented = TABLE["LLM.Vendor"]["values"]
    assert set(LLM_VENDORS) == set(documented)
    assert set(sandbox_actions.LLM_VENDORS) == set(documented)


def test_every_documented_return_code_is_explained_and_nothing_else():
    documented = set(TABLE["return_codes"]["en"]) | set(TABLE["return_codes"]["zh"])
    assert set(RETURN_CODES) == documented
    # 410001016 ("user does not exist") is only on the Chinese page; the kit knows it anyway.
    assert set(TABLE["return_codes"]["zh"]) - set(TABLE["return_codes"]["en"]) == {410001016}


def test_every_documented_exception_code_is_explained_and_nothing_else():
    documented = set(TABLE["exception_codes"]["en"]) | set(TABLE["exception_codes"]["zh"])
    deleted = set(TABLE["AgentInstanceDeleted.Code"]["values"])  # 0: deleted through the API
    assert set(EXCEPTION_CODES) == documented | deleted
    assert deleted - documented == {0}


def test_every_documented_callback_event_is_known():
    documented = TABLE["callback_events"]["values"]
    assert set(KNOWN_EVENTS) >= set(documented)
    # the deprecated AgentSpeakAction ("use AgentInstanceStatus instead") is the only extra
    assert set(KNOWN_EVENTS) - set(documented) <= {"AgentSpeakAction"}
