// The message list: one bubble per message, the resident's on the right, the bot's on the left.

import { renderFormatted } from "./entities.js";
import { icon } from "./icons.js";
import { inlineKeyboard } from "./keyboards.js";

const NEAR_BOTTOM_PX = 80;

/** Two-digit hours and minutes of a Unix time, in the browser's time zone. */
export function clockTime(unixSeconds) {
  const date = new Date(unixSeconds * 1000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function dayLabel(unixSeconds) {
  const date = new Date(unixSeconds * 1000);
  const today = new Date();
  if (date.toDateString() === today.toDateString()) return "Hari ini";
  return date.toLocaleDateString("id-ID", { day: "numeric", month: "long", year: "numeric" });
}

/** "12,5 KB": a file size the way Telegram's apps write it. */
export function fileSize(bytes) {
  if (!Number.isFinite(bytes)) return "";
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${value.toLocaleString("id-ID", { maximumFractionDigits: digits })} ${units[unit]}`;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The chat's messages in a scrolling <ol>, kept in order and edited in place. */
export class MessageList {
  /** handlers: onCommand(text), onInlineButton(button, element, message). */
  constructor(list, scroller, handlers) {
    this.list = list;
    this.scroller = scroller;
    this.handlers = handlers;
    this.items = new Map(); // message_id -> <li>
    this.lastDay = null;
    // A reply keyboard shown, the composer growing or a narrower window changes the list's
    // size: a view that was at the bottom stays there, so the newest message is not hidden.
    // A scroll the resize itself causes (before the observer runs) does not count.
    this.atBottom = true;
    this.observedSize = "";
    scroller.addEventListener("scroll", () => {
      if (this.boxSize() === this.observedSize) this.atBottom = this.nearBottom();
    });
    new ResizeObserver(() => {
      this.observedSize = this.boxSize();
      if (this.atBottom) this.scrollToBottom();
    }).observe(scroller);
  }

  boxSize() {
    return `${this.scroller.clientWidth}x${this.scroller.clientHeight}`;
  }

  get size() {
    return this.items.size;
  }

  clear() {
    this.list.replaceChildren();
    this.items.clear();
    this.lastDay = null;
  }

  /** Add new messages and apply edits; keeps the view at the bottom when it was there. */
  apply(entries) {
    const stick = this.nearBottom() || entries.some((e) => e.sender === "resident");
    for (const entry of entries) this.upsert(entry);
    if (stick) this.scrollToBottom();
  }

  nearBottom() {
    const { scrollHeight, scrollTop, clientHeight } = this.scroller;
    return scrollHeight - scrollTop - clientHeight < NEAR_BOTTOM_PX;
  }

  scrollToBottom() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  upsert(entry) {
    const item = this.render(entry);
    const existing = this.items.get(entry.message_id);
    if (existing) {
      existing.replaceWith(item);
    } else {
      this.addDaySeparator(entry.message.date);
      this.list.append(item);
    }
    this.items.set(entry.message_id, item);
  }

  addDaySeparator(date) {
    const label = dayLabel(date);
    if (label === this.lastDay) return;
    this.lastDay = label;
    const separator = element("li", "day-separator");
    separator.append(element("span", "", label));
    this.list.append(separator);
  }

  /** The <li> of one message: bubble with reply quote, document, text, time; its keyboard. */
  render(entry) {
    const { message } = entry;
    const mine = entry.sender === "resident";
    const item = element("li", `message ${mine ? "from-me" : "from-bot"}`);
    item.dataset.testid = "message";
    item.dataset.from = mine ? "me" : "bot";
    item.dataset.messageId = String(entry.message_id);
    const bubble = element("div", "bubble");
    if (message.reply_to_message) bubble.append(this.replyQuote(message.reply_to_message));
    const media = message.photo || message.document || message.location;
    if (message.photo) bubble.append(photoView(message.photo));
    if (message.document) bubble.append(documentCard(message.document));
    if (message.location) bubble.append(locationCard(message.location));
    if (message.photo) bubble.classList.add("has-photo");
    const text = message.text ?? message.caption;
    const entities = message.text !== undefined ? message.entities : message.caption_entities;
    const body = element("div", media ? "text caption" : "text");
    body.dataset.testid = "message-text";
    if (text) body.append(renderFormatted(text, entities, { onCommand: this.handlers.onCommand }));
    else body.classList.add("empty"); // a photo or a file alone: only the time
    body.append(meta(message));
    bubble.append(body);
    item.append(bubble);
    const rows = message.reply_markup?.inline_keyboard;
    if (rows?.length) {
      item.append(inlineKeyboard(rows, (button, node) =>
        this.handlers.onInlineButton(button, node, message)));
    }
    return item;
  }

  replyQuote(original) {
    const quote = element("div", "reply-quote");
    const who = original.from?.is_bot ? original.from.first_name : "Anda";
    quote.append(element("strong", "", who));
    const snippet = original.text ?? original.caption ?? original.document?.file_name
      ?? (original.photo ? "Foto" : original.location ? "Lokasi" : "");
    quote.append(element("span", "", snippet.slice(0, 120)));
    return quote;
  }
}

/** Time (and "diedit") at the bubble's bottom right. */
function meta(message) {
  const box = element("span", "meta");
  if (message.edit_date) box.append(element("span", "edited", "diedit"));
  const time = element("time", "", clockTime(message.date));
  time.dateTime = new Date(message.date * 1000).toISOString();
  time.title = new Date(message.date * 1000).toLocaleString("id-ID");
  box.append(time);
  return box;
}

/** A document as a card that downloads the file from the simulator. */
function documentCard(document_) {
  const card = element("a", "document-card");
  card.dataset.testid = "document";
  card.href = fileUrl(document_.file_id);
  card.download = document_.file_name || "";
  const name = document_.file_name || "dokumen";
  card.setAttribute("aria-label", `Unduh ${name}`);
  const extension = (name.includes(".") ? name.split(".").pop() : "file").slice(0, 4);
  card.append(element("span", "document-icon", extension.toUpperCase()));
  const details = element("span", "document-details");
  details.append(element("span", "document-name", name));
  details.append(element("span", "document-size", fileSize(document_.file_size)));
  card.append(details);
  return card;
}

/** A file's bytes in the simulator (documents download, photos show inline). */
const fileUrl = (fileId) => `/sim/files/${encodeURIComponent(fileId)}`;

/**
 * A photo as Telegram's apps show it: a size fit for the bubble (at least 320 px, else the
 * largest), opening the original in a new tab.
 */
function photoView(sizes) {
  const largest = sizes[sizes.length - 1];
  const shown = sizes.find((size) => Math.max(size.width, size.height) >= 320) || largest;
  const link = element("a", "photo");
  link.dataset.testid = "photo";
  link.href = fileUrl(largest.file_id);
  link.target = "_blank";
  link.rel = "noopener";
  link.setAttribute("aria-label", `Foto ${largest.width}×${largest.height}, buka ukuran asli`);
  const image = element("img");
  image.src = fileUrl(shown.file_id);
  image.width = shown.width;
  image.height = shown.height;
  image.alt = "Foto";
  link.append(image);
  return link;
}

/** "-7.56170": five decimals, about a metre (a dot, as maps write coordinates everywhere). */
const coordinate = (value) => value.toFixed(5);

/** A shared location as a card with its coordinates (no map tiles: the simulator is offline). */
function locationCard(location) {
  const card = element("div", "location-card");
  card.dataset.testid = "location";
  const pin = element("span", "location-pin");
  pin.append(icon("pin"));
  card.append(pin);
  const details = element("span", "location-details");
  details.append(element("span", "location-title", "Lokasi"));
  const where = element("span", "location-coordinates",
    `${coordinate(location.latitude)}, ${coordinate(location.longitude)}`);
  where.dataset.testid = "location-coordinates";
  details.append(where);
  if (location.horizontal_accuracy !== undefined) {
    details.append(element("span", "location-accuracy",
      `± ${Math.round(location.horizontal_accuracy)} m`));
  }
  card.append(details);
  return card;
}
