// ---------------------------------------------------------------------------
// Client runtime: the same for every route and every app.
// ---------------------------------------------------------------------------

/**
 * The part of a WebSocket the client uses. The global WebSocket of browsers
 * and of Node.js 22 and later has it, and so does the "ws" package's.
 */
export interface JsgenSocket {
  readonly readyState: number;
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket constructor, such as the global WebSocket or the "ws" package's. */
export type JsgenWebSocketConstructor = new (url: string, protocols?: string | string[]) => JsgenSocket;

/**
 * How a client reconnects after a connection it did not close ends.
 *
 * The n-th attempt in a row (counting from 1, reset by every successful
 * open) waits min(maxDelayMs, initialDelayMs * factor^(n-1)), of which the
 * fraction jitter is randomised: delay * (1 - jitter * random()).
 */
export interface JsgenReconnectOptions {
  /** Delay before the first attempt, in milliseconds (default 500). */
  initialDelayMs?: number;
  /** Upper bound of every delay, in milliseconds (default 30000). */
  maxDelayMs?: number;
  /** Growth of the delay from one attempt to the next (default 2). */
  factor?: number;
  /** Fraction of each delay that is random, from 0 to 1 (default 0.5). */
  jitter?: number;
  /** Attempts in a row before giving up (default: no limit). */
  maxAttempts?: number;
}

/** Options of a connect function. */
export interface JsgenClientOptions {
  /**
   * The WebSocket constructor. Default: the global WebSocket (browsers,
   * Node.js 22 and later). On Node.js 20, pass one, e.g. the "ws" package's.
   */
  WebSocket?: JsgenWebSocketConstructor;
  /** WebSocket sub-protocols to offer. */
  protocols?: string | string[];
  /** false never reconnects; otherwise how to reconnect (default: the defaults of JsgenReconnectOptions). */
  reconnect?: false | JsgenReconnectOptions;
  /**
   * How many frames sent while not connected wait for the connection
   * (default 100). Beyond that, send returns false and drops the frame.
   */
  maxQueued?: number;
  /** Called with each received frame that is not JSON or that no declared message matches. */
  onUnrecognized?: (data: unknown) => void;
  /** Random numbers in [0, 1) for the reconnection jitter (default Math.random). */
  random?: () => number;
  /**
   * The bearer token of a route that requires one (declared with an
   * identity): a string, or a function returning one (or a promise of one),
   * called before every connection and reconnection, so that a refreshed
   * token is used. It is sent as the access_token query parameter, since
   * browsers cannot set headers on a WebSocket. Routes without an identity
   * never send it. A function that throws or rejects counts as a failed
   * connection (close code 1006), retried as reconnect says.
   */
  token?: string | (() => string | Promise<string>);
}

/** The "open" event: the connection is established. */
export interface JsgenOpenEvent {
  /** Whether an earlier connection of this client had opened. */
  reconnected: boolean;
}

/** The "close" event: a connection ended. */
export interface JsgenCloseEvent {
  /** The WebSocket close code (1006 when the connection failed or dropped). */
  code: number;
  /** The close reason sent by the server, if any. */
  reason: string;
  /** Whether the closing handshake completed. */
  wasClean: boolean;
  /** Whether the client will connect again (false after close() and when attempts are exhausted). */
  willReconnect: boolean;
  /** When willReconnect: the delay before the next attempt, in milliseconds. */
  delayMs?: number;
}

/** One violation reported in an error frame, at a JSON path of the refused frame. */
export interface JsgenFieldError {
  path: string;
  message: string;
}

/**
 * An error frame: the server refused a frame (invalid JSON, a message that
 * does not match the declared type, a rate limit, ...) or the app refused
 * something for a reason of its own. Every route may send it. The connection
 * stays open unless the server closes it.
 */
export interface JsgenErrorFrame {
  type: "error";
  /** Machine-readable reason, e.g. "invalid_json", "invalid_message", or the app's own. */
  code: string;
  message: string;
  errors: JsgenFieldError[];
}

/** A connected client of one route: In is what it sends, Events what it receives. */
export interface JsgenClient<In, Events> {
  /**
   * Sends msg as JSON. Frames sent while the connection is not open wait,
   * up to options.maxQueued of them, and go out in order when it opens.
   * Returns false when the frame was dropped (the queue is full, or close()
   * was called). Delivery is at most once: frames handed to a connection
   * that then drops are lost.
   */
  send(msg: In): boolean;
  /**
   * Calls handler with every event of the given type until the returned
   * function is called. A handler that throws does not stop the others; its
   * exception is rethrown asynchronously.
   */
  on<K extends keyof Events & string>(type: K, handler: (event: Events[K]) => void): () => void;
  /** Closes the connection (code 1000, the default, or 3000-4999) and stops reconnecting, for good. */
  close(code?: number, reason?: string): void;
  /** "connecting" until the first open, then "open", "reconnecting" between attempts, and "closed" at the end. */
  readonly state: "connecting" | "open" | "reconnecting" | "closed";
}

interface JsgenRoute {
  /** Frames whose member disc is tag are event. */
  readonly tagged: ReadonlyArray<readonly [disc: string, tag: string, event: string]>;
  /** Frames with every required member and no member outside fields are event. */
  readonly untagged: ReadonlyArray<{ readonly event: string; readonly fields: readonly string[]; readonly required: readonly string[] }>;
  /** The route requires a bearer token (JsgenClientOptions.token). */
  readonly auth?: true;
}

interface JsgenGlobals {
  WebSocket?: JsgenWebSocketConstructor;
  location?: { protocol: string; host: string };
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const jsgenGlobals = globalThis as unknown as JsgenGlobals;

const JSGEN_CONNECTING = 0;
const JSGEN_OPEN = 1;

/** jsgenWithToken adds token to url as the access_token query parameter (none: url as it is). */
function jsgenWithToken(url: string, token: string | undefined): string {
  if (token === undefined) {
    return url;
  }
  return url + (url.includes("?") ? "&" : "?") + "access_token=" + encodeURIComponent(token);
}

/** jsgenURL joins baseURL (ws:, wss:, http: or https:; "" for the page's own origin) and path. */
function jsgenURL(baseURL: string, path: string, query: string): string {
  let base = baseURL;
  if (base === "" && jsgenGlobals.location !== undefined) {
    const loc = jsgenGlobals.location;
    base = (loc.protocol === "https:" ? "wss://" : "ws://") + loc.host;
  }
  base = base.replace(/^http(s?):\/\//i, (_match: string, secure: string) => (secure === "" ? "ws://" : "wss://")).replace(/\/+$/, "");
  return base + path + (query === "" ? "" : "?" + query);
}

type JsgenQueryValue = string | number | boolean | readonly (string | number | boolean)[] | undefined;

/** jsgenQuery encodes the given parameters, leaving out undefined ones and repeating arrays. */
function jsgenQuery(params: ReadonlyArray<readonly [string, JsgenQueryValue]>): string {
  const parts: string[] = [];
  for (const [name, value] of params) {
    if (value === undefined) {
      continue;
    }
    const values: readonly (string | number | boolean)[] = Array.isArray(value) ? value : [value as string | number | boolean];
    for (const v of values) {
      parts.push(encodeURIComponent(name) + "=" + encodeURIComponent(String(v)));
    }
  }
  return parts.join("&");
}

/** jsgenClassify names the event a received frame is, or returns undefined. */
function jsgenClassify(route: JsgenRoute, frame: unknown): string | undefined {
  if (typeof frame !== "object" || frame === null || Array.isArray(frame)) {
    return undefined;
  }
  const obj = frame as { readonly [member: string]: unknown };
  for (const [disc, tag, event] of route.tagged) {
    if (obj[disc] === tag) {
      return event;
    }
  }
  if (obj["type"] === "error") {
    return "error";
  }
  const members = Object.keys(obj);
  for (const u of route.untagged) {
    if (u.required.every((name) => members.includes(name)) && members.every((name) => u.fields.includes(name))) {
      return u.event;
    }
  }
  return undefined;
}

class JsgenConnection<In, Events> implements JsgenClient<In, Events> {
  state: "connecting" | "open" | "reconnecting" | "closed" = "connecting";
  private readonly url: string;
  private readonly route: JsgenRoute;
  private readonly options: JsgenClientOptions;
  private readonly handlers = new Map<string, Array<(event: never) => void>>();
  private readonly queue: string[] = [];
  private socket: JsgenSocket | null = null;
  private timer: unknown = undefined;
  private attempts = 0;
  private opened = false;
  private closing = false;

  constructor(url: string, route: JsgenRoute, options: JsgenClientOptions) {
    this.url = url;
    this.route = route;
    this.options = options;
    this.connect();
  }

  send(msg: In): boolean {
    if (this.closing) {
      return false;
    }
    const data = JSON.stringify(msg);
    if (this.state === "open" && this.socket !== null && this.socket.readyState === JSGEN_OPEN) {
      this.socket.send(data);
      return true;
    }
    if (this.queue.length >= (this.options.maxQueued ?? 100)) {
      return false;
    }
    this.queue.push(data);
    return true;
  }

  on<K extends keyof Events & string>(type: K, handler: (event: Events[K]) => void): () => void {
    const list = this.handlers.get(type) ?? [];
    const h = handler as (event: never) => void;
    this.handlers.set(type, [...list, h]);
    return () => {
      const current = this.handlers.get(type) ?? [];
      const i = current.indexOf(h);
      if (i >= 0) {
        this.handlers.set(type, [...current.slice(0, i), ...current.slice(i + 1)]);
      }
    };
  }

  close(code = 1000, reason = ""): void {
    if (this.closing) {
      return;
    }
    this.closing = true;
    this.queue.length = 0;
    if (this.timer !== undefined) {
      jsgenGlobals.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.socket === null) {
      this.state = "closed";
      return;
    }
    this.socket.close(code, reason);
  }

  private connect(): void {
    const token = this.route.auth === true ? this.options.token : undefined;
    if (typeof token !== "function") {
      this.open(jsgenWithToken(this.url, token));
      return;
    }
    let value: string | Promise<string>;
    try {
      value = token();
    } catch {
      this.tokenFailed();
      return;
    }
    if (typeof value === "string") {
      this.open(jsgenWithToken(this.url, value));
      return;
    }
    value.then(
      (t) => {
        if (!this.closing) {
          this.open(jsgenWithToken(this.url, t));
        }
      },
      () => this.tokenFailed(),
    );
  }

  /** tokenFailed counts a token function that threw or rejected as a failed connection. */
  private tokenFailed(): void {
    if (this.closing) {
      this.state = "closed";
      return;
    }
    this.dropped({ code: 1006, reason: "no token", wasClean: false });
  }

  private open(url: string): void {
    const Socket = this.options.WebSocket ?? jsgenGlobals.WebSocket;
    if (Socket === undefined) {
      throw new Error('jsgen: no WebSocket implementation: pass options.WebSocket (e.g. the "ws" package\'s) on Node.js before 22');
    }
    const socket = new Socket(url, this.options.protocols);
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket === socket) {
        this.handleOpen();
      }
    };
    socket.onmessage = (event: { data: unknown }) => {
      if (this.socket === socket) {
        this.receive(event.data);
      }
    };
    socket.onclose = (event: { code: number; reason: string; wasClean: boolean }) => {
      if (this.socket === socket) {
        this.socket = null;
        this.dropped(event);
      }
    };
    socket.onerror = () => {
      // Usually a close event follows and says what there is to know. But
      // some implementations (Node.js 20's) report a failed handshake with
      // an error alone, the socket left connecting: treat that as a close.
      if (this.socket === socket && socket.readyState === JSGEN_CONNECTING) {
        this.socket = null;
        try {
          socket.close();
        } catch {
          // The connection already failed.
        }
        this.dropped({ code: 1006, reason: "", wasClean: false });
      }
    };
  }

