// Follows one chat: loads its history, then long-polls /sim/conversation for what comes next.

import { conversation } from "./api.js";

const WAIT_SECONDS = 25;
const QUICK_EMPTY_MS = 1000; // an empty answer sooner than this: the server is closing, pause
const MAX_BACKOFF_MS = 15000;

const sleep = (ms, signal) => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
});

/**
 * Calls onEntries(entries, isHistory) for one chat until stop(); onState(ok) on trouble;
 * onRestart() when the simulator was reset or restarted (the history is then sent again).
 */
export class ChatFeed {
  constructor(chatId, { onEntries, onState, onRestart }) {
    this.chatId = chatId;
    this.onEntries = onEntries;
    this.onState = onState || (() => {});
    this.onRestart = onRestart || (() => {});
    this.controller = new AbortController();
  }

  start() {
    this.run();
    return this;
  }

  stop() {
    this.controller.abort();
  }

  async run() {
    const { signal } = this.controller;
    let after = 0;
    let failures = 0;
    let history = true;
    let generation = null;
    while (!signal.aborted) {
      const started = performance.now();
      try {
        // The first call answers at once, so an empty chat shows its placeholder at once.
        const answer = await conversation(
          this.chatId, after, history ? 0 : WAIT_SECONDS, generation, signal);
        if (signal.aborted) return;
        if (failures) this.onState(true);
        failures = 0;
        if (generation !== null && answer.generation !== generation) {
          // Reset or restarted: what we showed is gone and the cursor means nothing now.
          generation = null;
          after = 0;
          history = true;
          this.onRestart();
          continue;
        }
        generation = answer.generation;
        const entries = answer.messages;
        if (entries.length) after = entries[entries.length - 1].seq;
        if (entries.length || history) this.onEntries(entries, history);
        const quickEmpty = !entries.length && performance.now() - started < QUICK_EMPTY_MS;
        if (quickEmpty && !history) await sleep(QUICK_EMPTY_MS, signal);
        history = false;
      } catch (error) {
        if (signal.aborted) return;
        failures += 1;
        this.onState(false, error);
        await sleep(Math.min(1000 * 2 ** failures, MAX_BACKOFF_MS), signal);
      }
    }
  }
}
