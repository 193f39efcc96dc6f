"""The deployment files say what the kit does, and the chart accepts them.

* ``deploy/z2jh/values.yaml`` is merged into the Zero to JupyterHub chart's defaults the way
  Helm merges values, then validated against the chart's own JSON Schema (both files of
  chart 4.4.0 are in ``tests/data/z2jh-4.4.0``), as ``helm install`` would; a broken
  variant must fail the same check, so the check can fail.
* Every ``zego-kit`` command line in a deployment file is parsed by the kit's own parser.
* The attendee's name, the secrets and the kit's copy are wired as the kit expects:
  ``{unescaped_username}`` (``{username}`` is escaped: ``zo-martin---7c38b73b``), secrets
  only through ``secretKeyRef``, the room sandbox reachable through the network policy.

The TLJH snippet itself runs in the JupyterHub test (``tests/hub/``).
"""

from __future__ import annotations

import copy
import re
import shlex
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from zego_helpers.cli import build_parser

REPO_ROOT = Path(__file__).resolve().parents[1]
CHART = REPO_ROOT / "tests" / "data" / "z2jh-4.4.0"
VALUES = REPO_ROOT / "deploy" / "z2jh" / "values.yaml"
ROOM_SANDBOX = REPO_ROOT / "deploy" / "z2jh" / "room-sandbox.yaml"
SERVICE = REPO_ROOT / "deploy" / "tljh" / "zego-room-sandbox.service"


def helm_merge(defaults: Any, override: Any) -> Any:
    """Helm's coalescing of values: maps merge key by key, other values replace, null deletes."""
    merged = copy.deepcopy(defaults)
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = helm_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def chart_errors(values: dict[str, Any]) -> list[str]:
    schema = yaml.safe_load((CHART / "values.schema.yaml").read_text())
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    validator = jsonschema.Draft7Validator(schema)
    merged = helm_merge(defaults, values)
    return [
        f"{'/'.join(map(str, error.path)) or '(root)'}: {error.message[:200]}"
        for error in validator.iter_errors(merged)
    ]


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    return yaml.safe_load(VALUES.read_text())


def test_the_z2jh_values_pass_the_charts_own_schema(values):
    assert chart_errors(values) == []


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda v: v["singleuser"].update(extraEnvs=v["singleuser"].pop("extraEnv")), "extraEnvs"),
        (lambda v: v["singleuser"].update(cmd=7), "cmd"),
        (lambda v: v["singleuser"]["networkPolicy"].update(egress="all"), "egress"),
    ],
)
def test_a_broken_values_file_fails_the_same_check(values, change, says):
    broken = copy.deepcopy(values)
    change(broken)
    errors = chart_errors(broken)
    assert errors and any(says in error for error in errors), errors


def test_each_attendee_gets_their_name_the_rooms_settings_and_no_secret_in_plain_text(values):
    env = values["singleuser"]["extraEnv"]
    assert env["ZEGO_ATTENDEE"] == "{unescaped_username}"
    assert env["ZEGO_ENV_FILE"] == "none"
    for secret in ("ZEGO_APP_ID", "ZEGO_SERVER_SECRET"):
        assert env[secret]["valueFrom"]["secretKeyRef"] == {"name": "zego-room", "key": secret}
    assert not any(
        isinstance(value, str) and re.fullmatch(r"[0-9a-f]{32}", value) for value in env.values()
    )
    # the notebooks are copied from where repo2docker put the kit, and opened at 00
    assert env["ZEGO_KIT_SOURCE"] == "/srv/zego-kit"
    assert "--target-repo-dir /srv/zego-kit" in VALUES.read_text()
    assert values["singleuser"]["cmd"] == "jupyterhub-singleuser"  # start runs first
    default_url = values["singleuser"]["defaultUrl"]
    assert default_url == "/lab/tree/zego-kit/notebooks/00_setup.ipynb"
    assert (REPO_ROOT / default_url.removeprefix("/lab/tree/zego-kit/")).is_file()


def test_the_room_sandbox_on_kubernetes_is_reachable_and_the_same_room_after_a_restart(values):
    deployment, service = yaml.safe_load_all(ROOM_SANDBOX.read_text())
    assert (deployment["kind"], service["kind"]) == ("Deployment", "Service")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    args = container["args"]
    assert args[:2] == ["zego-kit", "sandbox"]
    assert "$(ZEGO_APP_ID)" in args and "$(ZEGO_SERVER_SECRET)" in args
    expanded = {"$(ZEGO_APP_ID)": "1234567", "$(ZEGO_SERVER_SECRET)": "s" * 32}  # as k8s does
    parsed = build_parser().parse_args([expanded.get(arg, arg) for arg in args[1:]])
    assert parsed.host == "0.0.0.0" and parsed.port == 8123 and parsed.rate_limit == 0
    assert parsed.app_id == 1234567
    env = {item["name"]: item["valueFrom"]["secretKeyRef"] for item in container["env"]}
    assert set(env) == {"ZEGO_APP_ID", "ZEGO_SERVER_SECRET", "ZEGO_ROOM_TOKEN"}
    assert {ref["name"] for ref in env.values()} == {"zego-room"}
    label = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"] == label
    port = service["spec"]["ports"][0]["port"]
    url = values["singleuser"]["extraEnv"]["ZEGO_API_BASE_URL"]
    assert url == f"http://{service['metadata']['name']}:{port}"
    allowed = values["singleuser"]["networkPolicy"]["egress"][0]
    assert allowed["to"][0]["podSelector"]["matchLabels"] == label
    assert allowed["ports"][0]["port"] == port


def test_the_tljh_room_sandbox_service_runs_a_command_the_kit_accepts():
    unit = SERVICE.read_text()
    command = shlex.split(re.search(r"^ExecStart=(.*)$", unit, re.M).group(1))
    assert command[0] == "/opt/tljh/user/bin/zego-kit"
    parsed = build_parser().parse_args(command[1:])
    assert parsed.host == "127.0.0.1"  # loopback: the room is not on the internet
    assert str(parsed.write_env) == "/opt/tljh/config/zego-room.env"
    snippet = (REPO_ROOT / "deploy" / "tljh" / "zego_room.py").read_text()
    assert '"/opt/tljh/config/zego-room.env"' in snippet  # the file the hub reads
    assert re.search(r"^KillSignal=SIGINT$", unit, re.M)