  private handleOpen(): void {
    const reconnected = this.opened;
    this.opened = true;
    this.attempts = 0;
    this.state = "open";
    const socket = this.socket;
    for (const data of this.queue.splice(0)) {
      socket?.send(data);
    }
    this.emit("open", { reconnected });
  }

  private receive(data: unknown): void {
    let frame: unknown;
    try {
      frame = JSON.parse(typeof data === "string" ? data : String(data));
    } catch {
      this.options.onUnrecognized?.(data);
      return;
    }
    const event = jsgenClassify(this.route, frame);
    if (event === undefined) {
      this.options.onUnrecognized?.(frame);
      return;
    }
    this.emit(event, frame);
  }

  private dropped(event: { code: number; reason: string; wasClean: boolean }): void {
    const closed: JsgenCloseEvent = { code: event.code, reason: event.reason, wasClean: event.wasClean, willReconnect: false };
    const delay = this.closing ? undefined : this.nextDelay();
    if (delay === undefined) {
      this.state = "closed";
      this.closing = true;
      this.queue.length = 0;
    } else {
      this.state = "reconnecting";
      closed.willReconnect = true;
      closed.delayMs = delay;
      this.timer = jsgenGlobals.setTimeout(() => {
        this.timer = undefined;
        if (!this.closing) {
          this.connect();
        }
      }, delay);
    }
    this.emit("close", closed);
  }

  private nextDelay(): number | undefined {
    const r = this.options.reconnect;
    if (r === false) {
      return undefined;
    }
    this.attempts++;
    if (this.attempts > (r?.maxAttempts ?? Infinity)) {
      return undefined;
    }
    const initial = Math.max(0, r?.initialDelayMs ?? 500);
    const max = Math.max(initial, r?.maxDelayMs ?? 30000);
    const factor = Math.max(1, r?.factor ?? 2);
    const jitter = Math.min(1, Math.max(0, r?.jitter ?? 0.5));
    const random = this.options.random ?? Math.random;
    const base = Math.min(max, initial * Math.pow(factor, this.attempts - 1));
    return Math.round(base * (1 - jitter * random()));
  }

  private emit(type: string, event: unknown): void {
    for (const handler of this.handlers.get(type) ?? []) {
      try {
        (handler as (event: unknown) => void)(event);
      } catch (err) {
        jsgenGlobals.setTimeout(() => {
          throw err;
        }, 0);
      }
    }
  }
}
