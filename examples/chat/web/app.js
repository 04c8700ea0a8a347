// jsgen chat — the example's web client. Plain ES module, no dependencies.
// Every piece of user data reaches the DOM through textContent, never HTML.
//
// Wire contract (see examples/chat/README.md):
//   POST /chat/session {"username"}         201 {"token","username","expiresAt"}, 400, 409 username_taken
//   WS  /chat/room/{roomId}?access_token=T  join/leave/message/typing/error frames
//   WS  /chat/dm?access_token=T             {"to","content"} and {"type":"presence","status"}
//   GET /chat/room/{roomId}/members         [{"username","joinedAt"}]   (Authorization: Bearer T)
//   GET /chat/presence/{username}           {"status","lastSeen"} or 404 (offline)
// Sockets and endpoints answer 401 without a valid token and 409 for a
// replaced session; a socket is closed with 4001 when its token expires.

const USER_MAX_BYTES = 32;
const ROOM_MAX_BYTES = 64;
const CONTENT_MAX_CHARS = 4000;
const TYPING_SEND_EVERY_MS = 2000;
const TYPING_SHOW_MS = 3000;
const PRESENCE_REFRESH_MS = 15000;
const PRESENCE_FETCH_LIMIT = 60;
const HISTORY_LIMIT = 500;
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 15000;
const STABLE_AFTER_MS = 5000;
const GROUP_WITHIN_MS = 3 * 60 * 1000;
const SESSION_STORAGE_KEY = "jsgen-chat-session";
const CLOSE_TOKEN_EXPIRED = 4001;
const MSG_EXPIRED = "Your session has expired. Log in again.";
const MSG_TAKEN = "That name is taken: someone with it is online. Choose another one.";
const MSG_REPLACED = "That name is taken: your session was replaced by another one. Log in again.";

const $ = (id) => document.getElementById(id);

/** el builds an element; text is set with textContent, never parsed as HTML. */
function el(tag, opts = {}, ...children) {
  const node = document.createElement(tag);
  if (opts.className) node.className = opts.className;
  if (opts.text !== undefined) node.textContent = opts.text;
  if (opts.title) node.title = opts.title;
  for (const [k, v] of Object.entries(opts.attrs || {})) node.setAttribute(k, v);
  for (const [k, v] of Object.entries(opts.data || {})) node.dataset[k] = v;
  for (const c of children) if (c) node.append(c);
  return node;
}

// ---------------------------------------------------------------- validation

const encoder = new TextEncoder();
const FORBIDDEN = /[.*>]/u;
const SPACE = /[\s\p{White_Space}]/u;
const CONTROL = /[\p{Cc}\p{Cf}]/u;

/** identifierError mirrors the server's identifier rules; "" when valid. */
function identifierError(value, maxBytes, what) {
  if (value === "") return `Enter a ${what}.`;
  const bytes = encoder.encode(value).length;
  if (bytes > maxBytes) return `A ${what} is at most ${maxBytes} bytes (this one is ${bytes}).`;
  if (SPACE.test(value)) return `A ${what} cannot contain spaces.`;
  if (CONTROL.test(value)) return `A ${what} cannot contain control characters.`;
  const bad = value.match(FORBIDDEN);
  if (bad) return `A ${what} cannot contain “${bad[0]}” (dots, * and > are reserved).`;
  return "";
}

const charCount = (s) => { let n = 0; for (const _ of s) n++; return n; };

// -------------------------------------------------------------------- time

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayFmt = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "medium" });

function formatTime(ms) {
  const d = new Date(ms);
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  return sameDay ? timeFmt.format(d) : `${dayFmt.format(d)}, ${timeFmt.format(d)}`;
}

function toMillis(ts) {
  if (typeof ts === "number") return ts;
  const parsed = Date.parse(ts);
  return Number.isNaN(parsed) ? Date.now() : parsed;
}

// ------------------------------------------------------------ reconnection

/** Backoff yields capped exponential delays with jitter (half fixed, half random). */
class Backoff {
  constructor(base = BACKOFF_BASE_MS, cap = BACKOFF_CAP_MS) {
    this.base = base;
    this.cap = cap;
    this.attempt = 0;
  }
  next() {
    const ceiling = Math.min(this.cap, this.base * 2 ** this.attempt);
    this.attempt++;
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }
  reset() { this.attempt = 0; }
}

/**
 * Socket is a WebSocket that reconnects with backoff until closed by close().
 * status is "connecting" | "open" | "waiting" | "closed"; retryAt is set while waiting.
 * url is a function called before every connection (so that it carries the
 * current session token, like the generated TypeScript client's token option).
 */
