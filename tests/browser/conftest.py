"""Browser fixtures: Debian's Chromium driven by Playwright, and a simulator with a scripted
bot on its far side.

Playwright's own browser downloads are never used (no `playwright install`): the tests launch
the system's Chromium, as root hence --no-sandbox.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.browser.scripted_bot import ScriptedBot
from tools.telegram_sim.app import create_app
from tools.telegram_sim.testing import WebhookReceiver, serve

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1000, "height": 700}
TOKEN = "123456:BROWSER-TEST"
SECRET = "browser-test-secret"


@pytest.fixture(scope="session")
def browser() -> Browser:
    """One headless Chromium for the whole run."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM} (set CHROMIUM_PATH)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_context(browser) -> BrowserContext:
    """A fresh profile (cookies, storage) per test, in a 1000x700 window.

    Any uncaught script error on any of its pages fails the test.
    """
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.set_default_timeout(5000)
    errors: list[str] = []
    context.on("page", lambda page: page.on("pageerror", lambda error: errors.append(
        f"{page.url}: {error}")))
    yield context
    context.close()
    assert not errors, f"script errors in the page: {errors}"


@dataclass
class Sim:
    """A served simulator whose webhook is a WebhookReceiver answered by a ScriptedBot."""

    url: str
    hook: WebhookReceiver
    bot: ScriptedBot

    def api(self, method: str, **params) -> dict:
        """Call the Bot API as the bot."""
        return self.bot.call(method, **params)

    def control(self, path: str) -> dict:
        """GET a control endpoint (/sim/...)."""
        return requests.get(f"{self.url}{path}", timeout=5).json()


@pytest.fixture
def sim() -> Sim:
    """The simulator with the scripted bot behind a webhook that checks nothing but answers."""
    app = create_app(TOKEN, retry_base_delay=0.2, retry_max_delay=1.0, webhook_timeout=5)
    with serve(app) as url:
        bot = ScriptedBot(url, TOKEN, site_url=f"{url}/sim/chats")
        with WebhookReceiver(respond=bot) as hook:
            sim = Sim(url, hook, bot)
            sim.api("setWebhook", url=hook.url, secret_token=SECRET)
            yield sim


@pytest.fixture
def page(browser_context, sim) -> Page:
    """The chat page of the simulator, loaded, as the first ready-made persona."""
    page = browser_context.new_page()
    page.goto(sim.url)
    expect(page.get_by_test_id("empty-chat")).to_be_visible()  # history loaded: none yet
    return page
