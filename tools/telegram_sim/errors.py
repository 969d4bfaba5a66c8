"""Bot API failures, answered with Telegram's error envelope."""

from __future__ import annotations


class ApiError(Exception):
    """A failed Bot API call: HTTP status, Telegram's description, optional parameters."""

    def __init__(
        self, code: int, description: str, *, retry_after: int | None = None,
        detail: str | None = None,
    ):
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after
        self.detail = detail  # where in the request the problem is; simulator-only, not sent

    def envelope(self) -> dict:
        """The JSON body Telegram answers with."""
        body = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(message: str, detail: str | None = None) -> ApiError:
    """A 400 with Telegram's `Bad Request: ` prefix."""
    return ApiError(400, f"Bad Request: {message}", detail=detail)
