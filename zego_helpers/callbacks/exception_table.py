"""The table of every code an ``Exception`` or ``AgentInstanceDeleted`` callback can carry.

Rendered from :data:`zego_helpers.codes.EXCEPTION_CODES`, so the notebook, the
event view and the sandbox all explain a code the same way, in the language in
use (in Chinese: ZEGO's 事件名称 and 处理建议, from its 异常事件错误码 page)::

    from IPython.display import HTML, Markdown
    HTML(exception_table_html())        # or Markdown(exception_table_markdown())
"""

from __future__ import annotations

from html import escape

from ..codes import EXCEPTION_CODES, CodeInfo
from ..i18n import _

#: The usual first-run failures (reference §5.3): shown in bold.
COMMON_FIRST_RUN_CODES = frozenset({1202, 2203, 2303})


def exception_rows() -> list[CodeInfo]:
    """Every documented code, in numeric order."""
    return [EXCEPTION_CODES[code] for code in sorted(EXCEPTION_CODES)]


def exception_table_markdown() -> str:
    """A Markdown table: code | meaning | what to do."""
    titles = " | ".join(_column_titles())
    lines = [f"| {titles} |", "|---:|---|---|"]
    for info in exception_rows():
        code = f"**{info.code}**" if info.code in COMMON_FIRST_RUN_CODES else str(info.code)
        lines.append(f"| {code} | {_md(info.meaning)} | {_md(info.hint)} |")
    return "\n".join(lines)


#: Every cell says left: JupyterLab right-aligns the cells of HTML outputs (meant for numbers),
#: which puts text under headers that start elsewhere.
_CELL = 'style="text-align:left;vertical-align:top;padding:2px 8px"'


def exception_table_html() -> str:
    """The same table as HTML, left-aligned (the usual first-run failures in bold)."""
    rows = []
    for info in exception_rows():
        weight = ' style="font-weight:bold"' if info.code in COMMON_FIRST_RUN_CODES else ""
        rows.append(
            f"<tr{weight}><td {_CELL}>{info.code}</td>"
            f"<td {_CELL}>{escape(info.meaning)}</td><td {_CELL}>{escape(info.hint)}</td></tr>"
        )
    head = "".join(f"<th {_CELL}>{escape(title)}</th>" for title in _column_titles())
    return (
        '<table class="zego-exception-codes" style="border-collapse:collapse">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _column_titles() -> tuple[str, str, str]:
    """The three column titles (in Chinese, those of ZEGO's page: 事件码 / 事件名称 / 处理建议)."""
    return _("Code"), _("Meaning"), _("What to do")


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
