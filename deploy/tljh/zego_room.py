# The ZEGO AI Agent kit's workshop room on The Littlest JupyterHub (TLJH).
#
# Install: copy this file to /opt/tljh/config/jupyterhub_config.d/zego_room.py, then
# `sudo tljh-config reload hub` (the full steps: deploy/README.md). TLJH loads every *.py in
# that folder after its own settings (https://tljh.jupyter.org/en/latest/topic/escape-hatch.html).
#
# What every attendee then gets, with nothing to type:
#   * their attendee name: ZEGO_ATTENDEE is their hub user name, so their ids never collide
#     with anyone else's and the trainer's dashboard shows them by name;
#   * the room's settings (the room sandbox's URL, AppID and secret, or the workshop's real
#     credentials) from ONE file the trainer writes once: ROOM_FILE below, read at every
#     server start (a changed file needs a server restart, not a hub restart);
#   * their own copy of the notebooks in ~/zego-kit/notebooks, opened at 00_setup.ipynb.
#
# This file runs inside the *hub's* Python (/opt/tljh/hub), where the kit is not installed,
# so it uses the standard library only. The kit's own test (tests/hub/) loads it unchanged
# into a real local JupyterHub, with ZEGO_ROOM_FILE and ZEGO_KIT_DIR set to test paths.
import os
from pathlib import Path

c = get_config()  # noqa: F821 (JupyterHub provides it when it loads the file)

# The room settings file: KEY=VALUE lines, root-only (0600). `zego-kit sandbox --write-env`
# writes it for a room sandbox; for real credentials write ZEGO_APP_ID and ZEGO_SERVER_SECRET.
ROOM_FILE = Path(os.environ.get("ZEGO_ROOM_FILE", "/opt/tljh/config/zego-room.env"))
# The kit's checkout, installed into the users' environment (deploy/README.md).
KIT_DIR = Path(os.environ.get("ZEGO_KIT_DIR", "/opt/zego-kit"))
# Only the kit's own settings reach the attendees' servers: a room file cannot set PATH.
ALLOWED_PREFIXES = ("ZEGO_", "NEXT_PUBLIC_ZEGO_", "LLM_", "TTS_")
# Set by this file for each attendee; a room file may not override them.
SET_HERE = ("ZEGO_ATTENDEE", "ZEGO_ENV_FILE", "ZEGO_KIT_SOURCE")


class RoomFileError(Exception):
    """The room settings file cannot be used; the message names the file, the line and the fix."""


def read_room_file(path):
    """The settings in ``path``: KEY=VALUE lines, ``#`` comments, optional quotes, ``export``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RoomFileError(
            f"{path} does not exist: the trainer writes the room's settings there once "
            "(`zego-kit sandbox --write-env` does it for a room sandbox)"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise RoomFileError(f"{path} cannot be read ({error})") from None
    values = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        key = key[len("export ") :].strip() if key.startswith("export ") else key
        value = value.strip()
        if not sep or not key.isidentifier():
            raise RoomFileError(f"{path} line {number}: expected KEY=VALUE")
        if not key.startswith(ALLOWED_PREFIXES) or key in SET_HERE:
            raise RoomFileError(
                f"{path} line {number}: {key} is not a room setting (only ZEGO_, LLM_ and "
                f"TTS_ settings are, except {', '.join(SET_HERE)}, which the hub sets)"
            )
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


def room_settings(spawner):
    """Before each server starts: the room file's settings join the attendee's environment."""
    room = read_room_file(ROOM_FILE)
    spawner.environment = {**room, **spawner.environment}  # the hub's own variables win


c.Spawner.pre_spawn_hook = room_settings
c.Spawner.environment.update(
    {
        # the hub user name, as typed at login (TLJH's Unix user is jupyter-<name>)
        "ZEGO_ATTENDEE": lambda spawner: spawner.user.name,
        # settings come from the room file, never from a stray .env in someone's home
        "ZEGO_ENV_FILE": "none",
        # `start` copies the notebooks from here into ~/zego-kit once
        "ZEGO_KIT_SOURCE": str(KIT_DIR),
    }
)
# The kit's `start` (the same script repo2docker runs) copies the notebooks, then execs the server.
c.Spawner.cmd = [str(KIT_DIR / "start"), "jupyterhub-singleuser"]
c.Spawner.notebook_dir = "~/zego-kit/notebooks"
c.Spawner.default_url = "/lab/tree/00_setup.ipynb"
