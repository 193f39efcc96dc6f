"""The kit's home folder (``ZEGO_KIT_HOME``, default ``~/.zego_kit``), private to you.

It holds the ledger of live instances, your progress and the embedded
sandbox's credentials and state: things other users of the machine have no
business reading. So the folder is created with mode 0700 (owner only), and
a folder of yours that is more open (say 0755, from an older version or a
plain ``mkdir``) is tightened to 0700 the next time the kit uses it. A
folder owned by someone else is left alone, with a warning.

Two functions:

* :func:`check_kit_home` only looks (no side effect): :func:`load_settings`
  uses it so that ``ZEGO_KIT_HOME=/etc/passwd`` is a clear error at once.
* :func:`ensure_kit_home` creates or tightens the folder; call it before
  writing into it.
"""

from __future__ import annotations

import os
import stat
import warnings
from pathlib import Path

from .errors import ConfigError
from .i18n import N_, _

#: Owner may read, write and enter; nobody else anything.
KIT_HOME_MODE = 0o700
VARIABLE = "ZEGO_KIT_HOME"
#: English here; translated when an error is made (:func:`zego_helpers.i18n.N_`).
_FIX = N_("set ZEGO_KIT_HOME to a folder of yours (it is created if missing), or leave it empty")


class KitHomeWarning(UserWarning):
    """The kit home is readable by others and the kit cannot tighten it."""


def check_kit_home(home: Path) -> None:
    """Raise :class:`ConfigError` if ``home`` or one of its parents is a file, not a folder."""
    for candidate in (home, *home.parents):
        try:
            exists, is_dir = candidate.exists() or candidate.is_symlink(), candidate.is_dir()
        except OSError as error:  # e.g. a parent we may not enter
            reason = error.strerror or type(error).__name__
            problem = _("cannot look at {path} ({reason})").format(path=candidate, reason=reason)
            raise ConfigError(VARIABLE, problem, _(_FIX)) from None
        if exists:
            if not is_dir:
                problem = (
                    _("{home} is a file, not a folder")
                    if candidate == home
                    else _("{home} is inside {path}, which is a file, not a folder")
                ).format(home=home, path=candidate)
                raise ConfigError(VARIABLE, problem, _(_FIX))
            return  # the nearest existing ancestor is a folder: the rest can be created


def ensure_kit_home(path: str | Path) -> Path:
    """Create the kit home with mode 0700 (or tighten one of yours); returns its path."""
    home = Path(path).expanduser()
    check_kit_home(home)
    try:
        home.mkdir(mode=KIT_HOME_MODE, parents=True, exist_ok=True)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        problem = _("cannot create {path} ({reason})").format(path=home, reason=reason)
        raise ConfigError(VARIABLE, problem, _(_FIX)) from None
    _make_private(home)
    return home


def _make_private(home: Path) -> None:
    if not hasattr(os, "getuid"):  # Windows: folder permissions are ACLs, not mode bits
        return
    info = home.stat()
    if not stat.S_IMODE(info.st_mode) & 0o077:
        return
    if info.st_uid == os.getuid():
        os.chmod(home, KIT_HOME_MODE)
        return
    warnings.warn(
        _(
            "the kit home {home} is readable by other users and belongs to someone else; "
            "set {variable} to a folder of your own"
        ).format(home=home, variable=VARIABLE),
        KitHomeWarning,
        stacklevel=3,
    )
