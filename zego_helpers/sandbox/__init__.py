"""A local emulator of ZEGO's AI Agent server API, so the kit works without an account.

The sandbox answers the same signed ``POST /?Action=...`` requests as ZEGO,
with the same envelope, checks and error codes, for all 19 actions. An
agent "speaks" for a simulated time, answers through your own
OpenAI-compatible LLM when it can reach one (or through a small built-in
responder when it cannot), and sends signed callbacks if you give it a URL.

Three ways to use it::

    # 1. The kit does it for you: connect() in sandbox mode (no credentials set).
    from zego_helpers import connect
    client = connect()

    # 2. In your own code or tests.
    from zego_helpers.sandbox import SandboxConfig, start_sandbox
    sandbox = start_sandbox(SandboxConfig.with_random_credentials())
    ...  # sandbox.base_url, sandbox.app_id, sandbox.server_secret
    sandbox.stop()

    # 3. For a workshop room, from a terminal:
    #    .venv/bin/zego-kit sandbox --host 0.0.0.0 --port 8080

The modules, one job each: ``config`` (settings), ``gateway`` (query and
signature checks), ``actions`` (body checks, one function per action),
``state`` (the rules: agents, instances, status, history, events), ``store``
(keeping the state in memory or in a shared file), ``recovery`` (reading
damaged files, keeping a copy), ``sealing`` (API keys never in plain text in
the file), ``strict_json`` (JSON a hostile peer may have written),
``responder`` (LLM calls and the built-in responder), ``llm_contract`` (the
stream format ZEGO requires of a custom LLM), ``meta_info`` and ``user_audio``
(the AgentInstanceMetaInfo and UserAudioData events), ``callbacks`` (signed
callback delivery), ``server`` (the Tornado endpoint), ``embedded``
(running it in a thread), and for a workshop's room sandbox ``room`` (who is
doing what), ``dashboard`` (the trainer's page) and ``room_file`` (the same
room after a restart).
"""

from .config import SandboxConfig
from .embedded import RunningSandbox, ensure_embedded_sandbox, start_sandbox

__all__ = ["RunningSandbox", "SandboxConfig", "ensure_embedded_sandbox", "start_sandbox"]
