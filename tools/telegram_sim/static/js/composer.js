// The compose bar: the text box (Enter sends, Shift+Enter a new line), the send button and
// the bot's command menu ("/" button, and suggestions while typing a /command).

const MAX_ROWS = 6;

export class Composer {
  /** elements: {form, input, commandsButton, menu}; onSend(text) sends a message. */
  constructor({ form, input, commandsButton, menu }, onSend) {
    this.form = form;
    this.input = input;
    this.commandsButton = commandsButton;
    this.menu = menu;
    this.onSend = onSend;
    this.commands = [];
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    input.addEventListener("keydown", (event) => this.onKey(event));
    input.addEventListener("input", () => this.onInput());
    commandsButton.addEventListener("click", () => this.toggleMenu());
    document.addEventListener("click", (event) => {
      if (!this.menu.contains(event.target) && event.target !== this.commandsButton
          && event.target !== this.input) this.closeMenu();
    });
  }

  submit() {
    const text = this.input.value;
    if (!text.trim()) return;
    this.input.value = "";
    this.onInput();
    Promise.resolve(this.onSend(text)).catch(() => this.restore(text));
  }

  /** Put text back after a failed send, unless the resident typed something new meanwhile. */
  restore(text) {
    if (!this.input.value) this.input.value = text;
    this.onInput();
  }

  onKey(event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.submit();
    } else if (event.key === "Escape") {
      this.closeMenu();
    }
  }

  onInput() {
    this.grow();
    const typed = this.input.value;
    if (/^\/\S*$/.test(typed) && this.commands.length) {
      this.openMenu(typed.slice(1).toLowerCase());
    } else if (this.menu.dataset.mode === "suggest") {
      this.closeMenu();
    }
  }

  /** Grow the text box with its content, up to MAX_ROWS lines. */
  grow() {
    this.input.style.height = "auto";
    const line = parseFloat(getComputedStyle(this.input).lineHeight) || 20;
    this.input.style.height = `${Math.min(this.input.scrollHeight, line * MAX_ROWS + 16)}px`;
  }

  /** The bot's command list (BotCommand objects); no list, no menu button. */
  setCommands(commands) {
    this.commands = commands || [];
    this.commandsButton.hidden = this.commands.length === 0;
    if (!this.commands.length) this.closeMenu();
  }

  toggleMenu() {
    if (this.menu.hidden) this.openMenu("", "menu");
    else this.closeMenu();
  }

  /** Show the commands starting with prefix; mode "menu" (button) or "suggest" (typing). */
  openMenu(prefix, mode = "suggest") {
    const matching = this.commands.filter((c) => c.command.startsWith(prefix));
    if (!matching.length) {
      this.closeMenu();
      return;
    }
    this.menu.replaceChildren(...matching.map((command) => this.menuItem(command)));
    this.menu.dataset.mode = mode;
    this.menu.hidden = false;
    this.commandsButton.setAttribute("aria-expanded", "true");
  }

  menuItem({ command, description }) {
    const item = document.createElement("button");
    item.type = "button";
    item.className = "command-item";
    item.setAttribute("role", "menuitem");
    item.dataset.testid = "command-item";
    const name = document.createElement("span");
    name.className = "command-name";
    name.textContent = `/${command}`;
    const about = document.createElement("span");
    about.className = "command-description";
    about.textContent = description;
    item.append(name, about);
    item.addEventListener("click", () => {
      this.closeMenu();
      if (/^\/\S*$/.test(this.input.value)) {
        this.input.value = "";
        this.grow();
      }
      Promise.resolve(this.onSend(`/${command}`)).catch(() => {});
      this.input.focus();
    });
    return item;
  }

  closeMenu() {
    this.menu.hidden = true;
    delete this.menu.dataset.mode;
    this.commandsButton.setAttribute("aria-expanded", "false");
  }
}
