"""A data_service worker that dies (kill -9 style) right after its first database commit,
before it publishes the replies or acks the command: the worst moment to crash."""

import os

import libs.outbox
from services.data_service.__main__ import main


def die(*_args, **_kwargs):
    os._exit(9)


libs.outbox.publish_pending = die

if __name__ == "__main__":
    main()
