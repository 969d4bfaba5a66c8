"""The staff console: village office staff process letter requests and see service figures."""

from services.letter_service.console.app import create_console

__all__ = ["create_console"]
