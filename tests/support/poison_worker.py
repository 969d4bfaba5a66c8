"""A data_service with two planted faults, for the poison-message test: a command from
KILL_CHAT kills the process each time it is handled (as a segfault or the OOM killer would), one
from BUG_CHAT raises an unexpected exception (a bug) each time. Every other command is served."""

import os

from libs import topology
from libs.worker import serve
from services.data_service.handlers import handle

KILL_CHAT = 830_666
BUG_CHAT = 830_667
BUG = "planted bug: this command always fails"


def poisoned(command, session, settings, now):
    """The real handler, except for the two poisoned chats."""
    if command.chat_id == KILL_CHAT:
        os._exit(9)
    if command.chat_id == BUG_CHAT:
        raise RuntimeError(BUG)
    return handle(command, session, settings, now)


if __name__ == "__main__":
    serve("data_service", topology.DATA_QUEUE, poisoned)
