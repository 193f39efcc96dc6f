"""The Chinese notebooks in ``notebooks/zh/``: the English notebooks' code, Chinese prose.

One source of truth for code: a Chinese notebook's code cells *are* its English
notebook's, cell for cell (source and tags); only the markdown differs, and the
outputs (the kit speaks Chinese in ``notebooks/zh/``, see
:mod:`zego_helpers.tutorial.language`). The Chinese prose is written in the
Chinese notebook itself (in JupyterLab, like any notebook), by *section*: the
markdown cells in front of each code cell, and those after the last one.

Each Chinese notebook remembers, per section, a fingerprint of the English prose
it was written from (``metadata.zego_kit.translated_from``). So a change to an
English notebook reaches the Chinese one this way::

    edit notebooks/NN_name.ipynb (code or prose)
    python -m tests.notebook_zh sync          # code cells copied over; stale sections listed
    translate the listed sections in notebooks/zh/NN_name.ipynb
    python -m tests.notebook_zh reviewed NN_name
    python -m tests.notebook_runs refresh --zh NN_name   # fresh Chinese outputs

``sync`` keeps each section's Chinese where its code cell is still there (an
edited code cell keeps its place), puts the English prose of a new section in,
marked ``zh-todo``, and drops sections whose code cell is gone. ``status``
lists what is out of date; ``tests/test_notebooks_zh.py`` fails on the same
(code that differs, prose not reviewed against the current English, a
markdown cell that is not Chinese). docs/i18n.md has the whole workflow.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import re
import sys
from pathlib import Path
from typing import Any

from tests.notebook_files import read, write
from tests.notebook_runs import NOTEBOOK_DIR, NOTEBOOKS

ZH_DIR = NOTEBOOK_DIR / "zh"
#: The repository's notebooks folder (tests of the tool point NOTEBOOK_DIR elsewhere).
REPO_NOTEBOOKS = NOTEBOOK_DIR
#: Every notebook that has a Chinese twin.
ZH_NOTEBOOKS = [*NOTEBOOKS, "trainer_guide"]
META = "zego_kit"
TODO_TAG = "zh-todo"
#: What makes two code cells the same code: the source and the tags (nbval reads them).
CODE_KEYS = ("source", "tags")

#: CJK Unified Ideographs (the same test as the catalogue's).
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
#: What is not prose in a markdown cell: fenced code, inline code, link targets, URLs, tags.
_NOT_PROSE = [
    re.compile(r"```.*?```", re.S),
    re.compile(r"`[^`]*`"),
    re.compile(r"\]\([^)]*\)"),
    re.compile(r"https?://\S+"),
    re.compile(r"<[^>]+>"),
]
#: The least share of Chinese characters among the letters of a Chinese markdown cell.
#: ZEGO's own Chinese pages, measured the same way, have prose paragraphs at 0.41 and more
#: (research notes of issue 16); an English paragraph left in has none.
MIN_CJK_SHARE = 0.30


def en_path(name: str) -> Path:
    return NOTEBOOK_DIR / f"{name}.ipynb"


def zh_path(name: str) -> Path:
    return ZH_DIR / f"{name}.ipynb"


def source(cell: dict[str, Any]) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def code_key(cell: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    return source(cell), tuple(cell.get("metadata", {}).get("tags", []))


def sections(notebook: dict[str, Any]) -> tuple[list[dict[str, Any]], list[list[dict[str, Any]]]]:
    """The code cells, and the markdown cells before each (one list more: those after the last)."""
    code: list[dict[str, Any]] = []
    prose: list[list[dict[str, Any]]] = [[]]
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            code.append(cell)
            prose.append([])
        else:
            prose[-1].append(cell)
    return code, prose


def fingerprint(cells: list[dict[str, Any]]) -> str:
    """A short hash of a section's English prose ("" for a section without prose)."""
    text = "\n\n".join(source(c).strip() for c in cells)
    return hashlib.sha256(text.encode()).hexdigest()[:16] if text else ""


def english_fingerprints(name: str) -> list[str]:
    return [fingerprint(cells) for cells in sections(read(en_path(name)))[1]]


def recorded_fingerprints(notebook: dict[str, Any]) -> list[str]:
    return list(notebook.get("metadata", {}).get(META, {}).get("translated_from", []))


def prose_text(cell: dict[str, Any]) -> str:
    text = source(cell)
    for pattern in _NOT_PROSE:
        text = pattern.sub(" ", text)
    return text


def cjk_share(cell: dict[str, Any]) -> float:
    """Chinese characters / (Chinese characters + Latin letters) in a cell's prose (1.0: none)."""
    text = prose_text(cell)
    cjk, latin = len(CJK.findall(text)), len(LATIN.findall(text))
    return cjk / (cjk + latin) if cjk + latin else 1.0


# --- what the tests and ``status`` check -----------------------------------------------------


def code_differences(name: str) -> list[str]:
    """Where the Chinese notebook's code cells differ from the English one's ([]: none)."""
    en_code = [code_key(c) for c in sections(read(en_path(name)))[0]]
    zh_code = [code_key(c) for c in sections(read(zh_path(name)))[0]]
    problems = []
    if len(en_code) != len(zh_code):
        problems.append(f"{len(zh_code)} code cells, the English notebook has {len(en_code)}")
    for index, (en, zh) in enumerate(zip(en_code, zh_code, strict=False)):
        if en != zh:
            what = "source" if en[0] != zh[0] else "tags"
            problems.append(f"code cell {index}: its {what} differs from the English one")
    return problems


