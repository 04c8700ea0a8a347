// The generated client's runtime on a scripted socket (node --test): URL
// building, queueing, frame classification, handler isolation and
// reconnection with backoff.
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectChatDM, connectChatRoom, type JsgenCloseEvent, type JsgenClientOptions } from "./client.js";

/** A socket the test drives by hand. */
class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly sent: string[] = [];
  readonly url: string;
  readonly protocols: string | string[] | undefined;
  closedWith: [number | undefined, string | undefined] | undefined;

  constructor(url: string, protocols?: string | string[]) {
    this.url = url;
    this.protocols = protocols;
    FakeSocket.all.push(this);
  }
  send(data: string): void {
    assert.equal(this.readyState, 1, "send on a socket that is not open");
    this.sent.push(data);
  }
  close(code?: number, reason?: string): void {
    this.closedWith = [code, reason];
    this.readyState = 3;
    setTimeout(() => this.onclose?.({ code: code ?? 1005, reason: reason ?? "", wasClean: true }), 0);
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  /** fail reports a failed handshake as Node.js 20's WebSocket does: an error, no close. */
  fail(): void {
    this.onerror?.({});
  }
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: "", wasClean: false });
  }
  receive(data: unknown): void {
    this.onmessage?.({ data });
  }
  static last(): FakeSocket {
    const s = FakeSocket.all[FakeSocket.all.length - 1];
    assert.ok(s !== undefined, "no socket was created");
    return s;
  }
}

