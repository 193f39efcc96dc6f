"""The table of every code an ``Exception`` or ``AgentInstanceDeleted`` callback can carry.

Rendered from :data:`zego_helpers.codes.EXCEPTION_CODES`, so the notebook, the
event view and the sandbox all explain a code the same way::

    from IPython.display import HTML, Markdown
    HTML(exception_table_html())        # or Markdown(exception_table_markdown())
"""

from __future__ import annotations

from html import escape

from ..codes import EXCEPTION_CODES, CodeInfo

#: The usual first-run failures (reference §5.3): shown in bold.
COMMON_FIRST_RUN_CODES = frozenset({1202, 2203, 2303})


def exception_rows() -> list[CodeInfo]:
    """Every documented code, in numeric order."""
    return [EXCEPTION_CODES[code] for code in sorted(EXCEPTION_CODES)]


def exception_table_markdown() -> str:
    """A Markdown table: code | meaning | what to do."""
    lines = ["| Code | Meaning | What to do |", "|---:|---|---|"]
    for info in exception_rows():
        code = f"**{info.code}**" if info.code in COMMON_FIRST_RUN_CODES else str(info.code)
        lines.append(f"| {code} | {_md(info.meaning)} | {_md(info.hint)} |")
    return "\n".join(lines)


def exception_table_html() -> str:
    """The same table as HTML (the usual first-run failures in bold)."""
    rows = []
    for info in exception_rows():
        weight = "font-weight:bold;" if info.code in COMMON_FIRST_RUN_CODES else ""
        rows.append(
            f'<tr style="{weight}"><td style="text-align:right">{info.code}</td>'
            f"<td>{escape(info.meaning)}</td><td>{escape(info.hint)}</td></tr>"
        )
    return (
        '<table class="zego-exception-codes">'
        '<thead><tr><th>Code</th><th style="text-align:left">Meaning</th>'
        '<th style="text-align:left">What to do</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
