"""The room file: what makes a room sandbox the same room after a restart.

A room sandbox hands every attendee its URL, AppID and ServerSecret once, at the
start of the day (or through a JupyterHub's room settings). If a restart made up
new ones, the whole room would have to paste new values. So ``zego-kit sandbox``
keeps them in a small JSON file, ``<kit home>/room.json`` by default (mode 0600:
it holds the secret and the trainer token)::

    {"Format": 1, "AppId": 1234567890, "ServerSecret": "...", "Host": "0.0.0.0",
     "Port": 8123, "InstanceLimit": 100, "RateLimit": null, "TrainerToken": "..."}

The rule: **an option given on the command line wins and is remembered; an
option left out comes from the file**. So the first start says what the room
is (``--host 0.0.0.0 --port 8123 --app-id ... --secret ...``, or random
credentials), and ``zego-kit sandbox`` with no options restarts the same room.
The trainer token is made up on the first start and kept (``ZEGO_ROOM_TOKEN`` in
the environment, when set, is the token instead: a deployment keeps it in a secret).
The port actually bound is remembered too, so even ``--port 0`` (any free port)
stays the same port after a restart.

A damaged file is never replaced silently (that would change the room's
credentials behind the trainer's back): it is an error naming the file and the
fix. The file is written atomically (a temporary file in the same folder, then
a rename), so a crash never leaves half of it.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ..atomic_file import replace_file
from ..constants import MAX_APP_ID, SERVER_SECRET_LENGTH
from ..errors import ConfigError

ROOM_FILE = "room.json"
#: A trainer token chosen outside the room file (a Kubernetes Secret): ``zego-kit sandbox``
#: serves with it, and ``zego-kit room --url`` sends it.
TOKEN_VARIABLE = "ZEGO_ROOM_TOKEN"
MIN_TOKEN_CHARS = 16
FORMAT = 1
MAX_INSTANCE_LIMIT = 100_000
_FIX = (
    "fix the value, or delete the file to start a new room (attendees then need its new settings)"
)


@dataclass(frozen=True)
class Room:
    """A room sandbox's settings, as remembered in its room file."""

    app_id: int
    server_secret: str = field(repr=False)
    host: str = "127.0.0.1"
    port: int = 0
    instance_limit: int = 10
    #: Requests per second per action; ``None`` = no limit.
    rate_limit: int | None = 10
    trainer_token: str = field(default="", repr=False)

    def with_options(self, **given: Any) -> Room:
        """This room with every option that was given (not ``None``) put in."""
        return replace(self, **{name: value for name, value in given.items() if value is not None})

    def to_json(self) -> dict[str, Any]:
        names = {
            "app_id": "AppId",
            "server_secret": "ServerSecret",
            "host": "Host",
            "port": "Port",
            "instance_limit": "InstanceLimit",
            "rate_limit": "RateLimit",
            "trainer_token": "TrainerToken",
        }
        return {"Format": FORMAT, **{names[k]: v for k, v in asdict(self).items()}}


def load_room(path: Path) -> Room | None:
    """The room remembered in ``path``, or ``None`` when there is no file yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        raise ConfigError(str(path), f"cannot read the room file ({reason})", _FIX) from None
    try:
        data = json.loads(text)
    except ValueError:
        raise ConfigError(str(path), "is not a room file (not JSON)", _FIX) from None
    if not isinstance(data, dict) or data.get("Format") != FORMAT:
        raise ConfigError(str(path), f"is not a room file of format {FORMAT}", _FIX)
    _keep_private(path)
    return Room(
        app_id=_number(path, data, "AppId", 1, MAX_APP_ID),
        server_secret=_secret(path, data),
        host=_text(path, data, "Host"),
        port=_number(path, data, "Port", 0, 65535),
        instance_limit=_number(path, data, "InstanceLimit", 0, MAX_INSTANCE_LIMIT),
        rate_limit=(
            None
            if data.get("RateLimit") is None
            else _number(path, data, "RateLimit", 1, MAX_INSTANCE_LIMIT)
        ),
        trainer_token=_text(path, data, "TrainerToken", min_length=MIN_TOKEN_CHARS),
    )


def save_room(path: Path, room: Room) -> None:
    """Write ``room`` to ``path`` (mode 0600), atomically."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    replace_file(path, (json.dumps(room.to_json(), indent=2) + "\n").encode())


def _keep_private(path: Path) -> None:
    """Tighten a room file others may read (it holds the secret and the trainer token)."""
    with contextlib.suppress(OSError):
        found = path.stat()
        if found.st_mode & 0o077 and found.st_uid == os.getuid():
            path.chmod(0o600)


def _number(path: Path, data: dict[str, Any], name: str, low: int, high: int) -> int:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{path}: {name}", f"must be a whole number from {low} to {high}", _FIX)
    return value


def _text(path: Path, data: dict[str, Any], name: str, min_length: int = 1) -> str:
    value = data.get(name)
    if not isinstance(value, str) or len(value.strip()) < min_length:
        raise ConfigError(
            f"{path}: {name}", f"must be a text of at least {min_length} characters", _FIX
        )
    return value.strip()


def _secret(path: Path, data: dict[str, Any]) -> str:
    value = data.get("ServerSecret")
    if not isinstance(value, str) or len(value) != SERVER_SECRET_LENGTH:
        # the value itself never reaches a message
        raise ConfigError(
            f"{path}: ServerSecret", f"must be {SERVER_SECRET_LENGTH} characters long", _FIX
        )
    return value
