"""Bot API failures, answered with Telegram's error envelope."""

from __future__ import annotations

import html


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


class FrontEndError(ApiError):
    """An error page of Telegram's nginx front end (a 5xx): HTML, not the Bot API's JSON."""

    def __init__(self, code: int, phrase: str):
        super().__init__(code, phrase, detail="injected fault (nginx page)")

    def page(self) -> str:
        """The HTML body nginx answers with."""
        title = html.escape(f"{self.code} {self.description}")
        return (f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
                f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n"
                "</body>\r\n</html>\r\n")
