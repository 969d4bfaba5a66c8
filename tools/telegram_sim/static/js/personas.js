// Who this tab is: a resident persona kept by the simulator (shared by all tabs), chosen per
// tab (sessionStorage, or ?user=<id> in the address), plus the "new persona" dialog.

import { createUser, listUsers } from "./api.js";

const STORAGE_KEY = "telegram_sim.persona";

/** "Siti Rahayu (@siti_rahayu)". */
export function personaLabel(user) {
  const name = [user.first_name, user.last_name].filter(Boolean).join(" ");
  return user.username ? `${name} (@${user.username})` : name;
}

export class PersonaPicker {
  /** elements: {select, newButton, dialog}; onChange(user) runs when the persona changes. */
  constructor({ select, newButton, dialog }, onChange) {
    this.select = select;
    this.dialog = dialog;
    this.form = dialog.querySelector("form");
    this.error = dialog.querySelector("[data-role=error]");
    this.onChange = onChange;
    this.users = [];
    this.current = null;
    select.addEventListener("change", () => this.choose(Number(select.value)));
    // Personas other tabs made since (a failed refresh keeps the list as it is).
    select.addEventListener("focus", () => this.refresh().catch(() => {}));
    newButton.addEventListener("click", () => this.openDialog());
    this.form.addEventListener("submit", (event) => this.create(event));
    dialog.querySelector("[data-role=cancel]").addEventListener("click", () => dialog.close());
  }

  /** Load the personas and pick this tab's: ?user=, else the stored one, else the first. */
  async start() {
    await this.refresh();
    const address = new URL(location.href);
    const fromAddress = Number(address.searchParams.get("user"));
    const stored = Number(sessionStorage.getItem(STORAGE_KEY));
    const wanted = [fromAddress, stored].find((id) => this.users.some((u) => u.id === id));
    this.choose(wanted ?? this.users[0]?.id);
    if (address.searchParams.has("user")) {
      // From now on the tab's choice lives in sessionStorage (a reload keeps it).
      address.searchParams.delete("user");
      history.replaceState(null, "", address);
    }
  }

  async refresh() {
    const users = await listUsers();
    // Rebuilding the options of an opening <select> can close it: only when they changed.
    if (JSON.stringify(users) === JSON.stringify(this.users)) return;
    this.users = users;
    const options = users.map((user) => new Option(personaLabel(user), String(user.id)));
    this.select.replaceChildren(...options);
    if (this.current) this.select.value = String(this.current.id);
  }

  choose(userId) {
    const user = this.users.find((u) => u.id === userId);
    if (!user || user.id === this.current?.id) return;
    this.current = user;
    this.select.value = String(user.id);
    sessionStorage.setItem(STORAGE_KEY, String(user.id));
    this.onChange(user);
  }

  openDialog() {
    this.form.reset();
    this.error.textContent = "";
    this.dialog.showModal();
  }

  async create(event) {
    event.preventDefault();
    const fields = Object.fromEntries(new FormData(this.form));
    try {
      const user = await createUser(fields);
      this.dialog.close();
      await this.refresh();
      this.choose(user.id);
    } catch (error) {
      this.error.textContent = error.message;
    }
  }
}