class Socket {
  constructor(url, handlers) {
    this.url = url;
    this.handlers = handlers; // {open(), frame(obj), status(), lost(event, everOpened)}
    this.backoff = new Backoff();
    this.status = "connecting";
    this.retryAt = 0;
    this.everOpened = false;
    this.ws = null;
    this.timer = 0;
    this.openedAt = 0;
    this.stopped = false;
  }

  /** start opens the first connection; call it once the owner holds the Socket. */
  start() {
    this.connect();
    return this;
  }

  connect() {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.setStatus("connecting");
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.addEventListener("open", () => {
      if (ws !== this.ws) return;
      this.openedAt = Date.now();
      const reconnect = this.everOpened;
      this.everOpened = true;
      this.setStatus("open");
      this.handlers.open(reconnect);
    });
    ws.addEventListener("message", (ev) => {
      if (ws !== this.ws) return;
      let frame;
      try { frame = JSON.parse(ev.data); } catch { return; }
      if (frame && typeof frame === "object") this.handlers.frame(frame);
    });
    ws.addEventListener("close", (ev) => {
      if (ws !== this.ws || this.stopped) return;
      const wasOpen = this.status === "open";
      if (ev.code === CLOSE_TOKEN_EXPIRED) {
        sessionEnded(MSG_EXPIRED);
        return;
      }
      if (wasOpen && Date.now() - this.openedAt >= STABLE_AFTER_MS) this.backoff.reset();
      this.handlers.lost(ev, wasOpen);
      // A refused upgrade looks like any failed connection: ask the server
      // whether the session is still valid (401 expired, 409 replaced).
      if (!wasOpen) checkSession();
      this.schedule();
    });
  }

  schedule() {
    const delay = this.backoff.next();
    this.retryAt = Date.now() + delay;
    this.setStatus("waiting");
    this.timer = setTimeout(() => this.connect(), delay);
  }

  /** retryNow skips the remaining wait (the "Retry now" button, or the browser going online). */
  retryNow() {
    if (this.status === "waiting") this.connect();
  }

  send(obj) {
    if (this.status !== "open") return false;
    this.ws.send(JSON.stringify(obj));
    return true;
  }

  close() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.setStatus("closed");
    if (this.ws) this.ws.close(1000, "bye");
  }

  setStatus(s) {
    this.status = s;
    this.handlers.status();
  }
}

function wsURL(path, params) {
  const u = new URL(path, location.href);
  u.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.href;
}

async function getJSON(path) {
  const headers = { Accept: "application/json" };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  const res = await fetch(path, { headers, cache: "no-store" });
  let body = null;
  try { body = await res.json(); } catch { /* not JSON */ }
  return { status: res.status, ok: res.ok, body };
}

/** errorLines turns an error frame or body into lines: its message, then each field error. */
function errorLines(frame) {
  const lines = [];
  const head = frame.message || frame.code || "The server refused this.";
  lines.push(head);
  for (const fe of Array.isArray(frame.errors) ? frame.errors : []) {
    lines.push(fe.path ? `${fe.path}: ${fe.message}` : String(fe.message));
  }
  return lines;
}

// ------------------------------------------------------------------ state

const state = {
  me: "",
  token: "",             // the session token (sessionStorage keeps it for the tab)
  presence: "online",
  rooms: new Map(),      // roomId → Room
  dms: new Map(),        // peer → Thread
  active: null,          // {kind: "room"|"dm", id}
  lastRoom: "",          // the room whose members the sidebar shows
  presenceOf: new Map(), // username → "online"|"away"|"busy"|"offline"
  dm: null,              // Socket
  dmLast: null,          // {kind: "dm", to, msg} | {kind: "presence"}
  presenceTimer: 0,
  tickTimer: 0,
};

function newConversation() {
  return { messages: [], unread: 0, error: null, draft: "", pending: null };
}

function pushMessage(conv, msg) {
  conv.messages.push(msg);
  if (conv.messages.length > HISTORY_LIMIT) conv.messages.splice(0, conv.messages.length - HISTORY_LIMIT);
}

const isActive = (kind, id) => state.active && state.active.kind === kind && state.active.id === id;

// ------------------------------------------------------------------ rooms

function joinRoom(roomId) {
  if (state.rooms.has(roomId)) { activate("room", roomId); return; }
  const room = Object.assign(newConversation(), {
    id: roomId,
    members: new Map(),   // username → joinedAt
    typing: new Map(),    // username → timeout id
    lastTypingSent: 0,
    loadingMembers: null, // events seen while GET members is in flight
    sock: null,
  });
  state.rooms.set(roomId, room);
  room.sock = new Socket(() => wsURL(`/chat/room/${encodeURIComponent(roomId)}`, { access_token: state.token }), {
    open: (reconnect) => roomOpened(room, reconnect),
    frame: (f) => roomFrame(room, f),
    lost: (ev, wasOpen) => roomLost(room, ev, wasOpen),
    status: () => renderConnection(),
  });
  room.sock.start();
  activate("room", roomId);
}

