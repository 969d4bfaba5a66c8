// The side panel: the bot's profile, and the webhook as getWebhookInfo reports it plus the
// simulator's delivery counters, refreshed every few seconds while the panel is open.

import { webhookInfo } from "./api.js";

const REFRESH_MS = 3000;
const NUDGE_MS = 300;
const OPEN_KEY = "telegram_sim.panel";
const WIDE = "(min-width: 960px)";

function host(url) {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function formatDate(unixSeconds) {
  const date = new Date(unixSeconds * 1000);
  const ago = Math.max(0, Math.round((Date.now() - date.getTime()) / 1000));
  return `${date.toLocaleTimeString("id-ID")} (${ago} s ago)`;
}

/** [field, label, formatter] of each line of the webhook panel, in getWebhookInfo's order. */
const FIELDS = [
  ["url", "url", host],
  ["has_custom_certificate", "has_custom_certificate", String],
  ["pending_update_count", "pending_update_count", String],
  ["last_error_date", "last_error_date", formatDate],
  ["last_error_message", "last_error_message", String],
  ["max_connections", "max_connections", String],
  ["allowed_updates", "allowed_updates", (value) => value.join(", ") || "(default)"],
  ["delivered", "delivered", String],
  ["attempts", "attempts", String],
  ["failures", "failures", String],
];

export class SidePanel {
  /** elements: {panel, toggle, close, mode, fields, bot}. */
  constructor({ panel, toggle, close, mode, fields, bot }) {
    Object.assign(this, { panel, toggle, mode, fields, bot });
    this.timer = null;
    toggle.addEventListener("click", () => this.setOpen(panel.hidden));
    close.addEventListener("click", () => this.setOpen(false));
    document.addEventListener("visibilitychange", () => this.schedule());
    const stored = localStorage.getItem(OPEN_KEY);
    this.setOpen(stored === null ? matchMedia(WIDE).matches : stored === "open", false);
  }

  setOpen(open, remember = true) {
    this.panel.hidden = !open;
    this.toggle.setAttribute("aria-expanded", String(open));
    document.body.classList.toggle("panel-open", open);
    if (remember) localStorage.setItem(OPEN_KEY, open ? "open" : "closed");
    this.schedule();
  }

  /** Refresh after `delay` ms, then every REFRESH_MS, while the panel is open and visible. */
  schedule(delay = 0) {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.panel.hidden || document.hidden) return;
    this.timer = setTimeout(() => this.tick(), delay);
  }

  async tick() {
    this.timer = null;
    await this.refresh();
    if (this.timer === null) this.schedule(REFRESH_MS); // unless nudged meanwhile
  }

  /** Something was just sent: refresh soon, once the simulator tried to deliver it. */
  nudge() {
    this.schedule(NUDGE_MS);
  }

  async refresh() {
    try {
      this.showWebhook(await webhookInfo());
    } catch (error) {
      this.mode.textContent = `Simulator not reachable: ${error.message}`;
    }
  }

  showWebhook(info) {
    this.mode.textContent = info.url
      ? "Updates are POSTed to the webhook."
      : "No webhook set: updates wait for getUpdates.";
    this.mode.dataset.state = info.url ? "webhook" : "polling";
    const lines = [];
    for (const [field, label, format] of FIELDS) {
      if (info[field] === undefined || (field === "url" && !info.url)) continue;
      const term = document.createElement("dt");
      term.textContent = label;
      const value = document.createElement("dd");
      value.textContent = format(info[field]);
      value.dataset.testid = `webhook-${field}`;
      if (field === "url") value.title = info.url;
      if (field === "last_error_message") value.classList.add("error");
      lines.push(term, value);
    }
    this.fields.replaceChildren(...lines);
  }

  /** The bot's name, @username, short description and commands (from /sim/bot). */
  showBot(profile) {
    const { user } = profile;
    this.bot.querySelector("[data-role=name]").textContent = user.first_name;
    this.bot.querySelector("[data-role=username]").textContent = `@${user.username}`;
    const about = this.bot.querySelector("[data-role=about]");
    about.textContent = profile.short_description || profile.description || "";
    about.hidden = !about.textContent;
    const list = this.bot.querySelector("[data-role=commands]");
    list.replaceChildren(...profile.commands.map(({ command, description }) => {
      const item = document.createElement("li");
      const name = document.createElement("code");
      name.textContent = `/${command}`;
      item.append(name, ` ${description}`);
      return item;
    }));
    list.hidden = profile.commands.length === 0;
  }
}
