"""Run the fake Telegram Bot API: `python -m tools.telegram_sim [--host H] [--port P] [--token T]`.

The token defaults to $SIM_BOT_TOKEN, else 123456:SIM-TOKEN. Stops cleanly on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading

from werkzeug.serving import make_server

from tools.telegram_sim.app import QuietRequestHandler, create_app

DEFAULT_TOKEN = "123456:SIM-TOKEN"
log = logging.getLogger("tools.telegram_sim")


def main(argv: list[str] | None = None) -> None:
    """Serve until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m tools.telegram_sim", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=os.environ.get("SIM_BOT_TOKEN") or DEFAULT_TOKEN)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    app = create_app(args.token)
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