function leaveRoom(roomId) {
  const room = state.rooms.get(roomId);
  if (!room) return;
  room.sock.close();
  for (const t of room.typing.values()) clearTimeout(t);
  state.rooms.delete(roomId);
  if (state.lastRoom === roomId) state.lastRoom = "";
  if (isActive("room", roomId)) {
    const next = state.rooms.keys().next();
    if (!next.done) activate("room", next.value);
    else if (state.dms.size) activate("dm", state.dms.keys().next().value);
    else { signOut(); return; }
  }
  renderSidebar();
  renderConnection();
}

function roomOpened(room, reconnect) {
  if (reconnect) addSystem(room, "Reconnected. Messages sent while you were away are not shown.");
  loadMembers(room);
  renderSidebar();
}

async function loadMembers(room) {
  const seen = [];
  room.loadingMembers = seen;
  let res;
  try {
    res = await getJSON(`/chat/room/${encodeURIComponent(room.id)}/members`);
  } catch {
    res = null;
  }
  if (room.loadingMembers !== seen) return; // a newer load started
  room.loadingMembers = null;
  if (!res || !res.ok || !Array.isArray(res.body)) return;
  room.members = new Map(res.body.map((m) => [m.username, m.joinedAt]));
  // Join/leave frames that arrived during the request are newer than or as new as the snapshot.
  for (const ev of seen) applyMembership(room, ev);
  room.members.set(state.me, room.members.get(state.me) ?? Date.now());
  afterMembersChanged(room);
}

function applyMembership(room, f) {
  if (f.type === "join") room.members.set(f.username, toMillis(f.timestamp));
  else room.members.delete(f.username);
}

function afterMembersChanged(room) {
  if (isActive("room", room.id)) renderPaneHead();
  if (state.lastRoom === room.id) {
    renderMembers();
    soonRefreshPresence();
  }
}

function roomFrame(room, f) {
  switch (f.type) {
    case "join":
    case "leave":
      if (room.loadingMembers) room.loadingMembers.push(f);
      applyMembership(room, f);
      if (f.username !== state.me || f.type === "leave") {
        addSystem(room, `${f.username} ${f.type === "join" ? "joined" : "left"} the room`, toMillis(f.timestamp));
      }
      stopTyping(room, f.username);
      afterMembersChanged(room);
      break;
    case "message":
      stopTyping(room, f.username);
      if (f.username === state.me && room.pending !== null) {
        room.pending = null;
        clearError(room);
      }
      addChat(room, { user: f.username, content: String(f.content ?? ""), ts: toMillis(f.timestamp) });
      break;
    case "typing":
      if (f.username !== state.me) startTyping(room, f.username);
      break;
    case "sent":
      room.pending = null;
      break;
    case "error":
      roomError(room, f);
      break;
  }
}

function roomError(room, f) {
  room.error = errorLines(f);
  const composer = $("composer-input");
  if (room.pending !== null && isActive("room", room.id) && composer.value === "") {
    composer.value = room.pending; // give the refused text back so it can be fixed
    autosize();
    updateCharCount();
  } else if (room.pending !== null && room.draft === "") {
    room.draft = room.pending;
  }
  room.pending = null;
  if (isActive("room", room.id)) renderComposerError();
}

function roomLost(room, ev, wasOpen) {
  for (const u of [...room.typing.keys()]) stopTyping(room, u);
  if (wasOpen) {
    const why = ev.code === 1001 ? "The server is restarting" : "Connection lost";
    addSystem(room, `${why}. Reconnecting…`);
  }
  renderSidebar();
}

function startTyping(room, user) {
  clearTimeout(room.typing.get(user));
  room.typing.set(user, setTimeout(() => stopTyping(room, user), TYPING_SHOW_MS));
  if (isActive("room", room.id)) renderTyping();
}

function stopTyping(room, user) {
  if (!room.typing.has(user)) return;
  clearTimeout(room.typing.get(user));
  room.typing.delete(user);
  if (isActive("room", room.id)) renderTyping();
}

function addChat(conv, msg) {
  pushMessage(conv, { kind: "chat", ...msg });
  afterNewMessage(conv, msg.user !== state.me);
}

function addSystem(conv, text, ts = Date.now()) {
  pushMessage(conv, { kind: "system", content: text, ts });
  afterNewMessage(conv, false);
}

function afterNewMessage(conv, countUnread) {
  const active = state.active && (state.active.kind === "room" ? state.rooms : state.dms).get(state.active.id) === conv;
  if (active) {
    appendMessageNode(conv.messages[conv.messages.length - 1], conv.messages[conv.messages.length - 2]);
  } else if (countUnread) {
    conv.unread++;
    renderSidebar();
  }
}

