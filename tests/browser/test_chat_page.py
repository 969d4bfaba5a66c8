"""The simulator's chat page in Chromium, against a scripted bot behind the webhook."""

from __future__ import annotations

import io
import re
import socket

import requests
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from tests.browser.conftest import SECRET, TOKEN
from tests.browser.scripted_bot import CONFIRMED, LETTER_BYTES, LETTER_NAME
from tests.support.screens import close_panel, shoot

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def send(page, text: str) -> None:
    """Type text in the compose bar and press Enter."""
    box = page.get_by_test_id("message-input")
    box.fill(text)
    box.press("Enter")


def messages(page, sender: str):
    """The message bubbles of one side: "bot" or "me"."""
    return page.locator(f'[data-testid="message"][data-from="{sender}"]')


def persona_id(page) -> int:
    return int(page.get_by_test_id("persona-select").input_value())


def attach(page, item: str, path) -> None:
    """Open the paperclip menu, pick `item` (attach-photo, attach-document), choose the file."""
    page.get_by_test_id("attach-button").click()
    with page.expect_file_chooser() as chooser:
        page.get_by_test_id(item).click()
    chooser.value.set_files(path)


def street_photo(path, size=(640, 480)) -> bytes:
    """A small JPEG "photo" of a broken road, saved at path; its bytes."""
    picture = Image.new("RGB", size, "#8a9a5b")
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, size[1] // 2, size[0], size[1]), fill="#5b5b5b")
    draw.ellipse((size[0] // 3, size[1] * 3 // 5, size[0] // 2, size[1] * 4 // 5), fill="#3a2f25")
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    path.write_bytes(out.getvalue())
    return out.getvalue()


def test_enter_sends_an_update_to_the_webhook_with_the_secret(page, sim):
    send(page, "Halo desa")
    [update] = sim.hook.wait_for(1)
    assert update["message"]["text"] == "Halo desa"
    assert update["message"]["from"]["id"] == persona_id(page)
    assert sim.hook.received[0].headers[SECRET_HEADER] == SECRET
    expect(messages(page, "me")).to_have_text(re.compile(r"^Halo desa\d\d:\d\d$"))
    expect(messages(page, "bot")).to_contain_text("Anda menulis: Halo desa")
    expect(page.get_by_test_id("message-input")).to_have_value("")


def test_the_send_button_sends_too(page, sim):
    page.get_by_test_id("message-input").fill("Lewat tombol")
    page.get_by_test_id("send-button").click()
    assert sim.hook.wait_for(1)[0]["message"]["text"] == "Lewat tombol"


def test_bot_html_renders_formatted_and_markup_typed_as_text_stays_text(page, sim):
    send(page, "/start")
    welcome = messages(page, "bot").first
    expect(welcome.locator("strong")).to_have_text("Selamat datang")
    expect(welcome.locator("em")).to_have_text("Layanan Desa")

    attack = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'
    send(page, attack)
    echo = messages(page, "bot").nth(1)
    expect(echo).to_contain_text(f"Anda menulis: {attack}")
    expect(messages(page, "me").nth(1)).to_contain_text(attack)
    assert page.locator("#message-list script, #message-list img").count() == 0
    assert page.evaluate("window.pwned") is None


def test_every_formatting_entity_renders_as_its_element(page, sim):
    send(page, "Format")
    expect(messages(page, "bot")).to_have_count(1)
    sim.api("sendMessage", chat_id=persona_id(page), parse_mode="HTML", text=(
        "<b>tebal <i>miring</i></b> <u>garis</u> <s>coret</s> <code>kode</code>\n"
        '<pre><code class="language-python">print(1)</code></pre>'
        '<a href="https://desa.example/info">tautan</a> <a href="javascript:alert(1)">jahat</a> '
        '<tg-spoiler>rahasia</tg-spoiler>\n<blockquote>kutipan</blockquote>'
        "<blockquote expandable>panjang</blockquote>"))
    text = messages(page, "bot").nth(1).get_by_test_id("message-text")
    expect(text.locator("strong")).to_have_text("tebal miring")
    expect(text.locator("strong > em")).to_have_text("miring")
    expect(text.locator("u")).to_have_text("garis")
    expect(text.locator("s")).to_have_text("coret")
    expect(text.locator("code.inline-code")).to_have_text("kode")
    expect(text.locator('pre[data-language="python"]')).to_have_text("print(1)")
    link = text.locator("a")
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("href", "https://desa.example/info")
    expect(link).to_have_attribute("target", "_blank")
    expect(text.locator(".entity-link")).to_have_text("jahat")  # not a link: unsafe scheme
    spoiler = text.locator(".spoiler")
    expect(spoiler).not_to_have_class(re.compile("revealed"))
    spoiler.click()
    expect(spoiler).to_have_class(re.compile("revealed"))
    expect(text.locator("blockquote")).to_have_text(["kutipan", "panjang"])
    expect(text.locator("blockquote.expandable")).to_have_text("panjang")


def test_reply_keyboard_button_sends_its_text_and_a_one_time_keyboard_hides(page, sim):
    send(page, "/start")
    keyboard = page.get_by_test_id("reply-keyboard")
    buttons = keyboard.get_by_test_id("reply-keyboard-button")
    expect(buttons).to_have_text(["Biodata", "Surat", "Status", "Hapus tombol"])
    expect(page.get_by_test_id("message-input")).to_have_attribute("placeholder", "Pilih layanan")

    buttons.filter(has_text="Status").click()
    assert sim.hook.wait_for(2)[1]["message"]["text"] == "Status"
    expect(keyboard).to_be_hidden()  # one_time_keyboard
    page.get_by_test_id("keyboard-toggle").click()
    expect(keyboard).to_be_visible()

    buttons.filter(has_text="Hapus tombol").click()
    expect(messages(page, "bot").last).to_contain_text("Tombol disembunyikan.")
    expect(keyboard).to_be_hidden()
    expect(page.get_by_test_id("keyboard-toggle")).to_be_hidden()  # remove_keyboard


def test_inline_button_sends_a_callback_query_and_shows_the_answer(page, sim):
    send(page, "Biodata")
    card = messages(page, "bot").first
    expect(card.locator("code")).to_have_text("3517**********01")
    buttons = card.get_by_test_id("inline-button")
    buttons.filter(has_text="Data benar").click()
    expect(page.get_by_test_id("toast")).to_have_text(CONFIRMED)
    query = sim.hook.wait_for(2)[1]["callback_query"]
    assert query["data"] == "confirm"
    assert query["message"]["message_id"] == int(card.get_attribute("data-message-id"))
    assert query["from"]["id"] == persona_id(page)
    expect(buttons).to_have_text(["Situs desa"])  # editMessageReplyMarkup, in place
    expect(messages(page, "bot")).to_have_count(1)


def test_an_answer_with_show_alert_is_a_modal_alert(page, sim):
    send(page, "Biodata")
    messages(page, "bot").first.get_by_test_id("inline-button").filter(
        has_text="Ada yang salah").click()
    alert = page.get_by_test_id("callback-alert")
    expect(alert).to_contain_text("Silakan datang ke kantor desa")
    alert.get_by_role("button", name="OK").click()
    expect(alert).to_be_hidden()


def test_url_button_opens_the_url_in_a_new_tab(page, sim, browser_context):
    send(page, "Biodata")
    with browser_context.expect_page() as opened:
        messages(page, "bot").first.get_by_test_id("inline-button").filter(
            has_text="Situs desa").click()
    opened.value.wait_for_load_state()
    assert opened.value.url == f"{sim.url}/sim/chats"
    assert len(sim.hook.wait_for(2, timeout=0.5)) == 1  # no callback query for a URL button


def test_document_card_shows_name_size_caption_and_downloads_the_bytes(page, sim):
    send(page, "Surat")
    card = messages(page, "bot").first
    document = card.get_by_test_id("document")
    expect(document).to_contain_text(LETTER_NAME)
    expect(document).to_contain_text("KB")
    expect(card.locator("strong")).to_have_text("Surat Keterangan Usaha")
    with page.expect_download() as download:
        document.click()
    assert download.value.suggested_filename == LETTER_NAME
    with open(download.value.path(), "rb") as file:
        assert file.read() == LETTER_BYTES


def test_an_edited_message_changes_in_place(page, sim):
    send(page, "Status")
    bot = messages(page, "bot")
    expect(bot).to_have_count(1)
    expect(bot.first).to_contain_text("Selesai: surat siap diambil.")
    expect(bot.first.locator("strong")).to_have_text("Selesai")
    expect(bot.first).to_contain_text("diedit")
    expect(bot.first).not_to_contain_text("diproses")


def test_two_tabs_with_two_personas_see_only_their_own_chats(page, sim, browser_context):
    other = browser_context.new_page()
    other.goto(sim.url)
    budi = next(u for u in sim.control("/sim/users")["users"] if u["first_name"] == "Budi")
    other.get_by_test_id("persona-select").select_option(str(budi["id"]))
    expect(other.get_by_test_id("empty-chat")).to_be_visible()

    send(page, "Saya Siti")
    send(other, "Saya Budi")
    expect(messages(page, "bot")).to_have_text(re.compile("Anda menulis: Saya Siti"))
    expect(messages(other, "bot")).to_have_text(re.compile("Anda menulis: Saya Budi"))
    expect(messages(page, "me")).to_have_count(1)
    expect(messages(other, "me")).to_have_count(1)
    senders = {u["message"]["text"]: u["message"]["from"]["id"] for u in sim.hook.wait_for(2)}
    assert senders["Saya Siti"] != senders["Saya Budi"]
    assert senders["Saya Budi"] == persona_id(other) == budi["id"]

    other.reload()  # each tab keeps its own persona
    expect(other.get_by_test_id("persona-select").locator("option:checked")).to_contain_text(
        "Budi")
    expect(messages(other, "me")).to_have_text(re.compile("Saya Budi"))


def test_reload_keeps_the_history_in_order(page, sim):
    for text in ("Pertama", "Kedua"):
        send(page, text)
        expect(messages(page, "bot").last).to_contain_text(f"Anda menulis: {text}")
    send(page, "Status")
    expect(messages(page, "bot").last).to_contain_text("Selesai")
    before = page.locator('[data-testid="message"]').all_inner_texts()

    page.reload()
    expect(page.locator('[data-testid="message"]')).to_have_count(len(before))
    assert page.locator('[data-testid="message"]').all_inner_texts() == before
    assert [m.get_attribute("data-from") for m in page.locator(
        '[data-testid="message"]').all()] == ["me", "bot", "me", "bot", "me", "bot"]


def test_a_simulator_reset_clears_the_open_page(page, sim):
    send(page, "Halo")
    expect(messages(page, "bot")).to_have_count(1)
    requests.post(f"{sim.url}/sim/reset", timeout=5)
    expect(page.locator('[data-testid="message"]')).to_have_count(0)
    expect(page.get_by_test_id("empty-chat")).to_be_visible()
    send(page, "Lagi")
    expect(messages(page, "me")).to_have_text(re.compile("^Lagi"))


def test_commands_menu_and_description_come_from_the_bot(browser_context, sim):
    sim.api("setMyCommands", commands=[{"command": "start", "description": "Menu utama"},
                                       {"command": "biodata", "description": "Data diri"}])
    sim.api("setMyDescription", description="Layanan desa lewat Telegram.")
    page = browser_context.new_page()
    page.goto(sim.url)
    expect(page.get_by_test_id("bot-description")).to_have_text("Layanan desa lewat Telegram.")
    page.get_by_test_id("commands-button").click()
    items = page.get_by_test_id("command-item")
    expect(items).to_have_count(2)
    items.filter(has_text="/start").click()
    assert sim.hook.wait_for(1)[0]["message"]["text"] == "/start"
    expect(page.get_by_test_id("empty-chat")).to_be_hidden()


def test_a_new_persona_is_made_by_the_simulator_and_chats_as_itself(page, sim):
    page.get_by_test_id("new-persona").click()
    page.get_by_test_id("persona-first-name").fill("Wayan")
    page.get_by_test_id("persona-username").fill("wayan_desa")
    page.get_by_test_id("persona-save").click()
    expect(page.get_by_test_id("persona-select").locator("option:checked")).to_have_text(
        "Wayan (@wayan_desa)")
    send(page, "Halo")
    sender = sim.hook.wait_for(1)[0]["message"]["from"]
    assert sender["first_name"] == "Wayan" and sender["username"] == "wayan_desa"
    assert sender["id"] in [u["id"] for u in sim.control("/sim/users")["users"]]


def test_webhook_panel_shows_pending_updates_and_the_last_error(page, sim):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/telegram/webhook"
    sim.api("setWebhook", url=dead)
    if page.get_by_test_id("side-panel").is_hidden():
        page.get_by_test_id("panel-toggle").click()
    panel = page.get_by_test_id("webhook-panel")
    expect(panel.get_by_test_id("webhook-url")).to_have_text(re.compile(r"^127\.0\.0\.1:\d+$"))

    send(page, "Satu")
    expect(panel.get_by_test_id("webhook-pending_update_count")).to_have_text("1")
    expect(panel.get_by_test_id("webhook-last_error_message")).to_have_text("Connection refused")
    send(page, "Dua")
    expect(panel.get_by_test_id("webhook-pending_update_count")).to_have_text("2")
    expect(panel.get_by_test_id("webhook-failures")).not_to_have_text("0")
    expect(panel.get_by_test_id("webhook-last_error_date")).to_be_visible()


def test_without_a_webhook_updates_wait_for_get_updates(page, sim):
    sim.api("deleteWebhook")
    if page.get_by_test_id("side-panel").is_hidden():
        page.get_by_test_id("panel-toggle").click()
    panel = page.get_by_test_id("webhook-panel")
    send(page, "Lewat getUpdates")
    expect(panel.get_by_test_id("webhook-mode")).to_contain_text("wait for getUpdates")
    expect(panel.get_by_test_id("webhook-pending_update_count")).to_have_text("1")
    expect(panel.get_by_test_id("webhook-url")).to_have_count(0)
    updates = requests.post(f"{sim.bot.api}/getUpdates", json={"timeout": 0}, timeout=5).json()
    assert [u["message"]["text"] for u in updates["result"]] == ["Lewat getUpdates"]


def test_narrow_window_keeps_the_chat_usable(page, sim):
    page.set_viewport_size({"width": 380, "height": 700})
    send(page, "/start")
    expect(page.get_by_test_id("reply-keyboard")).to_be_visible()
    box = page.get_by_test_id("message-input").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 380
    assert page.evaluate("document.documentElement.scrollWidth") <= 380


def test_a_photo_from_the_paperclip_reaches_the_bot_and_shows_in_the_chat(page, sim, tmp_path):
    close_panel(page)
    sent = street_photo(tmp_path / "jalan.jpg")
    attach(page, "attach-photo", tmp_path / "jalan.jpg")
    dialog = page.get_by_test_id("attach-dialog")
    expect(dialog.get_by_test_id("attach-preview")).to_be_visible()
    dialog.get_by_test_id("attach-caption").fill("Jalan berlubang di RT 02")
    shoot(page, "chat-photo-dialog")
    dialog.get_by_test_id("attach-send").click()
    expect(dialog).to_be_hidden()

    [update] = sim.hook.wait_for(1)
    message = update["message"]
    assert message["caption"] == "Jalan berlubang di RT 02"
    assert [(p["width"], p["height"]) for p in message["photo"]] == [
        (90, 68), (320, 240), (640, 480)]
    file = sim.api("getFile", file_id=message["photo"][-1]["file_id"])
    got = requests.get(f"{sim.url}/file/bot{TOKEN}/{file['file_path']}", timeout=5)
    assert got.content == sent

    mine = messages(page, "me")
    photo = mine.get_by_test_id("photo").locator("img")
    expect(photo).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth === 320",
                           arg=photo.element_handle())
    expect(mine.get_by_test_id("message-text")).to_contain_text("Jalan berlubang di RT 02")
    shoot(page, "chat-photo")


def test_a_file_from_the_paperclip_is_a_document(page, sim, tmp_path):
    (tmp_path / "kk.pdf").write_bytes(LETTER_BYTES)
    attach(page, "attach-document", tmp_path / "kk.pdf")
    dialog = page.get_by_test_id("attach-dialog")
    expect(dialog.get_by_test_id("attach-file")).to_have_text("kk.pdf")
    dialog.get_by_test_id("attach-send").click()

    document = sim.hook.wait_for(1)[0]["message"]["document"]
    assert (document["file_name"], document["mime_type"]) == ("kk.pdf", "application/pdf")
    assert document["file_size"] == len(LETTER_BYTES)
    card = messages(page, "me").get_by_test_id("document")
    expect(card).to_contain_text("kk.pdf")
    expect(card).to_contain_text("KB")


def test_a_photo_the_simulator_refuses_says_why_in_the_dialog(page, sim, tmp_path):
    (tmp_path / "rusak.jpg").write_bytes(b"\xff\xd8 not really a JPEG")
    attach(page, "attach-photo", tmp_path / "rusak.jpg")
    dialog = page.get_by_test_id("attach-dialog")
    dialog.get_by_test_id("attach-send").click()
    expect(dialog).to_contain_text("Tidak terkirim: photo must be a JPEG or PNG image")
    expect(dialog).to_be_visible()
    assert sim.hook.wait_for(1, timeout=0.5) == []


def test_share_location_sends_the_village_by_default_and_shows_a_card(page, sim):
    close_panel(page)
    page.get_by_test_id("attach-button").click()
    expect(page.get_by_test_id("attach-menu")).to_be_visible()
    shoot(page, "chat-attach-menu")
    page.get_by_test_id("attach-location").click()
    dialog = page.get_by_test_id("location-dialog")
    shoot(page, "chat-location-dialog")
    expect(dialog.get_by_test_id("location-latitude")).to_have_value("-7.5617")
    expect(dialog.get_by_test_id("location-longitude")).to_have_value("112.2703")
    dialog.get_by_test_id("location-send").click()
    expect(dialog).to_be_hidden()

    [update] = sim.hook.wait_for(1)
    assert update["message"]["location"] == {"latitude": -7.5617, "longitude": 112.2703}
    assert "text" not in update["message"]
    card = messages(page, "me").get_by_test_id("location")
    expect(card.get_by_test_id("location-coordinates")).to_have_text("-7.56170, 112.27030")


def test_a_request_location_button_shares_a_location_instead_of_its_text(page, sim):
    close_panel(page)
    send(page, "Aduan")
    expect(messages(page, "bot")).to_have_count(1)
    sim.api("sendMessage", chat_id=persona_id(page), text="Di mana kejadiannya?",
            reply_markup={"keyboard": [[{"text": "Kirim lokasi", "request_location": True}],
                                       [{"text": "Lewati"}]],
                          "resize_keyboard": True, "one_time_keyboard": True})
    button = page.get_by_test_id("reply-keyboard-button").filter(has_text="Kirim lokasi")
    shoot(page, "chat-location-button")
    button.click()
    dialog = page.get_by_test_id("location-dialog")
    dialog.get_by_test_id("location-latitude").fill("-7.5")
    dialog.get_by_test_id("location-longitude").fill("112.25")
    dialog.get_by_test_id("location-send").click()

    updates = sim.hook.wait_for(2)
    assert updates[1]["message"]["location"] == {"latitude": -7.5, "longitude": 112.25}
    assert "text" not in updates[1]["message"]
    expect(messages(page, "me").last.get_by_test_id("location")).to_be_visible()
    expect(page.get_by_test_id("reply-keyboard")).to_be_hidden()  # one_time_keyboard
    shoot(page, "chat-location")
