"""A bot on the simulator's far side for the browser tests: answers residents by script,
calling the simulator's Bot API like a real bot (and like the notifier) would.

    /start          HTML welcome and a one-time reply keyboard
    Biodata         a message with an inline keyboard (a callback button, a URL button)
    Surat           a PDF document with an HTML caption
    Status          a message, then editMessageText of it
    Hapus tombol    removes the reply keyboard
    anything else   echoed back, HTML-escaped (so markup typed by a resident stays text)
    callback query  answerCallbackQuery with a text (an alert for data "alert"); "confirm"
                    also takes the answered buttons off (editMessageReplyMarkup)
"""

from __future__ import annotations

import html

import requests

MENU = {
    "keyboard": [[{"text": "Biodata"}, {"text": "Surat"}], [{"text": "Status"}, "Hapus tombol"]],
    "resize_keyboard": True,
    "one_time_keyboard": True,
    "input_field_placeholder": "Pilih layanan",
}
LETTER_NAME = "surat-keterangan-usaha.pdf"
LETTER_BYTES = b"%PDF-1.4\n% Surat Keterangan Usaha\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
CONFIRMED = "Terima kasih, data sudah dikonfirmasi."


class ScriptedBot:
    """Call it with an Update (as WebhookReceiver's `respond`); it answers and returns 200."""

    def __init__(self, sim_url: str, token: str, site_url: str):
        self.api = f"{sim_url}/bot{token}"
        self.site_url = site_url

    def __call__(self, update: dict) -> int:
        if "callback_query" in update:
            self.on_callback(update["callback_query"])
        elif "text" in update.get("message", {}):
            self.on_text(update["message"]["chat"]["id"], update["message"]["text"])
        return 200

    def call(self, method: str, files: dict | None = None, **params) -> dict:
        """One Bot API call; fails the test on anything but ok."""
        if files:
            response = requests.post(f"{self.api}/{method}", data=params, files=files, timeout=5)
        else:
            response = requests.post(f"{self.api}/{method}", json=params, timeout=5)
        body = response.json()
        assert body["ok"], body
        return body["result"]

    def on_text(self, chat_id: int, text: str) -> None:
        """Answer one text message by the script above."""
        if text == "/start":
            self.call("sendMessage", chat_id=chat_id, parse_mode="HTML", reply_markup=MENU,
                      text="<b>Selamat datang</b> di <i>Layanan Desa</i>.\nPilih layanan:")
        elif text == "Biodata":
            buttons = [[{"text": "Data benar", "callback_data": "confirm"},
                        {"text": "Ada yang salah", "callback_data": "alert"}],
                       [{"text": "Situs desa", "url": self.site_url}]]
            self.call("sendMessage", chat_id=chat_id, parse_mode="HTML",
                      text="<b>Biodata Penduduk</b>\nNama: <b>Siti Rahayu</b>\n"
                           "NIK: <code>3517**********01</code>",
                      reply_markup={"inline_keyboard": buttons})
        elif text == "Surat":
            self.call("sendDocument", chat_id=str(chat_id), parse_mode="HTML",
                      caption="<b>Surat Keterangan Usaha</b> nomor 470/12/2026",
                      files={"document": (LETTER_NAME, LETTER_BYTES, "application/pdf")})
        elif text == "Status":
            sent = self.call("sendMessage", chat_id=chat_id, text="Permohonan sedang diproses…")
            self.call("editMessageText", chat_id=chat_id, message_id=sent["message_id"],
                      parse_mode="HTML", text="<b>Selesai</b>: surat siap diambil.")
        elif text == "Hapus tombol":
            self.call("sendMessage", chat_id=chat_id, text="Tombol disembunyikan.",
                      reply_markup={"remove_keyboard": True})
        else:
            self.call("sendMessage", chat_id=chat_id, parse_mode="HTML",
                      text=f"Anda menulis: {html.escape(text, quote=False)}")

    def on_callback(self, query: dict) -> None:
        """Answer a tap on an inline button with a toast (or an alert)."""
        if query["data"] == "alert":
            self.call("answerCallbackQuery", callback_query_id=query["id"], show_alert=True,
                      text="Silakan datang ke kantor desa membawa KTP.")
        else:
            self.call("answerCallbackQuery", callback_query_id=query["id"], text=CONFIRMED)
            message = query["message"]
            self.call("editMessageReplyMarkup", chat_id=message["chat"]["id"],
                      message_id=message["message_id"],
                      reply_markup={"inline_keyboard": [[{"text": "Situs desa",
                                                          "url": self.site_url}]]})
