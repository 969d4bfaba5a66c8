"""`python -m services.data_service`: the registration and data worker."""

from libs import topology
from libs.worker import serve
from services.data_service.handlers import handle


def main() -> None:
    serve("data_service", topology.DATA_QUEUE, handle)


if __name__ == "__main__":
    main()
