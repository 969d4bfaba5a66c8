"""`python -m services.data_service`: the registration and data worker."""

from libs import topology
from libs.config import Settings
from libs.logs import setup_logging
from libs.messaging import Consumer
from libs.outbox import command_worker
from libs.siades.db import make_engine, make_session_factory
from services.data_service.handlers import handle


def main() -> None:
    settings = Settings.from_env()
    setup_logging("data_service", settings.log_level)
    factory = make_session_factory(make_engine(settings.database_url))
    consumer = Consumer(settings, topology.DATA_QUEUE,
                        command_worker("data_service", factory, settings, handle))
    consumer.install_signal_handlers()
    consumer.run()


if __name__ == "__main__":
    main()
