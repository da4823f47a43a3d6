from __future__ import annotations

import logging

import pytest

from adapters.embedded_pool.code_sender import LoggingCodeSender
from application.ports.code_sender import CodePurpose


class TestLoggingCodeSender:
    @pytest.mark.parametrize(
        ("purpose", "line"),
        [
            (CodePurpose.SIGN_UP, "sign-up confirmation code for alice@example.com: 123456"),
            (CodePurpose.PASSWORD_RESET, "password reset code for alice@example.com: 123456"),
            (CodePurpose.EMAIL_VERIFICATION, "e-mail verification code for alice@example.com: 123456"),
            (CodePurpose.INVITATION, "invitation code for alice@example.com: 123456"),
        ],
    )
    def test_logs_one_line_with_the_username_purpose_and_code(
        self, caplog: pytest.LogCaptureFixture, purpose: CodePurpose, line: str
    ) -> None:
        with caplog.at_level(logging.INFO, logger="cognito_auth.codes"):
            LoggingCodeSender().send("alice@example.com", "alice@example.com", purpose, "123456")

        assert [(record.name, record.levelno, record.getMessage()) for record in caplog.records] == [
            ("cognito_auth.codes", logging.INFO, line)
        ]

    def test_delivers_to_users_without_an_address(self, caplog: pytest.LogCaptureFixture) -> None:
        with caplog.at_level(logging.INFO, logger="cognito_auth.codes"):
            LoggingCodeSender().send("bob", None, CodePurpose.SIGN_UP, "654321")

        assert caplog.messages == ["sign-up confirmation code for bob: 654321"]
