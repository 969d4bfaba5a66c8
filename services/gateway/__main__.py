"""`python -m services.gateway`: the webhook app under gunicorn on GATEWAY_BIND."""

from gunicorn.app.base import BaseApplication

from libs.config import Settings
from libs.logs import setup_logging
from services.gateway.app import create_app


class Gateway(BaseApplication):
    """gunicorn, configured from Settings instead of its command line."""

    def __init__(self, settings: Settings):
        self.settings = settings
        super().__init__()

    def load_config(self):
        self.cfg.set("bind", self.settings.gateway_bind)
        self.cfg.set("workers", self.settings.gateway_workers)
        self.cfg.set("worker_class", "gthread")
        self.cfg.set("threads", 4)
        # Telegram waits at most 60 s; a confirm that takes longer has failed anyway.
        self.cfg.set("timeout", 30)
        self.cfg.set("graceful_timeout", 10)
        self.cfg.set("accesslog", None)
        # gunicorn's control socket would live in $HOME; nothing here uses it.
        self.cfg.set("control_socket_disable", True)

    def load(self):
        setup_logging("gateway", self.settings.log_level)
        return create_app(self.settings)


def main() -> None:
    settings = Settings.from_env()
    setup_logging("gateway", settings.log_level)
    create_app(settings)  # fail fast, before forking, on a configuration error
    Gateway(settings).run()


if __name__ == "__main__":
    main()
