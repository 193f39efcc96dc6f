"""The kit's settings for JupyterLab's server. ``make venv`` copies this file to
``.venv/etc/jupyter/``, so they hold for the kit's JupyterLab only, not for your others.

* **The Terminal** runs ``bash --rcfile lab-settings/terminal.bashrc``: your usual shell
  set-up, then the kit's ``.venv`` activated, in the kit's folder. (Left to itself,
  JupyterLab starts a login shell when its output is not a terminal, and /etc/profile then
  resets PATH: ``python`` and ``zego-kit`` were not found.)
* **No warning when a Terminal opens.** Jupyter Server asks for a websocket ping timeout of
  90 s but pings every 30 s, and Tornado warns that the timeout cannot be longer than the
  interval; 30 s for both says the same without the warning.
"""

from pathlib import Path

c = get_config()  # noqa: F821 (provided by Jupyter when it reads this file)

KIT_DIR = Path(__file__).resolve().parents[3]  # <kit>/.venv/etc/jupyter/this file
TERMINAL_RC = KIT_DIR / "lab-settings" / "terminal.bashrc"

c.ServerApp.terminado_settings = {"shell_command": ["bash", "--rcfile", str(TERMINAL_RC)]}
c.ServerApp.tornado_settings = {"ws_ping_timeout": 30_000}  # milliseconds, as the interval
