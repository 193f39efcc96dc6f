"""The Chinese notebooks (``notebooks/zh/``): the English code, Chinese prose, Chinese outputs.

* **The files** (no kernel): every English notebook has its Chinese twin; their code
  cells are the same, cell for cell (source and tags); every markdown cell is Chinese;
  the Chinese prose was reviewed against the English prose as it is now; lean files
  that show their (Chinese) outputs.
* **Sandbox mode** (``sandbox_notebooks_zh``, under nbval): 00-07 pass, every checked
  output is reproduced, and what the kit says is Chinese. The kernels get no
  ``ZEGO_LANG``: the folder makes them Chinese.
* **Real mode** (``real_notebooks_zh``): the same notebooks against the stand-in for ZEGO.
* **The trainer's guide** runs top to bottom, in Chinese.

``tests/notebook_zh.py`` keeps the twins in step (``sync``, ``reviewed``, ``status``);
docs/i18n.md tells the workflow.
"""

from __future__ import annotations

import json
import os
import re

import pytest

from tests import notebook_zh
from tests.notebook_files import is_lean, read
from tests.notebook_runs import (
    LLM_KEY,
    NOTEBOOKS,
    REAL_SECRET,
    TTS_KEY,
    cell_text,
    code_cells,
    failure_report,
    notebook_client,
)
from zego_helpers.ledger import Ledger

pytestmark = pytest.mark.notebooks

CJK = re.compile(r"[\u4e00-\u9fff]")


def zh(name: str) -> dict:
    return read(notebook_zh.zh_path(name))


# --- the files ---------------------------------------------------------------------------------


def test_every_english_notebook_has_a_chinese_twin():
    english = sorted(p.stem for p in notebook_zh.NOTEBOOK_DIR.glob("*.ipynb"))
    chinese = sorted(p.stem for p in notebook_zh.ZH_DIR.glob("*.ipynb"))
    assert chinese == english == sorted(notebook_zh.ZH_NOTEBOOKS)


@pytest.mark.parametrize("name", notebook_zh.ZH_NOTEBOOKS)
def test_the_chinese_code_cells_are_the_english_ones(name):
    """One source of truth for code: fails until ``python -m tests.notebook_zh sync``."""
    assert notebook_zh.code_differences(name) == [], (
        f"notebooks/zh/{name}.ipynb: run `python -m tests.notebook_zh sync {name}`"
    )


@pytest.mark.parametrize("name", notebook_zh.ZH_NOTEBOOKS)
def test_every_markdown_cell_of_a_chinese_notebook_is_chinese(name):
    """Chinese characters make at least 30% of each markdown cell's letters (code, URLs and
    link targets not counted): ZEGO's own prose measures 41% and more, English 0%."""
    cells = zh(name)["cells"]
    shares = {
        index: round(notebook_zh.cjk_share(cell), 2)
        for index in notebook_zh.english_cells(name)
        for cell in [cells[index]]
    }
    assert shares == {}, f"not Chinese (cell index: share of CJK): {shares}"


def test_the_cjk_measure_tells_chinese_prose_from_english():
    def cell(text: str) -> dict:
        return {"cell_type": "markdown", "source": text, "metadata": {}}

    english = cell("**What you should see:** `{'Status': 'IDLE'}`: nobody has joined yet.")
    chinese = cell("**预期结果：** `{'Status': 'IDLE'}`：还没有人进入房间。")
    latin_heavy = cell("**预期结果：** *Round 1: You asked: ...* 这个回答来自上面的服务。")
    assert notebook_zh.cjk_share(english) == 0.0
    assert notebook_zh.cjk_share(chinese) == 1.0  # the inline code is not prose
    assert notebook_zh.cjk_share(latin_heavy) >= notebook_zh.MIN_CJK_SHARE