// ---------------------------------------------------- direct messages, presence

function openDMSocket() {
  state.dm = new Socket(() => wsURL("/chat/dm", { access_token: state.token }), {
    open: () => {
      if (state.presence !== "online") sendPresence();
      refreshPresence();
    },
    frame: dmFrame,
    lost: () => {},
    status: () => renderConnection(),
  }).start();
}

function thread(peer) {
  let t = state.dms.get(peer);
  if (!t) {
    t = Object.assign(newConversation(), { peer });
    state.dms.set(peer, t);
  }
  return t;
}

function dmFrame(f) {
  if (f.type === "error") {
    const last = state.dmLast;
    state.dmLast = null;
    if (last && last.kind === "presence") {
      showPresenceError(errorLines(f).join(" — "));
      return;
    }
    const t = last ? thread(last.to) : state.active && state.active.kind === "dm" ? thread(state.active.id) : null;
    if (!t) { showPresenceError(errorLines(f).join(" — ")); return; }
    if (last) last.msg.failed = true;
    t.error = errorLines(f);
    if (isActive("dm", t.peer)) { renderMessages(); renderComposerError(); }
    return;
  }
  if (typeof f.from === "string") {
    const t = thread(f.from);
    addChat(t, { user: f.from, content: String(f.content ?? ""), ts: toMillis(f.timestamp) });
    renderSidebar();
  }
}

function sendDM(peer, content) {
  const t = thread(peer);
  const msg = { kind: "chat", user: state.me, content, ts: Date.now() };
  if (!state.dm.send({ to: peer, content })) {
    t.error = ["Not connected: the message was not sent. It will be possible again once reconnected."];
    renderComposerError();
    return false;
  }
  state.dmLast = { kind: "dm", to: peer, msg };
  t.error = null;
  renderComposerError();
  pushMessage(t, msg);
  afterNewMessage(t, false);
  return true;
}

function sendPresence() {
  if (state.dm && state.dm.send({ type: "presence", status: state.presence })) {
    state.dmLast = { kind: "presence" };
    state.presenceOf.set(state.me, state.presence);
    renderMembers();
  }
}

function showPresenceError(text) {
  const p = $("presence-error");
  p.textContent = text;
  p.hidden = !text;
}

/** soonRefreshPresence batches the refreshes that a burst of joins would ask for. */
function soonRefreshPresence() {
  clearTimeout(state.presenceTimer);
  state.presenceTimer = setTimeout(refreshPresence, 250);
}

/** refreshPresence asks the server for the status of the users on screen. */
async function refreshPresence() {
  clearTimeout(state.presenceTimer);
  if (!state.me) return;
  state.presenceTimer = setTimeout(refreshPresence, PRESENCE_REFRESH_MS);
  const users = new Set(state.dms.keys());
  const room = state.rooms.get(state.lastRoom);
  if (room) for (const u of room.members.keys()) users.add(u);
  users.delete(state.me);
  const wanted = [...users].slice(0, PRESENCE_FETCH_LIMIT);
  const results = await Promise.all(wanted.map(async (u) => {
    try {
      const res = await getJSON(`/chat/presence/${encodeURIComponent(u)}`);
      if (res.ok && res.body && typeof res.body.status === "string") return [u, res.body.status];
      if (res.status === 404) return [u, "offline"];
    } catch { /* keep the previous value */ }
    return [u, state.presenceOf.get(u)];
  }));
  let changed = false;
  for (const [u, s] of results) {
    if (s && state.presenceOf.get(u) !== s) { state.presenceOf.set(u, s); changed = true; }
  }
  if (!changed) return;
  renderMembers();
  renderSidebar();
  if (state.active) renderPaneHead();
}

// -------------------------------------------------------------- rendering

const avatarHue = (name) => { let h = 0; for (const c of name) h = (h * 31 + c.codePointAt(0)) % 360; return h; };

function avatar(name) {
  const initial = [...name][0] || "?";
  const a = el("span", { className: "avatar", text: initial.toUpperCase(), attrs: { "aria-hidden": "true" } });
  a.style.setProperty("--hue", String(avatarHue(name)));
  return a;
}

function presenceDot(user) {
  const s = user === state.me ? state.presence : state.presenceOf.get(user) || "unknown";
  return el("span", { className: "presence-dot", data: { status: s }, title: s, attrs: { "aria-label": s } });
}

function activate(kind, id) {
  saveDraft();
  state.active = { kind, id };
  const conv = kind === "room" ? state.rooms.get(id) : thread(id);
  conv.unread = 0;
  if (kind === "dm" || state.lastRoom !== id) {
    if (kind === "room") state.lastRoom = id;
    refreshPresence();
  }
  const input = $("composer-input");
  input.value = conv.draft;
  conv.draft = "";
  autosize();
  updateCharCount();
  closeDrawer();
  renderAll();
  if (window.matchMedia("(min-width: 721px)").matches) input.focus();
}

