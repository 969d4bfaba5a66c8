// The chat page: wires the persona picker, the chat feed, the message list, the keyboards,
// the compose bar and the side panel together. Every action goes through /sim/ (api.js).

import * as api from "./api.js";
import { Attachments } from "./attachments.js";
import { Composer } from "./composer.js";
import { ChatFeed } from "./feed.js";
import { ReplyKeyboard } from "./keyboards.js";
import { MessageList } from "./messages.js";
import { Notices } from "./notices.js";
import { SidePanel } from "./panel.js";
import { PersonaPicker, personaLabel } from "./personas.js";

const CALLBACK_WAIT_SECONDS = 15; // how long the app shows a tapped button as busy
const SAFE_URL = /^(https?:|tg:)/i;
const $ = (id) => document.getElementById(id);

class ChatPage {
  constructor() {
    this.user = null;
    this.feed = null;
    this.profileLoading = null;
    this.notices = new Notices({ toast: $("toast"), alert: $("alert-dialog") });
    this.panel = new SidePanel({
      panel: $("side-panel"), toggle: $("panel-toggle"), close: $("panel-close"),
      mode: $("webhook-mode"), fields: $("webhook-fields"), bot: $("bot-panel"),
    });
    this.messages = new MessageList($("message-list"), $("messages"), {
      onCommand: (text) => this.send(text).catch(() => {}),
      onInlineButton: (button, node, message) => this.tap(button, node, message),
    });
    this.attachments = new Attachments(
      { button: $("attach-button"), menu: $("attach-menu"), photoInput: $("photo-input"),
        documentInput: $("document-input"), fileDialog: $("attach-dialog"),
        locationDialog: $("location-dialog") },
      { photo: (fields) => this.post(api.sendPhoto, fields),
        document: (fields) => this.post(api.sendDocument, fields),
        location: (fields) => this.post(api.sendLocation, fields) });
    this.keyboard = new ReplyKeyboard(
      { container: $("reply-keyboard"), toggle: $("keyboard-toggle"), input: $("message-input") },
      { onPress: (text) => this.send(text).catch(() => {}),
        onLocation: () => this.attachments.askLocation() }, "");
    this.composer = new Composer(
      { form: $("composer"), input: $("message-input"), commandsButton: $("commands-button"),
        menu: $("command-menu") },
      (text) => this.send(text));
    this.personas = new PersonaPicker(
      { select: $("persona-select"), newButton: $("new-persona"), dialog: $("persona-dialog") },
      (user) => this.switchTo(user));
    $("start-button").addEventListener("click", () => this.send("/start").catch(() => {}));
  }

  async start() {
    try {
      await this.personas.start();
    } catch (error) {
      this.notices.show(`Simulator tidak terjangkau: ${error.message}`, "error");
    }
  }

  /** Show another resident's chat with the bot. */
  switchTo(user) {
    this.feed?.stop();
    this.user = user;
    this.clearChat();
    document.title = `${personaLabel(user)} · Desa Sim`;
    this.loadProfile();
    this.feed = new ChatFeed(user.id, {
      onEntries: (entries, history) => this.onEntries(entries, history),
      onState: (ok) => this.setConnected(ok),
      onRestart: () => this.clearChat(),
    }).start();
    $("message-input").focus();
  }

  /** Forget what the view shows (another persona, or the simulator started over). */
  clearChat() {
    this.messages.clear();
    $("empty-chat").hidden = true;
    this.keyboard.reset(`telegram_sim.keyboard.${this.user.id}`);
  }

  onEntries(entries, history) {
    this.messages.apply(entries);
    this.keyboard.apply(entries);
    if (history) this.messages.scrollToBottom();
    $("empty-chat").hidden = this.messages.size > 0;
    // A bot that just answered may have changed its commands or description too.
    if (!history && entries.some((entry) => entry.sender === "bot")) this.loadProfile();
  }

  setConnected(ok) {
    $("bot-status").textContent = ok ? "bot" : "menghubungkan…";
  }

  /** The resident sends text (typed, a keyboard button, a /command). */
  async send(text) {
    try {
      await api.sendText(this.user, text);
      this.panel.nudge();
    } catch (error) {
      this.notices.show(`Tidak terkirim: ${error.message}`, "error");
      throw error;
    }
  }

  /** The resident sends a photo, a file or a location; the dialog shows a refusal. */
  async post(sendKind, fields) {
    await sendKind(this.user, fields);
    this.panel.nudge();
  }

  /** A tap on an inline button: a callback query, a link, or something the simulator lacks. */
  async tap(button, node, message) {
    if (button.url) {
      if (SAFE_URL.test(button.url)) window.open(button.url, "_blank", "noopener,noreferrer");
    } else if (button.callback_data !== undefined) {
      await this.callback(button.callback_data, node, message);
    } else if (button.copy_text) {
      await navigator.clipboard?.writeText(button.copy_text.text).catch(() => {});
      this.notices.show("Disalin ke papan klip");
    } else {
      this.notices.show("Tombol jenis ini tidak didukung simulator");
    }
  }

  /** Send the callback query, show the button busy until the bot answers, show its text. */
  async callback(data, node, message) {
    node.classList.add("loading");
    node.setAttribute("aria-busy", "true");
    try {
      const sent = await api.tapButton(this.user, data, message.message_id);
      this.panel.nudge();
      if (!sent.callback_query_id) return; // not in the bot's allowed_updates
      const { answer } = await api.callbackAnswer(sent.callback_query_id, CALLBACK_WAIT_SECONDS);
      if (answer?.text) {
        if (answer.show_alert) this.notices.showAlert(answer.text);
        else this.notices.show(answer.text);
      }
      if (answer?.url && SAFE_URL.test(answer.url)) window.open(answer.url, "_blank", "noopener");
    } catch (error) {
      this.notices.show(`Gagal: ${error.message}`, "error");
    } finally {
      node.classList.remove("loading");
      node.removeAttribute("aria-busy");
    }
  }

  /** The bot's name, description and commands for this chat (one request at a time). */
  loadProfile() {
    const user = this.user;
    this.profileLoading ??= api.botProfile(user.id, user.language_code)
      .then((profile) => { if (user === this.user) this.showProfile(profile); })
      .catch(() => {})
      .finally(() => { this.profileLoading = null; });
  }

  showProfile(profile) {
    const name = profile.user.first_name;
    $("bot-name").textContent = name;
    $("bot-avatar").textContent = name.trim().charAt(0).toUpperCase();
    $("empty-title").textContent = profile.description
      ? "Apa yang bisa dilakukan bot ini?" : name;
    $("bot-description").textContent = profile.description || profile.short_description
      || "Belum ada pesan. Tekan Mulai untuk menyapa bot.";
    this.composer.setCommands(profile.commands);
    this.panel.showBot(profile);
  }
}

new ChatPage().start();
