"""An API refusal: the HTTP status, a reason a program tests, a message a person reads."""

from __future__ import annotations


class ApiError(Exception):
    def __init__(
        self, status: int, error: str, message: str, headers: dict[str, str] | None = None
    ):
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.headers = headers or {}
