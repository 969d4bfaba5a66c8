"""Screenshots of a page at a laptop's and a phone's width, for a person to look at.

Saved only where SCREENSHOT_DIR says (`SCREENSHOT_DIR=/tmp/shots pytest tests/browser`): the
tests assert what a page does; the pictures are for checking how it looks.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page, expect

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def screenshot_dir() -> Path | None:
    """Where screenshots go, made if needed; None when nobody asked for them."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if not folder:
        return None
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def shoot(page: Page, name: str) -> None:
    """`<name>-laptop.png` and `<name>-phone.png`, full page; the page's size is kept."""
    folder = screenshot_dir()
    if folder is None:
        return
    size = page.viewport_size
    for label, viewport in (("laptop", LAPTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.wait_for_timeout(300)  # the layout at the new width settles first
        page.screenshot(path=folder / f"{name}-{label}.png", full_page=True)
    page.set_viewport_size(size)
    page.wait_for_timeout(100)


def close_panel(page: Page) -> None:
    """Close the chat page's side panel (open by default in a wide window), so screenshots
    show the chat."""
    if page.get_by_test_id("side-panel").is_visible():
        page.get_by_test_id("panel-toggle").click()
    expect(page.get_by_test_id("side-panel")).to_be_hidden()
