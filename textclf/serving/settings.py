"""The server's settings: batching and the request limits, one frozen object (``serve``'s options)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Settings:
    batch_size: int = 64  # most texts in one model call; 1: every request alone
    batch_wait_ms: float = 2.0  # how long a model call waits for more requests to join it
    max_texts: int = 256  # most texts in one request (413 above)
    max_chars: int = 100_000  # most characters in one text (413 above)

    def body_limit(self) -> int:
        """The most bytes a request body may hold: every text at its longest, each character escaped."""
        return self.max_texts * (6 * self.max_chars + 16) + 65_536

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Settings:
        return cls(**json.loads(text))