function saveDraft() {
  if (!state.active) return;
  const conv = activeConversation();
  if (conv) conv.draft = $("composer-input").value;
}

function activeConversation() {
  if (!state.active) return null;
  return state.active.kind === "room" ? state.rooms.get(state.active.id) : state.dms.get(state.active.id);
}

function renderAll() {
  renderSidebar();
  renderMembers();
  renderPaneHead();
  renderMessages();
  renderTyping();
  renderComposerError();
  renderConnection();
}

function renderSidebar() {
  const unread = [...state.rooms.values(), ...state.dms.values()].reduce((n, c) => n + c.unread, 0);
  document.title = unread ? `(${unread}) jsgen chat` : "jsgen chat";
  const rooms = $("room-list");
  rooms.replaceChildren(...[...state.rooms.values()].map((r) => {
    const open = el("button", { className: "nav-item", attrs: { type: "button" }, data: { room: r.id } },
      el("span", { className: "hash", text: "#", attrs: { "aria-hidden": "true" } }),
      el("span", { className: "nav-label", text: r.id }),
      r.sock.status === "open" ? null : el("span", { className: "nav-status", text: r.sock.status === "connecting" ? "connecting" : "offline" }),
      r.unread ? el("span", { className: "badge", text: String(r.unread) }) : null);
    if (isActive("room", r.id)) open.setAttribute("aria-current", "true");
    open.addEventListener("click", () => activate("room", r.id));
    const leave = el("button", { className: "nav-leave", text: "×", title: `Leave #${r.id}`, attrs: { type: "button", "aria-label": `Leave room ${r.id}` } });
    leave.addEventListener("click", () => leaveRoom(r.id));
    return el("li", {}, open, leave);
  }));
  const dms = $("dm-list");
  dms.replaceChildren(...[...state.dms.values()].map((t) => {
    const open = el("button", { className: "nav-item", attrs: { type: "button" }, data: { peer: t.peer } },
      presenceDot(t.peer),
      el("span", { className: "nav-label", text: t.peer }),
      t.unread ? el("span", { className: "badge", text: String(t.unread) }) : null);
    if (isActive("dm", t.peer)) open.setAttribute("aria-current", "true");
    open.addEventListener("click", () => activate("dm", t.peer));
    return el("li", {}, open);
  }));
  if (!state.dms.size) dms.append(el("li", { className: "empty", text: "No conversations yet. Pick a member to message them." }));
}

function renderMembers() {
  const list = $("member-list");
  const room = state.rooms.get(state.lastRoom);
  $("member-room").textContent = room ? `#${room.id}` : "";
  if (!room) { list.replaceChildren(); $("member-count").textContent = ""; return; }
  const members = [...room.members.entries()].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  $("member-count").textContent = String(members.length);
  // While the room is offline the list is what it was when the connection dropped.
  list.classList.toggle("stale", room.sock.status !== "open");
  list.title = room.sock.status === "open" ? "" : "Offline: this list may be out of date";
  list.replaceChildren(...members.map(([name]) => {
    const self = name === state.me;
    const status = self ? state.presence : state.presenceOf.get(name) || "unknown";
    const label = el("span", { className: "member-name", text: name });
    const row = el(self ? "div" : "button", { className: "member", data: { user: name }, title: self ? "You" : `Message ${name}` },
      avatar(name), presenceDot(name), label,
      self ? el("span", { className: "you", text: "you" }) : el("span", { className: "member-status", text: status === "unknown" ? "" : status }));
    if (!self) {
      row.setAttribute("type", "button");
      row.addEventListener("click", () => activate("dm", name));
    }
    return el("li", {}, row);
  }));
}

function renderPaneHead() {
  const { kind, id } = state.active;
  $("pane-title").textContent = kind === "room" ? `# ${id}` : id;
  if (kind === "room") {
    const n = state.rooms.get(id).members.size;
    $("pane-sub").textContent = `${n} member${n === 1 ? "" : "s"}`;
  } else {
    const s = state.presenceOf.get(id);
    $("pane-sub").textContent = s ? `Direct message · ${s}` : "Direct message";
  }
  $("composer-input").placeholder = kind === "room" ? `Message #${id}` : `Message ${id}`;
  $("workspace").dataset.kind = kind;
}

function renderMessages() {
  const list = $("messages");
  list.replaceChildren();
  const conv = activeConversation();
  if (!conv) return;
  if (!conv.messages.length) {
    const text = state.active.kind === "room" ? "No messages yet. Say hello!" : `This is the start of your conversation with ${state.active.id}.`;
    list.append(el("li", { className: "empty-pane", text }));
  }
  conv.messages.forEach((m, i) => appendMessageNode(m, conv.messages[i - 1], false));
  list.scrollTop = list.scrollHeight;
}

