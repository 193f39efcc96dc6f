"""The code tables in Chinese are ZEGO's own Chinese pages, not the English translated back.

``tests/data/zego_codes_zh.json`` holds the cells of ZEGO's Chinese return-code,
exception-code and AgentInstanceDeleted tables (docs_all commit and page URLs
inside). Every code the kit knows must carry ZEGO's 说明 and 处理建议 verbatim;
where the kit gives its own hint instead, it must say what the English hint says,
down to every name in it (variables, fields, commands, numbers).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from zego_helpers import i18n
from zego_helpers.callbacks.exception_table import exception_table_html, exception_table_markdown
from zego_helpers.codes import (
    EXCEPTION_CODES,
    RETURN_CODES,
    describe_exception_code,
    describe_return_code,
)
from zego_helpers.docs import DOCS_REVISION

DATA = json.loads(
    (Path(__file__).parent / "data" / "zego_codes_zh.json").read_text(encoding="utf-8")
)
TABLES = DATA["tables"]
CJK = re.compile(r"[\u4e00-\u9fff]")
#: What a hint names and a translation must keep: ZEGO_APP_ID, LLM.ApiKey, ensure_agent(),
#: `.venv/bin/zego-kit`, StopListening, 10-1800, 410001025, 'mobile'.
NAME = re.compile(
    r"`[^`]+`"  # a command
    r"|'[^'\s]+'"  # a quoted value
    r"|\b\w+(?:[._]\w+)+(?:\([^)\s]*\))?"  # ZEGO_APP_ID, LLM.ApiKey, make_call_ids(prefix=...)
    r"|\b[A-Z][a-z]+[A-Z]\w*"  # StopListening, UserStreamId
    r"|\b\d+(?:-\d+)+\b|\b\d{3,}\b"  # 10-1800, 410001025
)


def zego_cells(table: str, code: int) -> dict[str, str | None]:
    return TABLES[table]["codes"][str(code)]


def test_the_copied_tables_come_from_the_revision_the_kit_follows() -> None:
    assert DATA["docs_all"]["commit"] == DOCS_REVISION
    assert TABLES["return_codes"]["url"].startswith("https://doc-zh.zego.im/aiagent-server/")
    assert TABLES["exception_codes"]["columns"] == ["事件码", "事件名称", "处理建议"]


def test_every_return_code_has_zegos_chinese_meaning_and_advice() -> None:
    assert {str(code) for code in RETURN_CODES} == set(TABLES["return_codes"]["codes"])
    for code, info in RETURN_CODES.items():
        cells = zego_cells("return_codes", code)
        assert info.zh is not None, code
        assert (info.zh.meaning, info.zh.zego_advice) == (cells["meaning"], cells["advice"]), code


def test_every_exception_code_has_zegos_chinese_meaning_and_advice() -> None:
    """1202 reads as on the receiving-callback page (创建智能体*实例*的用户, the precise
    wording; the exception page drops 实例), and 0 is an AgentInstanceDeleted reason."""
    deleted = TABLES["agent_instance_deleted_codes"]["codes"]
    assert {str(code) for code in EXCEPTION_CODES} == set(TABLES["exception_codes"]["codes"]) | {
        "0"
    }
    for code, info in EXCEPTION_CODES.items():
        assert info.zh is not None, code
        if code in (0, 1202):
            assert info.zh.meaning == deleted[str(code)]["meaning"], code
        else:
            assert info.zh.meaning == zego_cells("exception_codes", code)["meaning"], code
        if code:
            assert info.zh.zego_advice == zego_cells("exception_codes", code)["advice"], code


@pytest.mark.parametrize("table", [RETURN_CODES, EXCEPTION_CODES], ids=["return", "exception"])
def test_the_kits_own_chinese_hints_keep_every_name_of_the_english(table) -> None:
    for code, info in table.items():
        assert info.zh is not None
        if info.zh.kit_hint is None:  # ZEGO's 处理建议 is shown: it must say something
            assert info.zh.zego_advice or code == 0, code
            continue
        assert info.zh.hint_source == "kit"
        for name in NAME.findall(info.hint_en):
            name = name.rstrip(".,:;")
            assert name in info.zh.kit_hint, f"{code}: {name!r} missing from {info.zh.kit_hint!r}"
        assert CJK.search(info.zh.kit_hint), code


def test_chinese_answers_follow_the_language(monkeypatch) -> None:
    info = describe_return_code(100000005)
    assert (info.meaning, info.hint) == (info.meaning_en, info.hint_en)
    monkeypatch.setenv("ZEGO_LANG", "zh")
    assert info.meaning == "签名错误"  # ZEGO's 说明 without its 。, to read inside brackets
    assert info.hint == info.zh.kit_hint
    limit = describe_return_code(410001008)
    assert limit.zh.zego_advice == "请勿重复创建"  # ZEGO's cell has no 。
    exception = describe_exception_code(2205)
    assert exception.zh.hint_source == "zego"
    assert exception.hint == "请您自行前往 LLM 服务提供商官网续费。"
    ended = [info.hint for info in (*RETURN_CODES.values(), *EXCEPTION_CODES.values())]
    assert all(hint.endswith(("。", "！", "？")) for hint in ended if hint)
    assert describe_return_code(0).hint == ""


def test_unknown_codes_are_explained_in_the_language_in_use(monkeypatch) -> None:
    assert describe_return_code(999).meaning == "Undocumented code"
    monkeypatch.setenv("ZEGO_LANG", "zh")
    assert describe_return_code(999).meaning == "文档未列出的返回码"
    assert describe_exception_code(9999).meaning == "文档未列出的异常事件错误码"
    assert describe_exception_code(9999).hint == "请查看该事件的 Message 字段。"


def test_the_exception_tables_switch_language_with_the_kit() -> None:
    english_md, english_html = exception_table_markdown(), exception_table_html()
    i18n.set_language("zh")
    chinese_md, chinese_html = exception_table_markdown(), exception_table_html()
    assert chinese_md.startswith("| 事件码 | 事件名称 | 处理建议 |")
    assert ">事件码</th>" in chinese_html and ">Code</th>" in english_html
    for info in EXCEPTION_CODES.values():
        assert f"| {info.meaning} |" in chinese_md
        assert info.zh is not None and info.zh.meaning.rstrip("。") == info.meaning
    i18n.set_language("en")
    assert exception_table_markdown() == english_md
    assert english_md.count("\n") == chinese_md.count("\n")
