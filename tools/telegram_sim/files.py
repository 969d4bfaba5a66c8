"""The files of the simulated Telegram: what residents sent (photos, documents) and what the
bot uploaded with sendDocument.

Every file has a file_id (what a bot passes to getFile or sends again), a file_unique_id, and
a file_path like Telegram's ("photos/file_3.jpg", "documents/file_4.pdf") under which
`GET /file/bot<token>/<file_path>` serves its bytes. `file_size` is the size Telegram reports:
the bytes' length, unless a test declared a bigger one (a "30 MB photo" without sending 30 MB).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from pathlib import PurePosixPath

MAX_DOWNLOAD = 20 * 1024 * 1024  # getFile: "bots can download files of up to 20MB in size"
# file_id and file_unique_id prefixes, shaped like Telegram's for each kind of file.
_ID_PREFIXES = {
    "photo": ("AgACAgUAAxkBAAI", "AQAD"),
    "document": ("BQACAgUAAxkBAAI", "AgAD"),
    "upload": ("BQACAgUAAxkDAAI", "AgAD"),  # a document the bot sent
}
_FOLDERS = {"photo": "photos", "document": "documents", "upload": "documents"}


def new_file_ids(kind: str = "upload") -> tuple[str, str]:
    """A fresh file_id and file_unique_id shaped like Telegram's for that kind of file."""
    file_prefix, unique_prefix = _ID_PREFIXES[kind]
    return file_prefix + secrets.token_urlsafe(30), unique_prefix + secrets.token_urlsafe(9)


@dataclass(frozen=True)
class StoredFile:
    """One file: its ids, where it downloads from, what it is, its bytes and reported size."""

    file_id: str
    file_unique_id: str
    file_path: str
    file_name: str
    mime_type: str
    data: bytes
    file_size: int

    @property
    def is_document(self) -> bool:
        """Whether it was sent as a document (a photo size is not)."""
        return self.file_path.startswith("documents/")

    def document(self) -> dict:
        """The Document object of this file."""
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id,
                "file_name": self.file_name, "mime_type": self.mime_type,
                "file_size": self.file_size}

    def file(self) -> dict:
        """getFile's File object."""
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id,
                "file_size": self.file_size, "file_path": self.file_path}


class FileStore:
    """Thread-safe: files by file_id and by file_path."""

    def __init__(self):
        self._lock = threading.Lock()
        self._count = 0  # only grows, also across reset: a file_path never names two files
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}

    def add(self, data: bytes, *, kind: str, file_name: str, mime_type: str,
            file_size: int | None = None, extension: str | None = None) -> StoredFile:
        """Keep a file ("photo", "document" from a resident, "upload" from the bot)."""
        file_id, unique_id = new_file_ids(kind)
        suffix = extension if extension is not None else PurePosixPath(file_name).suffix
        with self._lock:
            path = f"{_FOLDERS[kind]}/file_{self._count}{suffix.lower()}"
            self._count += 1
            stored = StoredFile(file_id, unique_id, path, file_name, mime_type, data,
                                len(data) if file_size is None else file_size)
            self._by_id[file_id] = stored
            self._by_path[path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        """A file by file_id, or None."""
        with self._lock:
            return self._by_id.get(file_id)

    def at(self, file_path: str) -> StoredFile | None:
        """A file by file_path, or None."""
        with self._lock:
            return self._by_path.get(file_path)

    def reset(self) -> None:
        """Forget every file."""
        with self._lock:
            self._by_id.clear()
            self._by_path.clear()
