"""What a resident attaches, read from the control API: a photo, a document or a location.

Each function takes the control API's object and returns the Message fields Telegram would
give the bot (`photo`, `document`, `location`, `caption`...), or raises BadInput.

A photo reaches a bot as Telegram shows it: several PhotoSize, smallest first. The largest is
the resident's own bytes, width and height read from the JPEG or PNG header; the smaller ones
are JPEGs scaled down (with Pillow, which the project has through fpdf2) to Telegram's boxes
(90, 320, 800, 1280 px on the long side, those smaller than the original).
"""

from __future__ import annotations

import base64
import binascii
import io
import math
import mimetypes
import re
import warnings
from pathlib import PurePosixPath
from typing import Any

from PIL import Image

from tools.telegram_sim.files import FileStore
from tools.telegram_sim.objects import BadInput, command_entities

PHOTO_BOXES = (90, 320, 800, 1280)
PHOTO_FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png")}
MAX_CAPTION = 1024  # a resident's caption (Telegram Premium allows more; residents are not)
MAX_DECLARED_SIZE = 4 * 1024**3  # what Telegram Premium lets a person upload
MAX_FILE_NAME = 255
_MIME = re.compile(r"[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*")


def photo(files: FileStore, data: Any) -> dict:
    """Message fields of a photo: {"photo": [PhotoSize...], "caption"?, "caption_entities"?}."""
    data = _object(data, "photo")
    raw = _bytes(data, "photo")
    image = _image(raw)
    kind, extension = PHOTO_FORMATS[image.format]
    width, height = image.size
    sizes = []
    for box in PHOTO_BOXES:
        if box < max(width, height):
            sizes.append(_scaled(files, image, box))
    stored = files.add(raw, kind="photo", file_name=f"photo{extension}", mime_type=kind,
                       file_size=_declared_size(data, len(raw), "photo"), extension=extension)
    sizes.append(_photo_size(stored, width, height))
    return {"photo": sizes, **_caption(data, "photo")}


def document(files: FileStore, data: Any) -> dict:
    """Message fields of a document: {"document": Document, "caption"?, ...}."""
    data = _object(data, "document")
    raw = _bytes(data, "document")
    name = data.get("file_name")
    # a name, not a path: what a phone sends is the file's own name
    name = PurePosixPath(name.replace("\\", "/")).name if isinstance(name, str) else ""
    if name.strip() in ("", ".", ".."):
        raise BadInput("document.file_name must be a non-empty file name")
    if len(name) > MAX_FILE_NAME:
        raise BadInput(f"document.file_name must be at most {MAX_FILE_NAME} characters")
    mime = data.get("mime_type")
    if mime is None:
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    elif not isinstance(mime, str) or not _MIME.fullmatch(mime):
        raise BadInput("document.mime_type must be a MIME type such as application/pdf")
    stored = files.add(raw, kind="document", file_name=name, mime_type=mime,
                       file_size=_declared_size(data, len(raw), "document"))
    return {"document": stored.document(), **_caption(data, "document")}


def location(data: Any) -> dict:
    """Message fields of a shared location: {"location": Location}."""
    data = _object(data, "location")
    found = {}
    for name, limit in (("latitude", 90), ("longitude", 180)):
        value = _number(data.get(name), f"location.{name}")
        if not -limit <= value <= limit:
            raise BadInput(f"location.{name} must be between -{limit} and {limit}")
        found[name] = float(value)
    if data.get("horizontal_accuracy") is not None:
        accuracy = _number(data["horizontal_accuracy"], "location.horizontal_accuracy")
        if not 0 <= accuracy <= 1500:
            raise BadInput("location.horizontal_accuracy must be between 0 and 1500 (meters)")
        found["horizontal_accuracy"] = float(accuracy)
    return {"location": found}


def _object(data: Any, what: str) -> dict:
    if not isinstance(data, dict):
        raise BadInput(f"{what} must be an object")
    return data


def _bytes(data: dict, what: str) -> bytes:
    encoded = data.get("data_base64")
    if not isinstance(encoded, str):
        raise BadInput(f"{what}.data_base64 must be a string (the file's bytes in base64)")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise BadInput(f"{what}.data_base64 is not valid base64") from None
    if not raw:
        raise BadInput(f"{what}.data_base64 is empty: Telegram sends no empty files")
    return raw


def _declared_size(data: dict, actual: int, what: str) -> int | None:
    """A test's stand-in for a huge file: the size to report instead of the bytes' length."""
    size = data.get("file_size")
    if size is None:
        return None
    if not isinstance(size, int) or isinstance(size, bool):
        raise BadInput(f"{what}.file_size must be an integer (bytes)")
    if not actual <= size <= MAX_DECLARED_SIZE:
        raise BadInput(f"{what}.file_size must be between the bytes sent ({actual}) and "
                       f"{MAX_DECLARED_SIZE} (4 GB, what Telegram takes from a person)")
    return size


def _caption(data: dict, what: str) -> dict:
    caption = data.get("caption")
    if caption is None or caption == "":
        return {}
    if not isinstance(caption, str):
        raise BadInput(f"{what}.caption must be a string")
    if len(caption) > MAX_CAPTION:
        raise BadInput(f"{what}.caption must be at most {MAX_CAPTION} characters")
    fields: dict[str, Any] = {"caption": caption}
    if entities := command_entities(caption):
        fields["caption_entities"] = entities
    return fields


def _number(value: Any, what: str) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise BadInput(f"{what} must be a number")
    return value


def _image(raw: bytes) -> Image.Image:
    """The photo, decoded; BadInput unless it is a whole JPEG or PNG image."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw))
            if image.format not in PHOTO_FORMATS:
                raise BadInput(f"photo must be a JPEG or PNG image, not {image.format}; "
                               "send other files as a document")
            image.load()
    except BadInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadInput("photo has too many pixels") from None
    except (OSError, SyntaxError, ValueError):
        raise BadInput("photo must be a JPEG or PNG image; send other files as a document") \
            from None
    return image


def _scaled(files: FileStore, image: Image.Image, box: int) -> dict:
    """A smaller PhotoSize: the image scaled into box x box, as a JPEG."""
    small = image.copy()
    small.thumbnail((box, box))
    if small.mode != "RGB":
        small = small.convert("RGBA")
        background = Image.new("RGB", small.size, "white")
        background.paste(small, mask=small.getchannel("A"))
        small = background
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80)
    stored = files.add(out.getvalue(), kind="photo", file_name="photo.jpg",
                       mime_type="image/jpeg", extension=".jpg")
    return _photo_size(stored, *small.size)


def _photo_size(stored, width: int, height: int) -> dict:
    return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size, "width": width, "height": height}
