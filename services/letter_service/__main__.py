"""`python -m services.letter_service [worker | watch | console | keygen --dir DIR]`.

    worker (default)   letter commands from residents: requests, status, cancelling
    watch              the status watcher: tells residents of every status change, sends PDFs
    console            the staff console on CONSOLE_BIND (default 127.0.0.1:8090)
    keygen --dir DIR   a new letter-signing key pair; prints the settings for both sides
"""

import sys

from libs import runtime, topology
from libs.worker import serve as serve_worker


def main() -> None:
    mode, rest = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("worker", [])
    if mode == "worker":
        from services.letter_service.handlers import handle

        serve_worker("letter_service", topology.LETTER_QUEUE, handle)
    elif mode == "watch":
        from services.letter_service.watcher import serve

        serve()
    elif mode == "console":
        from services.letter_service.console.server import serve

        with runtime.started("console") as process:
            serve(process.settings)
    elif mode == "keygen":
        from services.letter_service.keys import keygen

        sys.exit(keygen(rest))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
