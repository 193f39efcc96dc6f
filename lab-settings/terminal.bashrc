# The shell of JupyterLab's Terminal when JupyterLab runs from the kit's .venv (`make lab`).
#
# JupyterLab starts a *login* shell when its own output is not a terminal (run from a script,
# or `make lab &`), and a login shell reads /etc/profile, which resets PATH: the kit's Python
# and `zego-kit` were gone ("bash: python: command not found"). The Makefile makes the
# Terminal run `bash --rcfile <this file>` instead, a normal interactive shell that:
#   1. reads your usual ~/.bashrc (your prompt, aliases, conda ...),
#   2. then activates the kit's .venv, so `python`, `zego-kit` and `jupyter` are the kit's,
#   3. and starts in the kit's folder, where the README's commands are typed.

if [ -r "$HOME/.bashrc" ]; then
  . "$HOME/.bashrc"
fi

ZEGO_KIT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ZEGO_KIT_DIR/.venv/bin/activate"
cd "$ZEGO_KIT_DIR" || true
