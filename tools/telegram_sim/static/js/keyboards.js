// Keyboards: inline keyboards under their message, and the reply keyboard under the compose bar.

import { icon } from "./icons.js";

function button(className, label, testid) {
  const node = document.createElement("button");
  node.type = "button";
  node.className = className;
  node.textContent = label;
  node.dataset.testid = testid;
  return node;
}

/** The rows of an inline keyboard; onButton(button, element) runs on a tap. */
export function inlineKeyboard(rows, onButton) {
  const keyboard = document.createElement("div");
  keyboard.className = "inline-keyboard";
  keyboard.dataset.testid = "inline-keyboard";
  for (const row of rows) {
    const line = document.createElement("div");
    line.className = "keyboard-row";
    for (const data of row) {
      const node = button("inline-button", data.text, "inline-button");
      if (data.url) {
        node.classList.add("url-button");
        node.setAttribute("aria-label", `${data.text} (membuka tautan di tab baru)`);
      }
      node.addEventListener("click", () => onButton(data, node));
      line.append(node);
    }
    keyboard.append(line);
  }
  return keyboard;
}

/** A KeyboardButton's text (Telegram also takes a bare string as a button). */
const buttonText = (data) => (typeof data === "string" ? data : data.text);

/**
 * The reply keyboard: set by the latest bot message whose reply_markup has `keyboard`,
 * removed by one with `remove_keyboard`; a one-time keyboard hides after a tap (and the
 * keyboard button in the compose bar shows it again).
 */
export class ReplyKeyboard {
  /**
   * elements: {container, toggle, input}; handlers: onPress(text) sends a button's text,
   * onLocation() shares a location (a button with request_location).
   */
  constructor({ container, toggle, input }, { onPress, onLocation }, storageKey) {
    this.container = container;
    this.toggle = toggle;
    this.input = input;
    this.onPress = onPress;
    this.onLocation = onLocation;
    this.storageKey = storageKey;
    this.markup = null;
    this.messageId = null;
    this.hidden = false;
    toggle.addEventListener("click", () => this.setHidden(!this.hidden));
  }

  /** Follow the conversation: new bot messages may set or remove the keyboard. */
  apply(entries) {
    const before = this.messageId;
    for (const entry of entries) {
      const markup = entry.reply_markup;
      if (entry.sender !== "bot" || entry.event !== "sent" || !markup) continue;
      if (Array.isArray(markup.keyboard)) {
        this.markup = markup;
        this.messageId = entry.message_id;
      } else if (markup.remove_keyboard) {
        this.markup = null;
        this.messageId = null;
      }
    }
    if (this.messageId !== before) {
      // A keyboard the resident hid (one-time, used) stays hidden across reloads.
      this.hidden = this.messageId !== null
        && sessionStorage.getItem(this.storageKey) === String(this.messageId);
      this.render();
    }
  }

  setHidden(hidden) {
    this.hidden = hidden;
    if (hidden && this.messageId !== null) {
      sessionStorage.setItem(this.storageKey, String(this.messageId));
    } else {
      sessionStorage.removeItem(this.storageKey);
    }
    this.render();
  }

  press(data) {
    if (this.markup?.one_time_keyboard) this.setHidden(true);
    // Telegram sends no text for a location button: the resident shares a location instead.
    if (data.request_location) this.onLocation();
    else this.onPress(buttonText(data));
  }

  render() {
    const markup = this.markup;
    const shown = Boolean(markup) && !this.hidden;
    this.container.replaceChildren();
    this.container.hidden = !shown;
    this.container.classList.toggle("resized", Boolean(markup?.resize_keyboard));
    this.toggle.hidden = !markup;
    this.toggle.setAttribute("aria-expanded", String(shown));
    this.toggle.setAttribute("aria-label", shown ? "Sembunyikan tombol" : "Tampilkan tombol");
    this.toggle.classList.toggle("active", shown);
    this.input.placeholder = markup?.input_field_placeholder || this.input.dataset.placeholder;
    if (!shown) return;
    for (const row of markup.keyboard) {
      const line = document.createElement("div");
      line.className = "keyboard-row";
      for (const data of row) {
        const node = button("reply-button", buttonText(data), "reply-keyboard-button");
        if (data.request_location) {
          node.classList.add("request-location");
          node.title = "Bagikan lokasi";
          node.prepend(icon("pin", "button-icon"));
        }
        node.addEventListener("click", () => this.press(data));
        line.append(node);
      }
      this.container.append(line);
    }
  }

  /** Forget the keyboard (another resident's chat starts). */
  reset(storageKey) {
    this.storageKey = storageKey;
    this.markup = null;
    this.messageId = null;
    this.hidden = false;
    this.render();
  }
}
