"""Solution to the exercise of notebook 02 (for the trainer).

Create an instance that waits 5 minutes for an absent user (AdvancedConfig.
MaxIdleTime 300 s) and lets the LLM see only the last 4 messages
(MessageHistory.WindowSize 4). Both are fixed at creation: ZEGO has no call to
change them on a running instance, nor one to read them back (the check
uses what the tracked client sent).

As in the notebook's cell: the previous try's instance is deleted first, and
the new one is handed off as the *exercise* instance (never the tutorial one).

``python solutions/02_create_instance.py``
"""

from __future__ import annotations

from zego_helpers import (
    LLM,
    TTS,
    AdvancedConfig,
    AIAgentClient,
    MessageHistory,
    ensure_agent,
    load_settings,
    make_call_ids,
)
from zego_helpers.connect import connect
from zego_helpers.ids import make_agent_id
from zego_helpers.settings import Settings
from zego_helpers.tutorial import delete_previous_try, hand_off
from zego_helpers.tutorial.exercises import check_instance_options
from zego_helpers.tutorial.progress import track


def solve(client: AIAgentClient, agent_id: str, settings: Settings) -> str:
    """Create the instance (replacing an earlier try); returns its AgentInstanceId."""
    delete_previous_try(client, settings)
    ids = make_call_ids(settings.attendee)
    data = client.create_agent_instance(
        agent_id,
        ids.user_id,
        ids.to_rtc(),
        advanced_config=AdvancedConfig(max_idle_time=300),
        message_history=MessageHistory(window_size=4),
    )
    instance_id = str(data["AgentInstanceId"])
    hand_off(settings, client, instance_id, agent_id, ids, role="exercise")
    return instance_id


if __name__ == "__main__":
    settings = load_settings()
    client = track(connect(settings))
    agent_id = make_agent_id(settings.attendee)
    if client.get_agent(agent_id) is None:
        ensure_agent(client, agent_id, llm=LLM.trial(), tts=TTS.trial())
    instance_id = solve(client, agent_id, settings)
    print(check_instance_options(client, instance_id))
    print(f"Instance {instance_id} keeps running: notebook 04 (or the cleanup command) ends it.")
