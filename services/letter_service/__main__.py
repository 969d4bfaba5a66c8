"""`python -m services.letter_service`: the letter worker."""

from libs import topology
from libs.outbox import serve
from services.letter_service.handlers import handle


def main() -> None:
    serve("letter_service", topology.LETTER_QUEUE, handle)


if __name__ == "__main__":
    main()
