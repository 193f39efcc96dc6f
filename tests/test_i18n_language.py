"""Which language the kit speaks: set_language > ZEGO_LANG > the locale > English.

The order is tested on plain mappings (``language_from_environment(env)``), then
for real: in this process with ``set_language`` and ``ZEGO_LANG``, and in fresh
interpreters that only have a locale.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from zego_helpers import i18n
from zego_helpers.errors import ValidationError
from zego_helpers.validation import check_user_id


@pytest.mark.parametrize(
    ("tag", "language"),
    [
        ("zh", "zh"),
        ("zh_CN", "zh"),
        ("zh_CN.UTF-8", "zh"),
        ("zh-Hans", "zh"),
        ("zh_Hans_SG", "zh"),
        ("zh-Hans-HK", "zh"),  # Simplified script, written explicitly, wins over the region
        ("ZH_cn.gb18030@stroke", "zh"),
        ("en", "en"),
        ("en_GB.UTF-8", "en"),
        ("C", "en"),
        ("C.UTF-8", "en"),
        ("POSIX", "en"),
        ("zh_TW", None),  # Traditional Chinese: no catalogue (see i18n's docstring)
        ("zh_HK.UTF-8", None),
        ("zh-Hant", None),
        ("zh_Hant_TW", None),
        ("zh_MO", None),
        ("fr_FR.UTF-8", None),
        ("", None),
    ],
)
def test_language_tags_are_read_as_gettext_and_bcp47_write_them(tag, language) -> None:
    assert i18n.normalise_language(tag) == language


@pytest.mark.parametrize(
    ("env", "language"),
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"ZEGO_LANG": "zh", "LANG": "en_US.UTF-8"}, "zh"),  # ZEGO_LANG beats the locale
        ({"ZEGO_LANG": "en", "LANG": "zh_CN.UTF-8", "LANGUAGE": "zh_CN"}, "en"),
        ({"ZEGO_LANG": " zh-Hans ", "LANG": "C"}, "zh"),
        ({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),  # LC_ALL before LANG
        ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
        ({"LANGUAGE": "zh_TW:zh_CN:en", "LANG": "en_US.UTF-8"}, "zh"),  # first one we have
        ({"LANGUAGE": "fr:en:zh", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LANGUAGE": "zh_TW", "LANG": "zh_CN.UTF-8"}, "en"),  # the first set variable decides
        ({"LANG": "zh_TW.UTF-8"}, "en"),  # Traditional: English, not Simplified
        ({"LANG": "ja_JP.UTF-8"}, "en"),
        ({"LANGUAGE": "", "LC_ALL": "", "LANG": "zh_CN.UTF-8"}, "zh"),  # empty means unset
    ],
)
def test_zego_lang_then_the_locale_then_english(env, language) -> None:
    assert i18n.language_from_environment(env) == language


def test_an_unusable_zego_lang_warns_once_then_the_locale_decides(monkeypatch) -> None:
    monkeypatch.setattr(i18n, "_warned_values", set())
    env = {"ZEGO_LANG": "zh_TW", "LANG": "zh_CN.UTF-8"}
    with pytest.warns(i18n.LanguageWarning, match="ZEGO_LANG='zh_TW'.*ZEGO_LANG=zh"):
        assert i18n.language_from_environment(env) == "zh"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert i18n.language_from_environment(env) == "zh"  # said once is enough


def test_set_language_wins_and_only_messages_made_afterwards_change(monkeypatch) -> None:
    monkeypatch.setenv("ZEGO_LANG", "en")
    with pytest.raises(ValidationError) as before:
        check_user_id("UserId", "")
    assert i18n.set_language("zh") == "zh" == i18n.get_language()
    with pytest.raises(ValidationError) as after:
        check_user_id("UserId", "")
    assert str(before.value) == "UserId: must be a non-empty string"
    assert str(after.value) == "UserId：必须是非空字符串"
    assert i18n.set_language("en_GB") == "en"
    assert i18n._("must be a non-empty string") == "must be a non-empty string"
    monkeypatch.setenv("ZEGO_LANG", "zh")
    assert i18n.get_language() == "en"  # the explicit choice still holds
    assert i18n.set_language(None) == "zh"  # back to ZEGO_LANG


def test_zego_lang_is_read_when_a_message_is_made(monkeypatch) -> None:
    monkeypatch.setenv("ZEGO_LANG", "zh")
    assert i18n._("must be a string") == "必须是字符串"
    monkeypatch.setenv("ZEGO_LANG", "en")
    assert i18n._("must be a string") == "must be a string"


def test_an_unknown_language_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'zh_TW' is not available: use 'zh'"):
        i18n.set_language("zh_TW")
    assert i18n.get_language() == "en"


def test_plural_forms_follow_the_language(monkeypatch) -> None:
    assert i18n.ngettext("{count} character", "{count} characters", 1) == "{count} character"
    assert i18n.ngettext("{count} character", "{count} characters", 5) == "{count} characters"
    monkeypatch.setenv("ZEGO_LANG", "zh")
    for count in (1, 5):
        assert i18n.ngettext("{count} character", "{count} characters", count) == "{count} 个字符"


def test_a_missing_catalogue_gives_english_and_a_warning(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    monkeypatch.setattr(i18n, "_catalogues", {})
    monkeypatch.setenv("ZEGO_LANG", "zh")
    with pytest.warns(i18n.LanguageWarning, match="zh message catalogue is missing"):
        assert i18n._("must be a string") == "must be a string"


def run_fresh(env: dict[str, str], code: str) -> str:
    """``code``'s output in a new interpreter: this environment without any language or ZEGO
    setting (but with the test's kit home), plus ``env``."""
    base = {
        key: value
        for key, value in os.environ.items()
        if key not in i18n.LOCALE_VARIABLES and not key.startswith(("ZEGO_", "LC_"))
    }
    base["ZEGO_KIT_HOME"] = os.environ["ZEGO_KIT_HOME"]
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


ERROR = (
    "from zego_helpers.settings import load_settings\n"
    "try:\n"
    "    load_settings({'ZEGO_APP_ID': 'abc', 'ZEGO_ENV_FILE': 'none'})\n"
    "except Exception as error:\n"
    "    print(error)\n"
)


def test_a_chinese_locale_alone_gives_chinese_messages() -> None:
    out = run_fresh({"LANG": "zh_CN.UTF-8"}, ERROR)
    assert out.startswith("ZEGO_APP_ID：'abc' 不是由数字 0-9 写成的")
    assert "处理建议：请从 ZEGO 控制台复制" in out


def test_zego_lang_overrides_a_chinese_locale() -> None:
    out = run_fresh({"LANG": "zh_CN.UTF-8", "LC_ALL": "zh_CN.UTF-8", "ZEGO_LANG": "en"}, ERROR)
    assert out.startswith("ZEGO_APP_ID: 'abc' is not a number from 1 to 4294967295")


def test_no_locale_at_all_gives_english() -> None:
    assert run_fresh({}, ERROR).startswith("ZEGO_APP_ID: 'abc' is not a number")
