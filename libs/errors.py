"""The small exception tree the consumer loop decides from."""


class ServiceError(Exception):
    """Base of every error a handler or client raises on purpose."""


class TransientError(ServiceError):
    """Worth trying again later: a timeout, a 5xx, a database that is briefly away."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(ServiceError):
    """Will fail the same way every time: park the message in the dead-letter queue."""


class DecodeError(PermanentError):
    """A message body that is not valid JSON or does not match its contract."""
