// Short notices: a toast that fades by itself, and a modal alert (answerCallbackQuery's
// show_alert) that waits for OK.

const TOAST_MS = 3500;

export class Notices {
  /** elements: {toast, alert}; alert is a <dialog> with a [data-role=text] and a form. */
  constructor({ toast, alert }) {
    this.toast = toast;
    this.alert = alert;
    this.timer = null;
  }

  /** Show text briefly at the top of the chat; kind "error" colours it. */
  show(text, kind = "info") {
    clearTimeout(this.timer);
    this.toast.textContent = text;
    this.toast.dataset.kind = kind;
    this.toast.hidden = false;
    this.timer = setTimeout(() => { this.toast.hidden = true; }, TOAST_MS);
  }

  /** A modal alert with an OK button. */
  showAlert(text) {
    this.alert.querySelector("[data-role=text]").textContent = text;
    if (!this.alert.open) this.alert.showModal();
  }
}