def stale_sections(name: str) -> list[int]:
    """Sections whose English prose changed since the Chinese was written (or was never)."""
    current = english_fingerprints(name)
    recorded = recorded_fingerprints(read(zh_path(name)))
    return [
        index
        for index, value in enumerate(current)
        if index >= len(recorded) or recorded[index] != value
    ] + list(range(len(current), len(recorded)))


def english_cells(name: str) -> list[int]:
    """Indexes of the Chinese notebook's markdown cells that are not Chinese enough."""
    cells = read(zh_path(name))["cells"]
    return [
        index
        for index, cell in enumerate(cells)
        if cell["cell_type"] == "markdown"
        and (cjk_share(cell) < MIN_CJK_SHARE or TODO_TAG in cell["metadata"].get("tags", []))
    ]


# --- sync and reviewed ---------------------------------------------------------------------


def _todo(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The English prose of a new section, marked for translation."""
    marked = copy.deepcopy(cells)
    for cell in marked:
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if TODO_TAG not in tags:
            tags.append(TODO_TAG)
        cell["id"] = f"zh-{cell.get('id', 'cell')}"[:64]
    return marked


def sync(name: str) -> list[int]:
    """Bring the Chinese notebook's code up to the English one's; returns the stale sections.

    A Chinese notebook that does not exist yet is made from the English one, every section
    marked for translation.
    """
    english = read(en_path(name))
    en_code, en_prose = sections(english)
    if zh_path(name).exists():
        chinese = read(zh_path(name))
        zh_code, zh_prose = sections(chinese)
        recorded = recorded_fingerprints(chinese)
    else:
        chinese = copy.deepcopy(english)
        chinese["cells"], zh_code, zh_prose, recorded = [], [], [[]], []
    # Which Chinese code cell each English one is: by source, so an inserted or removed
    # cell does not shift the others' prose; a cell edited in place keeps its section.
    matcher = difflib.SequenceMatcher(
        a=[source(c) for c in zh_code], b=[source(c) for c in en_code], autojunk=False
    )
    match: dict[int, int] = {}
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and a1 - a0 == b1 - b0):
            match.update({b0 + k: a0 + k for k in range(b1 - b0)})
    cells: list[dict[str, Any]] = []
    kept: list[str] = []
    for index, en_cells in enumerate(en_prose):
        mine = match.get(index) if index < len(en_code) else len(zh_code)
        if mine is not None and mine < len(zh_prose) and zh_prose[mine]:
            cells += zh_prose[mine]
            kept.append(recorded[mine] if mine < len(recorded) else "")
        else:
            cells += _todo(en_cells)
            kept.append("" if en_cells else fingerprint(en_cells))
        if index < len(en_code):
            cells.append(_code_cell(en_code[index], zh_code[mine] if mine is not None else None))
    chinese["cells"] = cells
    chinese.setdefault("metadata", {})[META] = {
        "source": f"../{name}.ipynb",
        "translated_from": kept,
    }
    write(zh_path(name), chinese)
    return stale_sections(name)


def _code_cell(english: dict[str, Any], chinese: dict[str, Any] | None) -> dict[str, Any]:
    """The English code cell, with the Chinese outputs while its code is unchanged."""
    cell = copy.deepcopy(english)
    cell["id"] = (
        chinese.get("id", f"zh-{english.get('id')}") if chinese else f"zh-{english.get('id')}"
    )
    if chinese is not None and code_key(chinese) == code_key(english):
        cell["outputs"] = chinese.get("outputs", [])
        cell["execution_count"] = chinese.get("execution_count")
    else:
        cell["outputs"], cell["execution_count"] = [], None  # run refresh --zh
    return cell


def reviewed(name: str, which: list[int] | None = None) -> None:
    """Record that the Chinese of ``which`` sections (default: all) follows the current English."""
    chinese = read(zh_path(name))
    current = english_fingerprints(name)
    recorded = recorded_fingerprints(chinese)
    recorded += [""] * (len(current) - len(recorded))
    for index in range(len(current)) if which is None else which:
        recorded[index] = current[index]
    for cell in chinese["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if TODO_TAG in tags and (which is None):
            tags.remove(TODO_TAG)
    chinese["metadata"][META]["translated_from"] = recorded[: len(current)]
    write(zh_path(name), chinese)


def status(names: list[str]) -> int:
    """Print what is out of date; 1 if anything is."""
    out_of_date = 0
    for name in names:
        if not zh_path(name).exists():
            print(f"{name}: no Chinese notebook (python -m tests.notebook_zh sync {name})")
            out_of_date = 1
            continue
        problems = [f"code: {p}" for p in code_differences(name)]
        english_prose = sections(read(en_path(name)))[1]
        for index in stale_sections(name):
            first = (
                source(english_prose[index][0]).splitlines()[0]
                if index < len(english_prose) and english_prose[index]
                else "(gone)"
            )
            problems.append(f"section {index} not reviewed against the English ({first[:60]})")
        problems += [f"cell {i} is not Chinese" for i in english_cells(name)]
        for problem in problems:
            print(f"{name}: {problem}")
        out_of_date |= bool(problems)
    return out_of_date


def _main(argv: list[str]) -> int:
    command, names = (argv[0] if argv else ""), argv[1:]
    if command == "sync":
        for name in names or ZH_NOTEBOOKS:
            stale = sync(name)
            note = f"translate sections {stale}, then `reviewed {name}`" if stale else "up to date"
            print(f"notebooks/zh/{name}.ipynb: code synced; {note}")
        return 0
    if command == "reviewed" and names:
        reviewed(names[0], [int(n) for n in names[1:]] or None)
        return 0
    if command == "status":
        return status(names or ZH_NOTEBOOKS)
    print(
        "usage: python -m tests.notebook_zh sync [NAME...] | reviewed NAME [SECTION...] "
        "| status [NAME...]"
    )
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
