"""Which revision of ZEGO's documentation the kit follows, and how it cites a page.

ZEGO writes its AI Agent docs in the public repository ``ZEGOCLOUD/docs_all``
(English under ``core_products/aiagent/en/server/``, Chinese under ``zh/``);
zegocloud.com/docs and doc-zh.zego.im are built from it. Every rule the kit
checks names its page in a comment, and the enums it knows (vendors, codes)
are pinned to :data:`DOCS_REVISION` by ``tests/data/zego_docs_enums.json``,
so a change in ZEGO's docs shows up as one failing test and one visible diff.

Some pages disagree with each other, or say a field is "only effective when"
something else is set. The kit then takes the tolerant side: it sends the
request and raises a :class:`DocsWarning` that quotes the rule and cites the
page(s), instead of refusing what ZEGO may well accept.
"""

from __future__ import annotations

import warnings

from .i18n import _, get_language

#: The commit of ZEGOCLOUD/docs_all the kit was last checked against, and its date.
DOCS_REPOSITORY = "https://github.com/ZEGOCLOUD/docs_all"
DOCS_REVISION = "7fdebd415add0099ed467ae48a0c7a55bd3abd87"
DOCS_REVISION_DATE = "2026-08-21"

#: Page addresses, from the file path below ``core_products/aiagent/<lang>/server/``.
EN_SERVER_DOCS = "https://www.zegocloud.com/docs/aiagent-server/"
ZH_SERVER_DOCS = "https://doc-zh.zego.im/aiagent-server/"


def doc_page(path: str, *, chinese: bool = False) -> str:
    """The address of one server-side page, e.g. ``doc_page("guides/configuring-asr")``."""
    return (ZH_SERVER_DOCS if chinese else EN_SERVER_DOCS) + path.strip("/")


def page_for_reader(url: str) -> str:
    """``url`` as a message shows it: the Chinese twin of an English server page in Chinese.

    The zh and en server docs are built from files at the same paths (both sites use
    the route ``aiagent-server/``), so ``.../docs/aiagent-server/guides/configuring-tts``
    becomes ``https://doc-zh.zego.im/aiagent-server/guides/configuring-tts``. Every
    page the kit cites has its Chinese file at that path in ZEGO's docs (checked at
    :data:`DOCS_REVISION`). Other addresses are returned unchanged.
    """
    if get_language() == "zh" and url.startswith(EN_SERVER_DOCS):
        return ZH_SERVER_DOCS + url[len(EN_SERVER_DOCS) :]
    return url


class DocsWarning(UserWarning):
    """The request is sent, but ZEGO's docs say it may not do what you expect.

    Raised for a field the docs call "only effective when ..." (VAD custom
    thresholds without ``Level`` 3), a value beyond one page's range but within
    another's (``WindowSize`` above 100), or a setting ZEGO ignores (a second
    FunASR language). The message quotes the rule and names the page(s).
    """


def warn_docs(field: str, message: str, *pages: str, stacklevel: int = 3) -> None:
    """Raise a :class:`DocsWarning` about ``field``: ``message`` (translated), then the pages."""
    shown = _(" and ").join(page_for_reader(page) for page in pages)
    where = _(" (see {pages})").format(pages=shown) if pages else ""
    warnings.warn(
        _("{field}: {problem}").format(field=field, problem=message) + where,
        DocsWarning,
        stacklevel=stacklevel,
    )
