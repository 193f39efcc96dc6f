"""One-click launch: the repository builds with repo2docker as it is, and comes up in sandbox mode.

Binder, and a Zero to JupyterHub image, are built by repo2docker from the repository's own
files (``requirements.txt``, ``runtime.txt``, ``postBuild``, ``start``). Docker is not needed
to check that recipe, because repo2docker can say what it would do:

* its command line renders the Dockerfile without building (``--no-build``);
* its build pack, chosen the way repo2docker chooses it, lists its scripts: install the
  requirements, install the package, run ``postBuild``, then ``start`` at every launch.

The replay test runs exactly those scripts, as repo2docker hands them out, in a clean venv
standing in for the image's Python environment, on a copy of the repository's files, with no
ZEGO setting in the environment (a Binder session has none). Then Run All on notebook 00
through ``start``, as a session starts: it must run without an error, in sandbox mode.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
#: repo2docker imports an old path of python-json-logger; not the kit's to fix.
pytestmark = pytest.mark.filterwarnings(
    "ignore:pythonjsonlogger.jsonlogger has been moved:DeprecationWarning"
)
SETTING_PREFIXES = ("ZEGO_", "NEXT_PUBLIC_ZEGO_", "LLM_", "TTS_")
#: The launch badge's link: the Binder service, a GitHub repository, a ref, the first notebook.
BINDER_LINK = re.compile(
    r"https://mybinder\.org/v2/gh/(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+)/(?P<ref>[\w./-]+)"
    r"\?urlpath=lab/tree/(?P<path>[\w./-]+)"
)


def copy_of_the_repository(target: Path) -> Path:
    """What a clone holds: the tracked files and new ones not ignored (no .venv, no caches)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (raw.decode() for raw in listed)):
        source = REPO_ROOT / name
        if source.is_file():  # a file deleted in the work tree but not yet in git is skipped
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def build_plan(repo: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The build pack repo2docker picks for ``repo`` (as ``Repo2Docker.build`` does), its steps."""
    from repo2docker.app import Repo2Docker

    app = Repo2Docker()
    monkeypatch.chdir(repo)  # the build packs look at the current folder
    for pack_class in app.buildpacks:
        pack = pack_class(base_image=app.base_image)
        if pack.detect():
            break
    else:
        pack = app.default_buildpack(base_image=app.base_image)
    pack.platform = "linux/amd64"  # set by Repo2Docker.build() before it renders
    return {
        "buildpack": type(pack).__name__,
        "python_version": pack.python_version,
        "binder_dir": pack.binder_dir,
        "preassemble": pack.get_preassemble_scripts(),
        "assemble": pack.get_assemble_scripts(),
        "post_build": pack.get_post_build_scripts(),
        "start": pack.get_start_script(),
    }


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_of_the_repository(tmp_path_factory.mktemp("repository") / "zego-kit")


def test_repo2docker_renders_the_kits_image_from_its_own_files(repository: Path) -> None:
    repo2docker = Path(sys.executable).parent / "repo2docker"
    rendered = subprocess.run(
        [str(repo2docker), "--no-build", "--no-run", "--debug"]
        + ["--user-id", "1000", "--user-name", "jovyan", str(repository)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    dockerfile = rendered.stdout + rendered.stderr
    assert rendered.returncode == 0, dockerfile[-3000:]
    assert 'pip install --no-cache-dir -r "requirements.txt"' in dockerfile
    assert "pip install --no-cache-dir ." in dockerfile
    assert "RUN ./postBuild" in dockerfile
    assert 'ENV R2D_ENTRYPOINT="${REPO_DIR}/start"' in dockerfile
    assert "apt-get install" not in dockerfile.split("COPY --chown=1000:1000 src/")[1]


def test_repo2docker_picks_python_311_and_the_kits_scripts(repository, monkeypatch) -> None:
    plan = build_plan(repository, monkeypatch)
    assert plan["buildpack"] == "PythonBuildPack"
    assert plan["python_version"] == "3.11"  # runtime.txt (else repo2docker picks 3.10)
    assert plan["binder_dir"] == ""  # a binder/ folder would hide these files and `pip install .`
    assert plan["preassemble"] == []  # nothing as root: no apt.txt
    scripts = [script for _user, script in plan["assemble"]]
    assert any('pip install --no-cache-dir -r "requirements.txt"' in s for s in scripts)
    assert any(s.strip().endswith("pip install --no-cache-dir .") for s in scripts)
    assert plan["post_build"] == ["postBuild"]
    assert plan["start"] == "${REPO_DIR}/start"


def test_the_repo2docker_steps_in_a_clean_venv_then_run_all_on_00_in_sandbox_mode(
    repository: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = build_plan(repository, monkeypatch)
    monkeypatch.chdir(tmp_path)
    prefix, home = tmp_path / "env", tmp_path / "home"
    home.mkdir()
    subprocess.run([sys.executable, "-m", "venv", str(prefix)], check=True, timeout=300)
    env = {k: v for k, v in os.environ.items() if not k.startswith(SETTING_PREFIXES)}
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)
    env.update(
        HOME=str(home),
        REPO_DIR=str(repository),
        NB_USER=os.environ.get("USER", "jovyan"),
        NB_PYTHON_PREFIX=str(prefix),
        KERNEL_PYTHON_PREFIX=str(prefix),
        CONDA_DIR=str(prefix),
        PATH=f"{prefix}/bin:{home}/.local/bin:{repository}/.local/bin:{os.environ['PATH']}",
    )

    def step(command: list[str] | str, **options: Any) -> None:
        done = subprocess.run(
            command,
            cwd=repository,
            env=env,
            shell=isinstance(command, str),
            executable="/bin/bash" if isinstance(command, str) else None,
            capture_output=True,
            text=True,
            timeout=900,
            **options,
        )
        assert done.returncode == 0, f"{command}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"

    for _user, script in plan["assemble"]:  # pip install -r requirements.txt; pip install .
        step(f"set -euo pipefail\n{script}")
    for script in plan["post_build"]:
        step(["chmod", "+x", script])
        step([f"./{script}"])
    settings = prefix / "share/jupyter/lab/settings/overrides.json"
    assert json.loads(settings.read_text()) == json.loads(
        (REPO_ROOT / "lab-settings/overrides.json").read_text()
    )

    start = plan["start"].replace("${REPO_DIR}", str(repository))
    step(["chmod", "+x", start])
    out = tmp_path / "out"
    step(
        [start, str(prefix / "bin/jupyter"), "nbconvert", "--to", "notebook", "--execute"]
        + ["--ExecutePreprocessor.timeout=180", "--output-dir", str(out)]
        + ["notebooks/00_setup.ipynb"]
    )
    executed = json.loads((out / "00_setup.ipynb").read_text())
    outputs = [o for cell in executed["cells"] for o in cell.get("outputs", [])]
    assert [o for o in outputs if o["output_type"] == "error"] == []
    shown = json.dumps(outputs)
    assert "Mode: sandbox" in shown  # nothing to configure: the embedded sandbox answers
    assert (home / ".zego_kit").is_dir()  # `start` put the kit's home in the session's home
    assert not (repository / ".env").exists()


def test_the_readme_has_one_binder_badge_that_opens_notebook_00() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    links = BINDER_LINK.findall(readme)
    assert len(links) == 1, "one launch link, defined once (the one line to change)"
    owner, repo, ref, path = links[0]
    assert ref == "main"
    assert (REPO_ROOT / path).is_file()
    assert "https://mybinder.org/badge_logo.svg" in readme
    assert "[![Launch on Binder](https://mybinder.org/badge_logo.svg)][binder]" in readme