@pytest.mark.parametrize("name", notebook_zh.ZH_NOTEBOOKS)
def test_the_chinese_prose_follows_the_english_as_it_is_now(name):
    """A change to an English section makes its Chinese section stale until reviewed."""
    stale = notebook_zh.stale_sections(name)
    assert stale == [], (
        f"notebooks/zh/{name}.ipynb: the English prose of sections {stale} changed since "
        f"the Chinese was written; translate them, then `python -m tests.notebook_zh "
        f"reviewed {name}` (`python -m tests.notebook_zh status` lists them)"
    )


def test_sync_carries_code_changes_over_and_marks_new_prose(tmp_path, monkeypatch):
    """The tool behind the workflow, on copies: an English edit reaches the Chinese twin."""
    import shutil

    monkeypatch.setattr(notebook_zh, "NOTEBOOK_DIR", tmp_path)
    monkeypatch.setattr(notebook_zh, "ZH_DIR", tmp_path / "zh")
    (tmp_path / "zh").mkdir()
    for folder in ("", "zh/"):
        shutil.copy(
            notebook_zh.REPO_NOTEBOOKS / f"{folder}04_delete_instance.ipynb",
            tmp_path / f"{folder}04_delete_instance.ipynb",
        )
    english = read(tmp_path / "04_delete_instance.ipynb")
    code = [c for c in english["cells"] if c["cell_type"] == "code"]
    code[2]["source"] = "print('changed code')\n"  # an edited cell
    new_prose = {"cell_type": "markdown", "id": "new-md", "metadata": {}, "source": "New words."}
    new_code = {
        "cell_type": "code", "id": "new-code", "metadata": {}, "source": "print('new')\n",
        "outputs": [], "execution_count": None,
    }  # fmt: skip
    english["cells"][-1:-1] = [new_prose, new_code]  # a new section before the last one
    from tests.notebook_files import write

    write(tmp_path / "04_delete_instance.ipynb", english)
    assert notebook_zh.code_differences("04_delete_instance") != []
    stale = notebook_zh.sync("04_delete_instance")
    assert notebook_zh.code_differences("04_delete_instance") == []
    assert len(stale) == 1  # the new section: its English is in, marked to translate
    cells = read(tmp_path / "zh" / "04_delete_instance.ipynb")["cells"]
    marked = [c for c in cells if notebook_zh.TODO_TAG in c["metadata"].get("tags", [])]
    assert [notebook_zh.source(c) for c in marked] == ["New words."]
    assert notebook_zh.english_cells("04_delete_instance") != []  # fails until translated
    edited = [c for c in cells if notebook_zh.source(c) == "print('changed code')\n"]
    assert edited[0]["outputs"] == []  # its Chinese outputs are stale: refresh --zh
    assert sum(bool(CJK.search(notebook_zh.source(c))) for c in cells) >= 7  # prose kept
    marked[0]["source"] = "新的说明文字。"
    marked[0]["metadata"]["tags"].remove(notebook_zh.TODO_TAG)
    zh_notebook = read(tmp_path / "zh" / "04_delete_instance.ipynb")
    zh_notebook["cells"] = cells
    write(tmp_path / "zh" / "04_delete_instance.ipynb", zh_notebook)
    notebook_zh.reviewed("04_delete_instance")
    assert notebook_zh.stale_sections("04_delete_instance") == []
    assert notebook_zh.english_cells("04_delete_instance") == []


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_chinese_notebooks_are_lean_and_show_chinese_outputs(name):
    notebook = zh(name)
    assert is_lean(notebook) == []
    for cell in code_cells(notebook):
        if "".join(cell["source"]).startswith("#"):
            continue  # a commented-out hint cell
        assert cell["execution_count"] is not None, f"{name}: a cell was never run"
        if "nbval-check-output" in cell["metadata"].get("tags", []):
            assert cell["outputs"], f"{name}: a checked cell has no committed output"
    banner = "".join(code_cells(notebook)[0]["outputs"][0]["data"]["text/html"])
    assert "沙箱模式" in banner and "您的进度" in banner and "SANDBOX MODE" not in banner