function appendMessageNode(m, prev, follow = true) {
  const list = $("messages");
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  list.querySelector(".empty-pane")?.remove();
  list.append(messageNode(m, prev));
  if (!follow || nearBottom || m.user === state.me) list.scrollTop = list.scrollHeight;
}

function messageNode(m, prev) {
  const time = el("time", { className: "msg-time", text: formatTime(m.ts), title: fullFmt.format(new Date(m.ts)), attrs: { datetime: new Date(m.ts).toISOString() } });
  if (m.kind === "system") {
    return el("li", { className: "msg system" }, el("span", { className: "msg-text", text: m.content }), time);
  }
  const grouped = prev && prev.kind === "chat" && prev.user === m.user && m.ts - prev.ts < GROUP_WITHIN_MS;
  const li = el("li", { className: `msg chat${grouped ? " grouped" : ""}${m.user === state.me ? " mine" : ""}${m.failed ? " failed" : ""}`, data: { user: m.user } });
  li.append(grouped ? el("span", { className: "avatar-gap" }) : avatar(m.user));
  const body = el("div", { className: "msg-body" });
  // The header is always present (name and time) so every message is attributable;
  // grouped messages hide it visually only.
  body.append(el("div", { className: "msg-head" }, el("span", { className: "msg-user", text: m.user }), time));
  body.append(el("p", { className: "msg-text", text: m.content }));
  if (m.failed) body.append(el("p", { className: "msg-failed", text: "Not delivered" }));
  li.append(body);
  return li;
}

function renderTyping() {
  const box = $("typing");
  const room = state.active && state.active.kind === "room" ? state.rooms.get(state.active.id) : null;
  const names = room ? [...room.typing.keys()] : [];
  let text = "";
  if (names.length === 1) text = `${names[0]} is typing…`;
  else if (names.length === 2) text = `${names[0]} and ${names[1]} are typing…`;
  else if (names.length > 2) text = `${names.length} people are typing…`;
  box.textContent = text;
  box.classList.toggle("on", text !== "");
}

function renderComposerError() {
  const box = $("composer-error");
  const conv = activeConversation();
  const lines = conv && conv.error;
  box.replaceChildren();
  box.hidden = !lines;
  $("composer").classList.toggle("has-error", Boolean(lines));
  if (!lines) return;
  const [head, ...details] = lines;
  box.append(el("strong", { className: "error-message", text: head }));
  if (details.length) box.append(el("ul", { className: "error-fields" }, ...details.map((d) => el("li", { text: d }))));
  const dismiss = el("button", { className: "link-btn dismiss", text: "Dismiss", attrs: { type: "button" } });
  dismiss.addEventListener("click", () => { clearError(conv); });
  box.append(dismiss);
}

function clearError(conv) {
  conv.error = null;
  if (activeConversation() === conv) renderComposerError();
}

function sockets() {
  const all = [...state.rooms.values()].map((r) => r.sock);
  if (state.dm) all.push(state.dm);
  return all;
}

/** renderConnection summarises every socket in the status pill. */
function renderConnection() {
  const conn = $("conn");
  const text = $("conn-text");
  const retry = $("retry-btn");
  clearTimeout(state.tickTimer);
  const socks = sockets().filter((s) => s.status !== "closed");
  let st = "idle";
  let label = "Not connected";
  let short = "";
  const waiting = socks.filter((s) => s.status === "waiting");
  if (waiting.length) {
    const at = Math.min(...waiting.map((s) => s.retryAt));
    const secs = Math.max(0, Math.ceil((at - Date.now()) / 1000));
    st = "waiting";
    label = secs > 0 ? `Offline · retrying in ${secs}s` : "Offline · retrying…";
    short = secs > 0 ? `Offline · ${secs}s` : "Offline";
    state.tickTimer = setTimeout(renderConnection, 250);
  } else if (socks.some((s) => s.status === "connecting")) {
    st = "connecting";
    label = "Connecting…";
  } else if (socks.length) {
    st = "open";
    label = "Connected";
  }
  if (conn.dataset.state !== st) {
    // Announced once per change; the countdown in the pill is not read out every second.
    $("conn-announce").textContent = { idle: "Not connected", waiting: "Connection lost, reconnecting", connecting: "Connecting", open: "Connected" }[st];
  }
  conn.dataset.state = st;
  text.textContent = label;
  $("conn-short").textContent = short;
  retry.hidden = st !== "waiting";
  if (state.rooms.size) renderSidebarStatus();
}

