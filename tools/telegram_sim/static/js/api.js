// The simulator's control API (/sim/...), the only server the page talks to.

/** Parsed JSON of a response; throws an Error with the server's message on a non-2xx. */
async function json(response) {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(body.error || body.description || `HTTP ${response.status}`);
  }
  return body;
}

function get(path, params = {}, signal = undefined) {
  const query = new URLSearchParams(
    Object.entries(params).filter(([, value]) => value !== undefined && value !== null),
  );
  const url = query.size ? `${path}?${query}` : path;
  return fetch(url, { signal, cache: "no-store" }).then(json);
}

function post(path, body) {
  return fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  }).then(json);
}

/** The residents the page can be. */
export const listUsers = () => get("/sim/users").then((body) => body.users);

/** Make a new resident ({first_name, last_name?, username?}); the simulator gives the id. */
export const createUser = (fields) => post("/sim/users", fields);

/**
 * {messages, generation}: both sides of one chat after `after`, waiting up to `wait` s; at
 * once when the simulator's generation is no longer `generation` (it was reset meanwhile).
 */
export const conversation = (chatId, after, wait, generation, signal) =>
  get("/sim/conversation", { chat_id: chatId, after, wait, generation }, signal);

/** The resident writes `text`: the simulator makes an Update for the bot. */
export const sendText = (user, text) => post("/sim/updates", { user, text });

/** The resident sends a photo: {data_base64, caption?} (JPEG or PNG). */
export const sendPhoto = (user, photo) => post("/sim/updates", { user, photo });

/** The resident sends a file: {data_base64, file_name, mime_type?, caption?}. */
export const sendDocument = (user, document) => post("/sim/updates", { user, document });

/** The resident shares a location: {latitude, longitude}. */
export const sendLocation = (user, location) => post("/sim/updates", { user, location });

/** The resident taps an inline button; answers {update_id, callback_query_id}. */
export const tapButton = (user, data, messageId) =>
  post("/sim/updates", { user, callback_data: data, message_id: messageId });

/** The bot's answer to a callback query, waiting up to `wait` seconds for it. */
export const callbackAnswer = (queryId, wait) =>
  get(`/sim/callbacks/${encodeURIComponent(queryId)}`, { wait });

/** The bot's name, descriptions and command menu for one chat, in one language. */
export const botProfile = (chatId, language) =>
  get("/sim/bot", { chat_id: chatId, language_code: language });

/** getWebhookInfo plus the simulator's delivery counters. */
export const webhookInfo = () => get("/sim/webhook");
