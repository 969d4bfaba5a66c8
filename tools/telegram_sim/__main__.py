"""Run the fake Telegram Bot API: `python -m tools.telegram_sim [--host H] [--port P] [--token T]`.

The token defaults to $SIM_BOT_TOKEN, else 123456:SIM-TOKEN. Telegram's flood limits are on
(`--no-limits` turns them off; the rate flags change them). Stops cleanly on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
from dataclasses import fields

from werkzeug.serving import make_server

from tools.telegram_sim import DEFAULT_TOKEN
from tools.telegram_sim.app import QuietRequestHandler, create_app
from tools.telegram_sim.limits import Limits

log = logging.getLogger("tools.telegram_sim")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line; `limits` holds the flood limits it asks for."""
    parser = argparse.ArgumentParser(prog="python -m tools.telegram_sim", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=os.environ.get("SIM_BOT_TOKEN") or DEFAULT_TOKEN)
    parser.add_argument("--no-limits", action="store_true", help="no 429s for sending fast")
    default = Limits()
    figures = [f.name for f in fields(Limits) if f.name != "enabled"]
    for name in figures:
        kind = int if name.endswith("_burst") else float
        parser.add_argument(f"--{name.replace('_', '-')}", type=kind, dest=name,
                            default=getattr(default, name), metavar="N")
    args = parser.parse_args(argv)
    try:
        args.limits = Limits(enabled=not args.no_limits,
                             **{name: getattr(args, name) for name in figures})
    except ValueError as error:
        parser.error(str(error))
    return args


def main(argv: list[str] | None = None) -> None:
    """Serve until SIGTERM or SIGINT."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    app = create_app(args.token, limits=args.limits)
    server = make_server(args.host, args.port, app, threaded=True,
                         request_handler=QuietRequestHandler)
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    serving = threading.Thread(target=server.serve_forever, name="telegram-sim-http")
    serving.start()
    log.info("Telegram Bot API simulator on http://%s:%s (bot @desa_sim_bot)",
             args.host, server.port)
    stop.wait()
    log.info("stopping")
    app.extensions["telegram_sim"].close()
    server.shutdown()
    serving.join()
    server.server_close()


if __name__ == "__main__":
    main()