let lastSidebarStatus = "";
function renderSidebarStatus() {
  const sig = [...state.rooms.values()].map((r) => r.sock.status).join();
  if (sig !== lastSidebarStatus) { lastSidebarStatus = sig; renderSidebar(); renderMembers(); }
}

// ---------------------------------------------------------------- composer

function autosize() {
  const input = $("composer-input");
  input.style.height = "auto";
  input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
}

function updateCharCount() {
  const n = charCount($("composer-input").value);
  const counter = $("char-count");
  counter.textContent = n > CONTENT_MAX_CHARS - 500 ? `${n} / ${CONTENT_MAX_CHARS}` : "";
  counter.classList.toggle("over", n > CONTENT_MAX_CHARS);
}

function submitComposer() {
  const input = $("composer-input");
  const content = input.value;
  if (content.trim() === "" || !state.active) return;
  const { kind, id } = state.active;
  let sent;
  if (kind === "room") {
    const room = state.rooms.get(id);
    // Over-long content is sent anyway: the server is the authority and answers with an error frame.
    sent = room.sock.send({ type: "message", content });
    if (sent) { room.pending = content; room.error = null; }
    else room.error = ["Not connected: the message was not sent. Try again once reconnected."];
  } else {
    sent = sendDM(id, content);
  }
  renderComposerError();
  if (sent) {
    input.value = "";
    autosize();
    updateCharCount();
  }
}

function onComposerInput() {
  autosize();
  updateCharCount();
  if (!state.active || state.active.kind !== "room") return;
  const room = state.rooms.get(state.active.id);
  const now = Date.now();
  if ($("composer-input").value.trim() !== "" && now - room.lastTypingSent >= TYPING_SEND_EVERY_MS) {
    if (room.sock.send({ type: "typing" })) room.lastTypingSent = now;
  }
}

// ------------------------------------------------------------ login / out

function setFieldError(id, text) {
  $(id).textContent = text;
  const input = $(id.replace(/-error$/, ""));
  if (input) input.setAttribute("aria-invalid", text ? "true" : "false");
}

/**
 * login starts a session for name (POST /chat/session), then asks the server
 * to validate the room; it returns the field errors, or the session.
 */
async function login(name, roomId) {
  const res = await fetch("/chat/session", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ username: name }),
    cache: "no-store",
  });
  let body = null;
  try { body = await res.json(); } catch { /* not JSON */ }
  if (res.status === 409) return { errs: { name: MSG_TAKEN } };
  if (res.status !== 201 || !body || typeof body.token !== "string") {
    return { errs: { name: serverError({ status: res.status, body }) } };
  }
  const session = { token: body.token, name: body.username, expiresAt: body.expiresAt, room: roomId };
  state.token = session.token;
  const members = await getJSON(`/chat/room/${encodeURIComponent(roomId)}/members`);
  state.token = "";
  if (!members.ok) return { errs: { room: serverError(members) } };
  return { errs: {}, session };
}

const serverError = (res) => (res.body && res.body.message ? `Server: ${res.body.message}` : `Server answered ${res.status}.`);

async function onLogin(ev) {
  ev.preventDefault();
  const name = $("login-name").value.trim();
  const roomId = $("login-room").value.trim();
  const nameErr = identifierError(name, USER_MAX_BYTES, "display name");
  const roomErr = identifierError(roomId, ROOM_MAX_BYTES, "room name");
  setFieldError("login-name-error", nameErr);
  setFieldError("login-room-error", roomErr);
  $("login-error").textContent = "";
  if (nameErr || roomErr) return;
  const btn = $("login-btn");
  btn.disabled = true;
  btn.textContent = "Joining…";
  try {
    const { errs, session } = await login(name, roomId);
    setFieldError("login-name-error", errs.name || "");
    setFieldError("login-room-error", errs.room || "");
    if (errs.name || errs.room) return;
    start(session);
  } catch (err) {
    $("login-error").textContent = `Cannot reach the server (${err.message}). Is it running?`;
  } finally {
    btn.disabled = false;
    btn.textContent = "Join room";
  }
}

/** start opens the workspace for a session: {token, name, expiresAt, room}. */
function start(session) {
  const { name, room: roomId } = session;
  state.me = name;
  state.token = session.token;
  try { localStorage.setItem("jsgen-chat", JSON.stringify({ name, room: roomId })); } catch { /* private mode */ }
  // The token is kept for this tab only: a reload keeps the session, another tab logs in.
  try { sessionStorage.setItem(SESSION_STORAGE_KEY, JSON.stringify(session)); } catch { /* private mode */ }
  $("me-name").textContent = name;
  $("side-me").textContent = name;
  $("me-avatar").replaceWith(Object.assign(avatar(name), { id: "me-avatar" }));
  $("me").hidden = false;
  $("login").hidden = true;
  $("workspace").hidden = false;
  $("app").dataset.view = "chat";
  openDMSocket();
  joinRoom(roomId);
}

