"""UserAudioData: the first second or so of what the user said, as a callback.

With ``CallbackConfig.UserAudioData`` 1, ZEGO sends, for each dialogue round,
``{"UserId", "Round", "SampleRate": 16000, "Format": "pcm", "Audio": <base64>}``
holding "the first 1-1.5 s" of the user's speech; "if the user's speech audio
duration is less than 1 s, no callback will be triggered"
(https://www.zegocloud.com/docs/aiagent-server/callbacks/receiving-callback).

The sandbox hears text, not sound, so it makes the audio up: a user speaks
about :data:`USER_SPEECH_MS_PER_CHAR` per character (a choice of the sandbox:
roughly 15 characters a second), and the callback carries that long a stretch
of silence (16-bit mono PCM, capped at 1.5 s). A short "Hi" therefore sends no
callback, as on ZEGO.
"""

from __future__ import annotations

import base64
from typing import Any

SAMPLE_RATE = 16000
BYTES_PER_SAMPLE = 2  # 16-bit PCM, mono
MIN_SECONDS = 1.0
MAX_SECONDS = 1.5
#: How long the simulated user takes per character of what they "said".
USER_SPEECH_MS_PER_CHAR = 65.0


def user_audio_data(user_id: str, round_: int, text: str) -> dict[str, Any] | None:
    """The ``Data`` of a UserAudioData callback for ``text``, or ``None`` (under 1 s)."""
    seconds = len(text) * USER_SPEECH_MS_PER_CHAR / 1000
    if seconds < MIN_SECONDS:
        return None
    samples = int(min(seconds, MAX_SECONDS) * SAMPLE_RATE)
    silence = bytes(samples * BYTES_PER_SAMPLE)
    return {
        "UserId": user_id,
        "Round": round_,
        "SampleRate": SAMPLE_RATE,
        "Format": "pcm",
        "Audio": base64.b64encode(silence).decode("ascii"),
    }