function fake(more: JsgenClientOptions = {}): JsgenClientOptions {
  return { WebSocket: FakeSocket, ...more };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("URLs: scheme mapping, prefix, percent-encoded params, query and token, defaults left out", () => {
  connectChatRoom("http://h:1/api/", { params: { roomId: "a/b?c#d%é" }, query: { echo: false } }, fake({ token: "x&y=+z" }));
  assert.equal(FakeSocket.last().url, "ws://h:1/api/chat/room/a%2Fb%3Fc%23d%25%C3%A9?echo=false&access_token=x%26y%3D%2Bz");
  connectChatRoom("HTTPS://example.test", { params: { roomId: "r" } }, fake({ protocols: ["p1"] }));
  assert.equal(FakeSocket.last().url, "wss://example.test/chat/room/r");
  assert.deepEqual(FakeSocket.last().protocols, ["p1"]);
  connectChatDM("ws://h:2", {}, fake({ token: "bob-token" }));
  assert.equal(FakeSocket.last().url, "ws://h:2/chat/dm?access_token=bob-token");
});

test("send: queued until open, in order, bounded; dropped after close", () => {
  const c = connectChatRoom("ws://h", { params: { roomId: "r" } }, fake({ maxQueued: 2 }));
  const s = FakeSocket.last();
  assert.equal(c.send({ type: "message", content: "1" }), true);
  assert.equal(c.send({ type: "typing" }), true);
  assert.equal(c.send({ type: "typing" }), false, "the queue holds 2");
  s.open();
  assert.deepEqual(s.sent, ['{"type":"message","content":"1"}', '{"type":"typing"}']);
  assert.equal(c.send({ type: "typing" }), true);
  assert.equal(s.sent.length, 3);
  c.close(4000, "done");
  assert.deepEqual(s.closedWith, [4000, "done"]);
  assert.equal(c.send({ type: "typing" }), false);
});

test("frames: typed events by tag or by members, error frames, unrecognised frames", () => {
  const unrecognized: unknown[] = [];
  const c = connectChatRoom("ws://h", { params: { roomId: "r" } }, fake({ onUnrecognized: (d) => unrecognized.push(d) }));
  const s = FakeSocket.last();
  s.open();
  const seen: string[] = [];
  c.on("join", (e) => seen.push("join " + e.username));
  c.on("message", (e) => seen.push("message " + e.content));
  c.on("error", (e) => seen.push("error " + e.code + " " + (e.errors ?? []).map((fe) => fe.path).join(",")));
  s.receive('{"type":"join","username":"ann","timestamp":1}');
  s.receive('{"type":"message","username":"ann","content":"hi","timestamp":2}');
  s.receive('{"type":"error","code":"invalid_message","message":"m","errors":[{"path":"content","message":"x"}]}');
  s.receive('{"type":"unknown"}');
  s.receive("not json");
  s.receive("[1,2]");
  assert.deepEqual(seen, ["join ann", "message hi", "error invalid_message content"]);
  assert.deepEqual(unrecognized.slice(), [{ type: "unknown" }, "not json", [1, 2]]);

  const dm = connectChatDM("ws://h", {}, fake({ onUnrecognized: (d) => unrecognized.push(d) }));
  const ds = FakeSocket.last();
  ds.open();
  const dms: string[] = [];
  dm.on("DirectMessage", (e) => dms.push(e.from + ": " + e.content));
  dm.on("error", (e) => dms.push("error " + e.code));
  ds.receive('{"from":"ann","content":"yo","timestamp":3}');
  ds.receive('{"type":"error","code":"forbidden","message":"no","errors":[]}');
  ds.receive('{"from":"ann","content":"yo","timestamp":3,"extra":1}');
  ds.receive('{"from":"ann"}');
  assert.deepEqual(dms, ["ann: yo", "error forbidden"]);
  assert.equal(unrecognized.length, 5);
});

test("handlers: unsubscribe works, and a throwing handler does not stop the others", () => {
  const c = connectChatRoom("ws://h", { params: { roomId: "r" } }, fake());
  const s = FakeSocket.last();
  s.open();
  const seen: number[] = [];
  const off = c.on("typing", () => seen.push(1));
  c.on("typing", () => {
    throw new Error("boom");
  });
  c.on("typing", () => seen.push(3));
  const rethrown: unknown[] = [];
  const realSetTimeout = globalThis.setTimeout;
  // Capture the asynchronous rethrow instead of letting it crash the test.
  globalThis.setTimeout = ((fn: () => void) => {
    try {
      fn();
    } catch (err) {
      rethrown.push(err);
    }
    return 0;
  }) as unknown as typeof setTimeout;
  try {
    s.receive('{"type":"typing","username":"a","timestamp":1}');
    off();
    s.receive('{"type":"typing","username":"a","timestamp":2}');
  } finally {
    globalThis.setTimeout = realSetTimeout;
  }
  assert.deepEqual(seen, [1, 3, 3]);
  assert.equal(rethrown.length, 2);
  assert.match(String(rethrown[0]), /boom/);
});

test("reconnect: exponential delays, capped, reset by an open, limited by maxAttempts", async () => {
  const closes: JsgenCloseEvent[] = [];
  const c = connectChatRoom(
    "ws://h",
    { params: { roomId: "r" } },
    fake({ reconnect: { initialDelayMs: 5, factor: 2, maxDelayMs: 15, jitter: 0, maxAttempts: 4 } }),
  );
  c.on("close", (e) => closes.push(e));
  const opens: boolean[] = [];
  c.on("open", (e) => opens.push(e.reconnected));
  const before = FakeSocket.all.length;
  // Three failures in a row: 5, 10, 15 (capped).
  for (let i = 0; i < 3; i++) {
    FakeSocket.last().drop();
    assert.equal(c.state, "reconnecting");
    await sleep((closes[closes.length - 1]?.delayMs ?? 0) + 20);
  }
  assert.deepEqual(closes.map((e) => e.delayMs), [5, 10, 15]);
  assert.equal(FakeSocket.all.length, before + 3);
  // An open resets the sequence.
  FakeSocket.last().open();
  assert.deepEqual(opens, [false]);
  FakeSocket.last().drop(1001);
  assert.equal(closes[3]?.code, 1001);
  assert.equal(closes[3]?.delayMs, 5);
  await sleep(30);
  FakeSocket.last().open();
  assert.deepEqual(opens, [false, true]);
  // Four more failures use up maxAttempts; the fifth gives up.
  for (let i = 0; i < 4; i++) {
    FakeSocket.last().drop();
    await sleep((closes[closes.length - 1]?.delayMs ?? 0) + 20);
  }
  const count = FakeSocket.all.length;
  FakeSocket.last().drop();
  const last = closes[closes.length - 1];
  assert.equal(last?.willReconnect, false);
  assert.equal(last?.delayMs, undefined);
  assert.equal(c.state, "closed");
  await sleep(40);
  assert.equal(FakeSocket.all.length, count, "no attempt after giving up");
});

test("reconnect: jitter shortens delays; close() during the wait stops it; reconnect false never retries", async () => {
  const c = connectChatRoom(
    "ws://h",
    { params: { roomId: "r" } },
    fake({ reconnect: { initialDelayMs: 40, jitter: 0.5 }, random: () => 1 }),
  );
  const closes: JsgenCloseEvent[] = [];
  c.on("close", (e) => closes.push(e));
  FakeSocket.last().drop();
  assert.equal(closes[0]?.delayMs, 20);
  const count = FakeSocket.all.length;
  c.close();
  assert.equal(c.state, "closed");
  await sleep(60);
  assert.equal(FakeSocket.all.length, count, "close() cancelled the pending attempt");

  const n = connectChatRoom("ws://h", { params: { roomId: "r" } }, fake({ reconnect: false }));
  const nCloses: JsgenCloseEvent[] = [];
  n.on("close", (e) => nCloses.push(e));
  const before = FakeSocket.all.length;
  FakeSocket.last().drop();
  assert.equal(nCloses[0]?.willReconnect, false);
  assert.equal(n.state, "closed");
  await sleep(20);
  assert.equal(FakeSocket.all.length, before);
});

test("a handshake failure reported by an error alone counts as a close", async () => {
  const c = connectChatRoom("ws://h", { params: { roomId: "r" } }, fake({ reconnect: { initialDelayMs: 5, jitter: 0 } }));
  const closes: JsgenCloseEvent[] = [];
  c.on("close", (e) => closes.push(e));
  const s = FakeSocket.last();
  s.fail();
  assert.equal(closes.length, 1);
  assert.equal(closes[0]?.code, 1006);
  assert.equal(closes[0]?.willReconnect, true);
  assert.deepEqual(s.closedWith, [undefined, undefined], "the failed socket is closed");
  await sleep(30);
  assert.equal(closes.length, 1, "the failed socket's own close event is ignored");
  assert.notEqual(FakeSocket.last(), s, "a new attempt was made");
  FakeSocket.last().open();
  assert.equal(c.state, "open");
  // An error on an open socket waits for its close event.
  FakeSocket.last().onerror?.({});
  assert.equal(c.state, "open");
  c.close();
});

test("close() before the socket opens closes it and reports a final close event", async () => {
  const c = connectChatRoom("ws://h", { params: { roomId: "r" } }, fake());
  const s = FakeSocket.last();
  const closes: JsgenCloseEvent[] = [];
  c.on("close", (e) => closes.push(e));
  c.close();
  assert.deepEqual(s.closedWith, [1000, ""]);
  await sleep(10);
  assert.equal(closes.length, 1);
  assert.equal(closes[0]?.willReconnect, false);
  assert.equal(c.state, "closed");
});

test("no WebSocket: a clear error", () => {
  const g = globalThis as { WebSocket?: unknown };
  const saved = g.WebSocket;
  delete g.WebSocket;
  try {
    assert.throws(() => connectChatRoom("ws://h", { params: { roomId: "r" } }), /options\.WebSocket/);
  } finally {
    if (saved !== undefined) {
      g.WebSocket = saved;
    }
  }
});