/** checkSession ends the session when the server says its token is expired (401) or replaced (409). */
async function checkSession() {
  if (!state.token) return;
  const token = state.token;
  let res;
  try { res = await getJSON(`/chat/presence/${encodeURIComponent(state.me)}`); } catch { return; }
  if (state.token !== token) return;
  if (res.status === 401) sessionEnded(MSG_EXPIRED);
  else if (res.status === 409) sessionEnded(MSG_REPLACED);
}

/** sessionEnded signs out and shows why on the login form. */
function sessionEnded(message) {
  if (!state.me) return;
  signOut();
  $("login-error").textContent = message;
}

function signOut() {
  try { sessionStorage.removeItem(SESSION_STORAGE_KEY); } catch { /* private mode */ }
  state.token = "";
  $("login-error").textContent = "";
  for (const s of sockets()) s.close();
  for (const r of state.rooms.values()) for (const t of r.typing.values()) clearTimeout(t);
  clearTimeout(state.presenceTimer);
  state.presence = "online";
  $("presence-select").value = "online";
  $("me-dot").dataset.status = "online";
  Object.assign(state, { me: "", rooms: new Map(), dms: new Map(), active: null, lastRoom: "", dm: null, dmLast: null, presenceOf: new Map() });
  $("me").hidden = true;
  $("workspace").hidden = true;
  $("login").hidden = false;
  $("app").dataset.view = "login";
  $("composer-input").value = "";
  showPresenceError("");
  renderConnection();
  $("login-name").focus();
}

// ------------------------------------------------------------------ drawer

function openDrawer() {
  $("app").classList.add("drawer-open");
  $("scrim").hidden = false;
  $("menu-btn").setAttribute("aria-expanded", "true");
}

function closeDrawer() {
  $("app").classList.remove("drawer-open");
  $("scrim").hidden = true;
  $("menu-btn").setAttribute("aria-expanded", "false");
}

// -------------------------------------------------------------------- wiring

function wire() {
  $("login-form").addEventListener("submit", onLogin);
  for (const id of ["login-name", "login-room"]) {
    $(id).addEventListener("input", () => setFieldError(`${id}-error`, ""));
  }
  $("composer").addEventListener("submit", (ev) => { ev.preventDefault(); submitComposer(); });
  const input = $("composer-input");
  input.addEventListener("input", onComposerInput);
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); submitComposer(); }
  });
  $("add-room-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = $("add-room-input").value.trim();
    const err = identifierError(v, ROOM_MAX_BYTES, "room name");
    setFieldError("add-room-error", err);
    if (err) return;
    $("add-room-input").value = "";
    joinRoom(v);
  });
  $("new-dm-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = $("new-dm-input").value.trim();
    let err = identifierError(v, USER_MAX_BYTES, "username");
    if (!err && v === state.me) err = "That is you.";
    setFieldError("new-dm-error", err);
    if (err) return;
    $("new-dm-input").value = "";
    activate("dm", v);
    refreshPresence();
  });
  const sel = $("presence-select");
  sel.addEventListener("change", () => {
    state.presence = sel.value;
    $("me-dot").dataset.status = sel.value;
    showPresenceError("");
    sendPresence();
  });
  $("signout-btn").addEventListener("click", signOut);
  $("side-signout-btn").addEventListener("click", signOut);
  $("retry-btn").addEventListener("click", () => sockets().forEach((s) => s.retryNow()));
  window.addEventListener("online", () => sockets().forEach((s) => s.retryNow()));
  $("menu-btn").addEventListener("click", () => ($("app").classList.contains("drawer-open") ? closeDrawer() : openDrawer()));
  $("scrim").addEventListener("click", closeDrawer);
  document.addEventListener("keydown", (ev) => { if (ev.key === "Escape") closeDrawer(); });
}

function restore() {
  try {
    const saved = JSON.parse(localStorage.getItem("jsgen-chat") || "null");
    if (saved && typeof saved.name === "string") $("login-name").value = saved.name;
    if (saved && typeof saved.room === "string") $("login-room").value = saved.room;
  } catch { /* nothing saved */ }
  const hashRoom = decodeURIComponent(location.hash.slice(1));
  if (hashRoom) $("login-room").value = hashRoom;
  // A reload keeps the tab's session while its token is valid.
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_STORAGE_KEY) || "null");
    if (s && typeof s.token === "string" && typeof s.name === "string" && typeof s.room === "string" && s.expiresAt > Date.now()) {
      start(s);
      return true;
    }
  } catch { /* nothing saved */ }
  return false;
}

wire();
if (!restore()) $("login-name").focus();