def test_committed_chinese_notebooks_hold_no_secret():
    for name in notebook_zh.ZH_NOTEBOOKS:
        raw = notebook_zh.zh_path(name).read_text(encoding="utf-8")
        for secret in (REAL_SECRET, LLM_KEY, TTS_KEY):
            assert secret not in raw, name


# --- sandbox mode, under nbval ------------------------------------------------------------------


def test_chinese_notebooks_run_in_sandbox_mode_and_reproduce_the_checked_outputs(
    sandbox_notebooks_zh,
):
    result = sandbox_notebooks_zh.result
    assert result.returncode == 0, failure_report(result)
    assert " passed" in result.stdout and "failed" not in result.stdout
    ledger = Ledger.in_home(sandbox_notebooks_zh.kit_home)
    assert ledger.entries() == [] and ledger.pending_creates() == []  # 04 cleaned up


def test_in_sandbox_mode_the_kit_speaks_chinese_in_the_chinese_notebooks(sandbox_notebooks_zh):
    text = {name: sandbox_notebooks_zh.text(name) for name in NOTEBOOKS}
    assert "沙箱模式" in text["00_setup"] and "您的进度：2/7" in text["00_setup"]
    assert "全部 6 项检查通过。" in text["00_setup"]
    assert "使用笔记本 02 交接的教程实例" in text["03_talk"]
    # a check that has not passed: Chinese, and still naming what to search for
    assert "未通过：" in text["01_register_agent"] and "tutorial_agent" in text["01_register_agent"]
    # codes keep their number, the meaning comes from ZEGO's Chinese table
    assert "410001002" in text["04_delete_instance"]
    assert "签名错误" in text["06_troubleshooting"] and "100000005" in text["06_troubleshooting"]
    assert "诊断：" in text["06_troubleshooting"] and "处理建议：" in text["06_troubleshooting"]
    assert "LLM 通用错误" in text["07_bring_your_own_llm"]
    for name in NOTEBOOKS:
        assert "SANDBOX MODE" not in text[name] and "Your progress" not in text[name], name


# --- real mode, against the stand-in for ZEGO -----------------------------------------------------


def test_chinese_notebooks_run_in_real_mode_against_a_separate_server(real_notebooks_zh):
    assert real_notebooks_zh.error == ""
    for name in NOTEBOOKS:
        text = real_notebooks_zh.text(name)
        assert "真实模式" in text and "REAL MODE" not in text, name
    assert "全部" in real_notebooks_zh.text("00_setup")
    assert real_notebooks_zh.live_instances == []  # 04 deleted what 02 created
    for name, notebook in real_notebooks_zh.notebooks.items():
        raw = json.dumps(notebook, ensure_ascii=False)
        for secret in (REAL_SECRET, LLM_KEY, TTS_KEY):
            assert secret not in raw, f"a secret leaked into zh/{name}"


# --- the trainer's guide ------------------------------------------------------------


def test_the_chinese_trainer_guide_runs_and_speaks_chinese(tmp_path):
    import nbformat

    notebook = nbformat.read(notebook_zh.zh_path("trainer_guide"), as_version=4)
    assert not any(c.get("outputs") for c in notebook.cells if c.cell_type == "code")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZEGO_", "LLM_", "TTS_"))}
    env.update(ZEGO_ENV_FILE="none", ZEGO_KIT_HOME=str(tmp_path), JUPYTER_PREFER_ENV_PATH="1")
    notebook_client(notebook, "zh").execute(env=env)
    text = "\n".join(
        cell_text(c.get("outputs", []))
        + "".join(o.get("data", {}).get("text/markdown", "") for o in c.get("outputs", []))
        for c in notebook.cells
    )
    assert "容量足够" in text and "将并发智能体实例上限提高到至少 30 个" in text
    assert "[ok]   对话：" in text and "[FAIL]" not in text
    assert "培训现场沙箱允许 100 个" in text
