"""What "readable output" means in the tests: marks without emoji, left-aligned tables.

Shared by the unit tests of the widgets and the notebook tests (which read
the executed notebooks' HTML outputs).
"""

from __future__ import annotations

import html
import re

#: Characters that are emoji (or usually drawn as emoji) in the ranges a state mark would use:
#: ✅ ❌ ✔ ☑ ⚠ ⬜ ⬛ and everything in the emoji planes, plus the emoji variation selector.
EMOJI = re.compile("[\u2600-\u27bf\u2b00-\u2bff\ufe0f\U0001f000-\U0001faff]")


def emoji_in(markup: str) -> list[str]:
    """The emoji characters in ``markup``, entities decoded (``&#9989;`` is ✅)."""
    return EMOJI.findall(html.unescape(markup))


def cells_not_left_aligned(markup: str) -> list[str]:
    """Every ``<td>``/``<th>`` whose own style does not say ``text-align:left``.

    JupyterLab right-aligns table cells of HTML outputs (for numbers); a table
    meant to be read must say left on each cell.
    """
    cells = re.findall(r"<t[dh](?:\s[^>]*)?>", markup)
    return [cell for cell in cells if "text-align:left" not in cell.replace(" ", "")]
