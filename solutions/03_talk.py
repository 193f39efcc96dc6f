"""Solution to the exercise of notebook 03 (for the trainer).

Send a High-priority line while the agent answers: start a long answer, wait
until the status is THINKING or SPEAKING (the agent is on it), then send the
line with priority="High". It interrupts the answer at once, whether the LLM
is still thinking or the agent already speaks (a Medium line would do so too
with the default SamePriorityOption ClearAndInterrupt, but would queue behind
a High answer or with Enqueue; High always goes first).

``python solutions/03_talk.py``
"""

from __future__ import annotations

from zego_helpers import (
    LLM,
    TTS,
    AgentSession,
    AIAgentClient,
    ensure_agent,
    load_settings,
    make_call_ids,
)
from zego_helpers.connect import connect
from zego_helpers.ids import make_agent_id
from zego_helpers.tutorial.exercises import check_high_priority_line
from zego_helpers.tutorial.progress import track
from zego_helpers.workflows import wait_for_status

ANNOUNCEMENT = "Attention please: the workshop continues in five minutes."
LONG_QUESTION = (
    "Please tell me a long story about a ship, its captain and the sea, with many details, "
    "and take your time."
)


def solve(client: AIAgentClient, instance_id: str) -> str:
    """Make the agent talk, then cut in with a High-priority line; returns the line."""
    client.send_agent_instance_llm(instance_id, LONG_QUESTION)
    wait_for_status(client, instance_id, ("THINKING", "SPEAKING"), timeout=30, interval=0.05)
    client.send_agent_instance_tts(instance_id, ANNOUNCEMENT, priority="High")
    return ANNOUNCEMENT


if __name__ == "__main__":
    settings = load_settings()
    client = track(connect(settings))
    agent_id = make_agent_id(settings.attendee)
    if client.get_agent(agent_id) is None:
        ensure_agent(client, agent_id, llm=LLM.trial(), tts=TTS.trial())
    with AgentSession(client, agent_id, make_call_ids(settings.attendee)) as session:
        line = solve(client, session.instance_id)
        print(check_high_priority_line(client, session.instance_id, line))
