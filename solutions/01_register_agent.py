"""Solutions to the exercises of notebook 01 (for the trainer).

Exercise 1: make the agent speak like a pirate. The system prompt lives in the
agent's LLM config; ensure_agent updates a registered agent in place.

Exercise 2: switch the agent's voice to MiniMax. Only the TTS object is
sent, so UpdateAgent keeps the LLM (and its pirate prompt) as it is.

Run it on its own (sandbox mode without credentials):
``python solutions/01_register_agent.py``
"""

from __future__ import annotations

from dataclasses import replace

from zego_helpers import LLM, TTS, AIAgentClient, ensure_agent, load_settings
from zego_helpers.connect import connect
from zego_helpers.ids import make_agent_id
from zego_helpers.tutorial.exercises import check_pirate_reply, check_tts_vendor
from zego_helpers.tutorial.progress import track

PIRATE_PROMPT = 'You are a pirate. Always start with "Ahoy". Answer in one or two short sentences.'


def solve_pirate(client: AIAgentClient, agent_id: str) -> None:
    """The pirate persona: only the stored LLM's system prompt changes, as in the notebook."""
    stored = client.get_agent(agent_id)
    if stored is None:  # run on its own: register the default agent first
        ensure_agent(client, agent_id, llm=LLM.trial(), tts=TTS.trial())
        stored = client.get_agent(agent_id)
    llm = LLM.from_api(stored["LLM"])
    ensure_agent(client, agent_id, llm=replace(llm, system_prompt=PIRATE_PROMPT))


def solve_minimax(client: AIAgentClient, agent_id: str) -> None:
    """A MiniMax voice (trial credentials); with your own key: TTS.minimax(api_key, voice_id)."""
    ensure_agent(client, agent_id, tts=TTS.trial("MiniMax"))


if __name__ == "__main__":
    settings = load_settings()
    client = track(connect(settings))
    agent_id = make_agent_id(settings.attendee)
    solve_pirate(client, agent_id)
    print(check_pirate_reply(client, agent_id))
    solve_minimax(client, agent_id)
    print(check_tts_vendor(client, agent_id))
