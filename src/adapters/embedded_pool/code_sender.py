"""Code delivery for a self-hosted pool: one log line per code, as Django's console e-mail backend does."""

from __future__ import annotations

import logging

from application.ports.code_sender import CodePurpose, CodeSender

logger = logging.getLogger("cognito_auth.codes")


class LoggingCodeSender(CodeSender):
    def send(self, username: str, destination: str | None, purpose: CodePurpose, code: str) -> None:
        logger.info("%s code for %s: %s", purpose.value, username, code)
