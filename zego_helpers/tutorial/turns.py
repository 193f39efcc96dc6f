"""What became of one LLM turn, read from the sandbox's event list: an answer, or silence and why.

On ZEGO, ``SendAgentInstanceLLM`` answers ``Code 0`` with a ``Round`` at once;
the LLM is asked afterwards. If it answers, ``LLMResult`` callbacks carry the
text; if it fails, the agent says nothing and an ``Exception`` callback (code
22xx) says why. The sandbox keeps the same events (and its own ``SandboxNote``
explanations) behind the sandbox-only action ``SandboxGetEvents``, which
:func:`wait_for_turn` reads until the round is settled.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..client import AIAgentClient
from ..codes import describe_exception_code
from ..errors import ZegoError
from ..i18n import _
from ..sandbox_control import SandboxControl


@dataclass
class TurnOutcome:
    """Round ``round``: the answer's sentences, or the exception that explains the silence."""

    round: int
    sentences: list[str] = field(default_factory=list)
    exception_code: int | None = None
    exception_message: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        return bool(self.sentences)

    @property
    def answer(self) -> str:
        return " ".join(self.sentences)

    def describe(self) -> str:
        """A few lines for a notebook: the answer, or the silence, its code and the notes."""
        if self.answered:
            lines = [
                _("Round {round}: the agent answered: {answer}").format(
                    round=self.round, answer=self.answer
                )
            ]
        else:
            lines = [
                _("Round {round}: no answer, the agent stayed silent.").format(round=self.round)
            ]
        if self.exception_code is not None:
            meaning = describe_exception_code(self.exception_code).meaning
            lines.append(
                _("Exception {code} ({meaning})").format(code=self.exception_code, meaning=meaning)
            )
        lines += [f"SandboxNote: {note}" for note in self.notes]
        return "\n".join(lines)


def wait_for_turn(
    client: AIAgentClient, instance_id: str, round_: int, *, timeout: float = 30.0
) -> TurnOutcome:
    """Poll the sandbox's events until round ``round_`` has an answer or an ``Exception``."""
    deadline = time.monotonic() + timeout
    while True:
        events = SandboxControl(client).events(instance_id)
        mine = [e for e in events if e.get("Data", {}).get("Round") == round_]
        outcome = TurnOutcome(round_)
        for event in mine:
            data = event["Data"]
            if event["Event"] == "LLMResult":
                outcome.sentences.append(str(data.get("Text", "")))
            elif event["Event"] == "Exception":
                outcome.exception_code = int(data.get("Code", 0))
                outcome.exception_message = str(data.get("Message", ""))
            elif event["Event"] == "SandboxNote":
                outcome.notes.append(str(data.get("Message", "")))
        if outcome.answered or outcome.exception_code is not None:
            return outcome
        if time.monotonic() > deadline:
            raise ZegoError(
                _(
                    "Round {round} of instance {instance_id} had no outcome within {seconds} s"
                ).format(round=round_, instance_id=instance_id, seconds=timeout)
            )
        time.sleep(0.05)
