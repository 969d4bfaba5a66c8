// Text + MessageEntity list -> DOM nodes, the way Telegram's apps show formatted messages.
// Only text nodes carry the message's characters (never innerHTML), so nothing in a bot's
// or a resident's text can become markup. Offsets are UTF-16 code units, like JS strings.

const SAFE_LINK = /^(https?:|tg:|mailto:)/i;

/** A DocumentFragment for `text` formatted by `entities`; onCommand(text) runs a /command. */
export function renderFormatted(text, entities = [], { onCommand } = {}) {
  const clean = normalize(text, entities);
  return renderRange(text, 0, text.length, clean, { onCommand });
}

/** Entities clipped to the text, outer ones first (by offset, then longest). */
function normalize(text, entities) {
  return (entities || [])
    .map((entity, index) => ({ ...entity, index }))
    .filter((e) => Number.isInteger(e.offset) && Number.isInteger(e.length) && e.length > 0)
    .map((e) => {
      const offset = Math.max(0, Math.min(e.offset, text.length));
      const end = Math.max(offset, Math.min(e.offset + e.length, text.length));
      return { ...e, offset, length: end - offset };
    })
    .filter((e) => e.length > 0)
    .sort(byPosition);
}

function byPosition(a, b) {
  return a.offset - b.offset || b.length - a.length || a.index - b.index;
}

/** Nodes for text[start, end) with the given entities, all inside that range. */
function renderRange(text, start, end, entities, options) {
  const fragment = document.createDocumentFragment();
  let position = start;
  let rest = entities;
  while (rest.length) {
    const [outer, ...others] = rest;
    const outerEnd = outer.offset + outer.length;
    if (outer.offset > position) fragment.append(text.slice(position, outer.offset));
    const inside = [];
    const after = [];
    for (const entity of others) {
      const entityEnd = entity.offset + entity.length;
      if (entity.offset >= outerEnd) {
        after.push(entity);
      } else if (entityEnd <= outerEnd) {
        inside.push(entity);
      } else {
        // Crosses the outer entity's end: split it into the part inside and the rest.
        inside.push({ ...entity, length: outerEnd - entity.offset });
        after.push({ ...entity, offset: outerEnd, length: entityEnd - outerEnd });
      }
    }
    const content = text.slice(outer.offset, outerEnd);
    const element = elementFor(outer, content, options);
    element.append(renderRange(text, outer.offset, outerEnd, inside, options));
    fragment.append(element);
    position = outerEnd;
    rest = after.sort(byPosition);
  }
  if (position < end) fragment.append(text.slice(position, end));
  return fragment;
}

/** The empty element that shows one entity; its text is appended by the caller. */
function elementFor(entity, content, { onCommand }) {
  switch (entity.type) {
    case "bold": return document.createElement("strong");
    case "italic": return document.createElement("em");
    case "underline": return document.createElement("u");
    case "strikethrough": return document.createElement("s");
    case "code": return withClass(document.createElement("code"), "inline-code");
    case "pre": return preBlock(entity.language);
    case "spoiler": return spoiler();
    case "blockquote": return document.createElement("blockquote");
    case "expandable_blockquote": return expandableQuote();
    case "text_link": return link(entity.url);
    case "url": return link(/^[a-z][a-z0-9+.-]*:/i.test(content) ? content : `http://${content}`);
    case "email": return link(`mailto:${content}`);
    case "bot_command": return command(content, onCommand);
    case "mention":
    case "hashtag":
    case "cashtag":
    case "text_mention":
    case "phone_number":
      return withClass(document.createElement("span"), "entity-link");
    default: return document.createElement("span");
  }
}

function withClass(element, className) {
  element.className = className;
  return element;
}

function preBlock(language) {
  const pre = document.createElement("pre");
  if (language) pre.dataset.language = language;
  return pre;
}

function link(url) {
  if (!url || !SAFE_LINK.test(url)) return withClass(document.createElement("span"), "entity-link");
  const anchor = document.createElement("a");
  anchor.href = url;
  anchor.target = "_blank";
  anchor.rel = "noopener noreferrer";
  return anchor;
}

function command(content, onCommand) {
  if (!onCommand) return withClass(document.createElement("span"), "entity-link");
  const button = withClass(document.createElement("button"), "inline-command");
  button.type = "button";
  button.addEventListener("click", () => onCommand(content));
  return button;
}

/** Hidden until clicked (or activated from the keyboard), like Telegram's spoilers. */
function spoiler() {
  const span = withClass(document.createElement("span"), "spoiler");
  span.tabIndex = 0;
  span.setAttribute("role", "button");
  span.setAttribute("aria-label", "Spoiler: klik untuk membuka");
  const reveal = () => {
    span.classList.add("revealed");
    span.removeAttribute("role");
    span.removeAttribute("aria-label");
    span.removeAttribute("tabindex");
  };
  span.addEventListener("click", reveal, { once: true });
  span.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") reveal();
  });
  return span;
}

/** A quote shown collapsed to a few lines; a click expands or collapses it. */
function expandableQuote() {
  const quote = withClass(document.createElement("blockquote"), "expandable");
  quote.tabIndex = 0;
  quote.dataset.expanded = "false";
  quote.title = "Klik untuk membuka atau menutup";
  const toggle = () => {
    quote.dataset.expanded = String(quote.dataset.expanded !== "true");
  };
  quote.addEventListener("click", toggle);
  quote.addEventListener("keydown", (event) => {
    if (event.key === "Enter") toggle();
  });
  return quote;
}
