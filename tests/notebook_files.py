"""Keep the committed notebooks lean: outputs that teach, no bulky widget state.

A notebook executed by nbclient (or saved from JupyterLab with "save widget
state") carries the state of every widget it showed in
``metadata.widgets``: for notebook 01, 114 KB of form models, 70% of the file.
None of it is needed to read the notebook, and a widget output whose state is
gone shows as "Error displaying widget: model not found".

:func:`strip_widget_state` therefore:

* drops ``metadata.widgets``;
* in each widget output, drops the widget view (``application/vnd.jupyter.widget-view+json``)
  and keeps what renders anywhere, in JupyterLab before you run the cell and
  on GitHub: ``text/plain`` (the kit's widgets give a one-line description)
  and ``text/html`` where the widget has one. That HTML is brought up to date
  from the saved state first: the banner's progress checklist and the event
  view show what they showed at the *end* of the run, not when they appeared;
* drops per-cell execution timing, which changes on every run.

Outputs of ordinary cells, and every ``nbval-check-output`` output, are kept
as they are.

Use it after editing a notebook in JupyterLab, before committing::

    .venv/bin/python -m tests.notebook_files strip notebooks/*.ipynb
    .venv/bin/python -m tests.notebook_files check notebooks/*.ipynb   # exit 1 if not lean

``python -m tests.notebook_runs refresh`` runs it on the notebooks it executes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _state_of(notebook: dict[str, Any]) -> dict[str, Any]:
    widgets = notebook.get("metadata", {}).get("widgets", {})
    return widgets.get(WIDGET_STATE, {}).get("state", {})


def final_html(model_id: str, state: dict[str, Any], depth: int = 0) -> str:
    """The HTML a widget showed at the end of the run, from its saved state ("" if none).

    An ``HTML`` widget's ``value``; a box's children's, in order (the banner
    is an HTML widget above the progress checklist).
    """
    model = state.get(model_id)
    if model is None or depth > 20:
        return ""
    values = model.get("state", {})
    if model.get("model_name") == "HTMLModel":
        return str(values.get("value") or "")
    parts = []
    for child in values.get("children") or []:
        if isinstance(child, str) and child.startswith("IPY_MODEL_"):
            parts.append(final_html(child.removeprefix("IPY_MODEL_"), state, depth + 1))
    return "".join(parts)


def strip_widget_state(notebook: dict[str, Any]) -> dict[str, Any]:
    """The notebook without widget state (see the module docstring); changes it in place."""
    state = _state_of(notebook)
    for cell in notebook.get("cells", []):
        cell.get("metadata", {}).pop("execution", None)
        for output in cell.get("outputs", []):
            data = output.get("data")
            if not data or WIDGET_VIEW not in data:
                continue
            view = data.pop(WIDGET_VIEW)
            if "text/html" in data:
                html = final_html(str(view.get("model_id", "")), state)
                if html:
                    data["text/html"] = html
    notebook.get("metadata", {}).pop("widgets", None)
    return notebook


def is_lean(notebook: dict[str, Any]) -> list[str]:
    """What is not lean in ``notebook``; ``[]`` when nothing."""
    problems = []
    if "widgets" in notebook.get("metadata", {}):
        problems.append("metadata.widgets (saved widget state)")
    for index, cell in enumerate(notebook.get("cells", [])):
        for output in cell.get("outputs", []):
            if WIDGET_VIEW in output.get("data", {}):
                problems.append(f"cell {index}: a widget view whose state is not saved")
    return problems


def read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def write(path: Path, notebook: dict[str, Any]) -> None:
    """Write as Jupyter does (one-space indent, UTF-8 kept, final newline)."""
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in ("strip", "check"):
        print("usage: python -m tests.notebook_files strip|check NOTEBOOK.ipynb...")
        return 2
    status = 0
    for name in argv[1:]:
        path = Path(name)
        notebook = read(path)
        if argv[0] == "strip":
            before = path.stat().st_size
            write(path, strip_widget_state(notebook))
            print(f"{path}: {before} -> {path.stat().st_size} bytes")
        else:
            for problem in is_lean(notebook):
                print(f"{path}: {problem}")
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
