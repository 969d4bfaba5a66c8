// Attachments: the paperclip menu (a photo, any file, a location), the dialog that sends a
// picked file with a caption, and the dialog that shares a location (no map: coordinates).

// Desa Sumbermulyo, Kecamatan Jogoroto, Kabupaten Jombang (the demo village), roughly.
export const DEFAULT_LOCATION = { latitude: -7.5617, longitude: 112.2703 };
// The simulator takes requests up to 50 MB, and base64 makes a file a third bigger.
const MAX_FILE_BYTES = 35 * 1024 * 1024;

/** The file's bytes as base64 (what the control API takes) and as a data: URL (a preview). */
function readFile(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      resolve({ url, base64: url.slice(url.indexOf(",") + 1) });
    };
    reader.onerror = () => reject(reader.error || new Error("berkas tidak terbaca"));
    reader.readAsDataURL(file);
  });
}

export class Attachments {
  /**
   * elements: {button, menu, photoInput, documentInput, fileDialog, locationDialog};
   * send: {photo(fields), document(fields), location(fields)}, each a promise that throws
   * an Error with the simulator's reason when the message was refused.
   */
  constructor(elements, send) {
    Object.assign(this, elements);
    this.send = send;
    this.pending = null; // {kind, file, base64} while the file dialog is open
    this.button.addEventListener("click", () => this.toggleMenu());
    this.menu.addEventListener("click", (event) => {
      const item = event.target.closest("[data-kind]");
      if (item) this.pick(item.dataset.kind);
    });
    document.addEventListener("click", (event) => {
      if (!this.menu.contains(event.target) && !this.button.contains(event.target)) {
        this.closeMenu();
      }
    });
    for (const input of [this.photoInput, this.documentInput]) {
      input.addEventListener("change", () => this.picked(input));
    }
    this.setUpDialog(this.fileDialog, () => this.sendFile());
    this.setUpDialog(this.locationDialog, () => this.sendLocation());
  }

  setUpDialog(dialog, onSubmit) {
    const form = dialog.querySelector("form");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      onSubmit();
    });
    dialog.querySelector("[data-role=cancel]").addEventListener("click", () => dialog.close());
  }

  toggleMenu() {
    if (this.menu.hidden) {
      this.menu.hidden = false;
      this.button.setAttribute("aria-expanded", "true");
    } else {
      this.closeMenu();
    }
  }

  closeMenu() {
    this.menu.hidden = true;
    this.button.setAttribute("aria-expanded", "false");
  }

  pick(kind) {
    this.closeMenu();
    if (kind === "location") this.askLocation();
    else (kind === "photo" ? this.photoInput : this.documentInput).click();
  }

  /** A file was chosen: show it with a caption box, as Telegram does before sending. */
  async picked(input) {
    const [file] = input.files;
    input.value = ""; // choosing the same file again fires "change" again
    if (!file) return;
    const kind = input === this.photoInput ? "photo" : "document";
    const dialog = this.fileDialog;
    const preview = dialog.querySelector("[data-role=preview]");
    const about = dialog.querySelector("[data-role=file]");
    const error = dialog.querySelector("[data-role=error]");
    dialog.querySelector("form").reset();
    dialog.querySelector("[data-role=title]").textContent =
      kind === "photo" ? "Kirim foto" : "Kirim berkas";
    error.textContent = "";
    if (file.size > MAX_FILE_BYTES) {
      this.pending = null;
      error.textContent = "Berkas terlalu besar untuk simulator (paling besar 35 MB).";
    } else {
      const { url, base64 } = await readFile(file);
      this.pending = { kind, file, base64 };
      if (kind === "photo") preview.src = url;
      else preview.removeAttribute("src");
    }
    preview.hidden = kind !== "photo" || !this.pending;
    about.hidden = kind === "photo" && Boolean(this.pending);
    about.textContent = file.name;
    if (!dialog.open) dialog.showModal();
  }

  async sendFile() {
    const dialog = this.fileDialog;
    if (!this.pending) {
      dialog.close();
      return;
    }
    const { kind, file, base64 } = this.pending;
    const caption = dialog.querySelector("[name=caption]").value;
    const fields = { data_base64: base64, ...(caption.trim() ? { caption } : {}) };
    try {
      if (kind === "photo") {
        await this.send.photo(fields);
      } else {
        await this.send.document({ ...fields, file_name: file.name,
                                   ...(file.type ? { mime_type: file.type } : {}) });
      }
      this.pending = null;
      dialog.close();
    } catch (error) {
      dialog.querySelector("[data-role=error]").textContent = `Tidak terkirim: ${error.message}`;
    }
  }

  /** Open the location dialog, filled with the demo village's coordinates. */
  askLocation() {
    const dialog = this.locationDialog;
    dialog.querySelector("[name=latitude]").value = String(DEFAULT_LOCATION.latitude);
    dialog.querySelector("[name=longitude]").value = String(DEFAULT_LOCATION.longitude);
    dialog.querySelector("[data-role=error]").textContent = "";
    if (!dialog.open) dialog.showModal();
  }

  async sendLocation() {
    const dialog = this.locationDialog;
    const latitude = Number(dialog.querySelector("[name=latitude]").value);
    const longitude = Number(dialog.querySelector("[name=longitude]").value);
    try {
      await this.send.location({ latitude, longitude });
      dialog.close();
    } catch (error) {
      dialog.querySelector("[data-role=error]").textContent = `Tidak terkirim: ${error.message}`;
    }
  }
}
