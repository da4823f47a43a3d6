"""Test doubles shared by every test package: recording and controllable stand-ins for ports."""

from __future__ import annotations

import attrs

from application.ports.clock import Clock
from application.ports.code_sender import CodePurpose, CodeSender


@attrs.define
class SentCode:
    username: str
    destination: str | None
    purpose: CodePurpose
    code: str


@attrs.define
class RecordingCodeSender(CodeSender):
    """Keeps every delivered code so tests can read what the user would receive."""

    sent: list[SentCode] = attrs.field(factory=list)

    def send(self, username: str, destination: str | None, purpose: CodePurpose, code: str) -> None:
        self.sent.append(SentCode(username, destination, purpose, code))

    def last_code(self, username: str, purpose: CodePurpose) -> str:
        for item in reversed(self.sent):
            if item.username.casefold() == username.casefold() and item.purpose is purpose:
                return item.code
        raise LookupError(f"no {purpose.value} code was sent to {username}")


@attrs.define
class ManualClock(Clock):
    """A clock that moves only when a test says so."""

    current: float = 1_800_000_000.0

    def now(self) -> float:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += seconds
