# A real JupyterHub for the workshop-room test (tests/hub/test_hub_room.py), on loopback.
#
# The deployment itself is the TLJH snippet deploy/tljh/zego_room.py, loaded UNCHANGED below
# (it reads ZEGO_ROOM_FILE and ZEGO_KIT_DIR from this hub's environment). Around it, only what
# a test machine needs instead of TLJH's own settings: ports chosen by the test, a local
# configurable-http-proxy from npm (tests/hub/package.json), one shared password instead of
# TLJH's authenticator, local processes instead of systemd units, and a service token the
# test (playing the trainer) drives the REST API with. Everything machine-specific comes from
# ZEGO_HUB_TEST_* variables set by tests/hub/hub_room.py.
import os
from pathlib import Path

c = get_config()  # noqa: F821 (JupyterHub provides it)
E = os.environ
STATE = Path(E["ZEGO_HUB_TEST_STATE"])

# --- network: loopback only, on ports the test picked --------------------------------------
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = int(E["ZEGO_HUB_TEST_PROXY_PORT"])  # the public side (the proxy)
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(E["ZEGO_HUB_TEST_HUB_PORT"])
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{E['ZEGO_HUB_TEST_PROXY_API_PORT']}"
c.ConfigurableHTTPProxy.command = [E["ZEGO_HUB_TEST_CHP"]]  # needs `node` (>= 20) on PATH
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")

# --- the hub's own files stay in the test's folder -----------------------------------------
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every attendee's server
c.JupyterHub.cleanup_proxy = True  # ... and the proxy it started
# POST /hub/api/users/NAME/server answers 202 at once (the test polls), not after ~10 s
c.JupyterHub.tornado_settings = {"slow_spawn_timeout": 0}

# --- who may log in: anybody, with the workshop's one password -----------------------------
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = E["ZEGO_HUB_TEST_PASSWORD"]
c.Authenticator.allow_all = True  # JupyterHub 5 lets nobody in unless told

# --- the trainer's token for the REST API (create users, watch their servers) --------------
c.JupyterHub.services = [{"name": "workshop-trainer", "api_token": E["ZEGO_HUB_TEST_ADMIN_TOKEN"]}]
c.JupyterHub.load_roles = [
    {
        "name": "workshop-trainer",
        "scopes": ["admin:users", "admin:servers", "list:users", "read:users"],
        "services": ["workshop-trainer"],
    }
]

# --- servers as local processes (no Unix user per attendee: fine for a test, not for a room)
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(STATE / "home" / "{username}")
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120

# --- the deployment under test ---------------------------------------------------------------
load_subconfig(E["ZEGO_HUB_TEST_DEPLOY_SNIPPET"])  # noqa: F821 (deploy/tljh/zego_room.py)

# --- after it: a root test machine needs --allow-root, and every process of the run carries
# the test's marker, so the test can prove none is left behind (Spawner.environment, because
# a server's environment is otherwise only the hub's env_keep list)
c.Spawner.args = ["--allow-root"] if os.getuid() == 0 else []
c.Spawner.environment.update({"ZEGO_HUB_TEST_RUN": E["ZEGO_HUB_TEST_RUN"]})
