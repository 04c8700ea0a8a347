// The token of a route that requires one (the kinds client's watch route,
// declared with an identity; its lobby route is not): sent as access_token
// on every (re)connection, from a string or a function called each time.
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectBoardsLobby, connectBoardsWatch, type JsgenClientOptions } from "./client.js";

class FakeSocket {
  static urls: string[] = [];
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  constructor(url: string) {
    FakeSocket.urls.push(url);
    FakeSocket.last = this;
  }
  static last: FakeSocket | undefined;
  send(): void {}
  close(code?: number, reason?: string): void {
    this.readyState = 3;
    setTimeout(() => this.onclose?.({ code: code ?? 1005, reason: reason ?? "", wasClean: true }), 0);
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 4001, reason: "token expired", wasClean: true });
  }
}

const fast = { initialDelayMs: 1, maxDelayMs: 1, jitter: 0 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) {
    await sleep(5);
  }
  assert.ok(cond(), "condition not met in time");
}

test("a string token is sent as access_token, percent-encoded", () => {
  FakeSocket.urls = [];
  const c = connectBoardsWatch("ws://h", {}, { WebSocket: FakeSocket, token: "a b+c", reconnect: false } as JsgenClientOptions);
  assert.deepEqual(FakeSocket.urls, ["ws://h/boards/watch?access_token=a%20b%2Bc"]);
  c.close();
});

test("a token function is called on every connection; a promise is awaited", async () => {
  FakeSocket.urls = [];
  let n = 0;
  const c = connectBoardsWatch("ws://h", {}, {
    WebSocket: FakeSocket,
    reconnect: fast,
    token: () => (++n === 1 ? "first" : Promise.resolve("second")),
  } as JsgenClientOptions);
  assert.deepEqual(FakeSocket.urls, ["ws://h/boards/watch?access_token=first"]);
  FakeSocket.last?.drop();
  await until(() => FakeSocket.urls.length === 2);
  assert.equal(FakeSocket.urls[1], "ws://h/boards/watch?access_token=second");
  c.close();
});

test("a token function that fails counts as a failed connection, retried", async () => {
  FakeSocket.urls = [];
  let n = 0;
  const closes: number[] = [];
  const c = connectBoardsWatch("ws://h", {}, {
    WebSocket: FakeSocket,
    reconnect: fast,
    token: () => (++n === 1 ? Promise.reject(new Error("offline")) : "late"),
  } as JsgenClientOptions);
  c.on("close", (e) => closes.push(e.code));
  await until(() => FakeSocket.urls.length === 1);
  assert.deepEqual(closes, [1006]);
  assert.equal(FakeSocket.urls[0], "ws://h/boards/watch?access_token=late");
  c.close();
});

test("a route without an identity never sends the token", () => {
  FakeSocket.urls = [];
  const c = connectBoardsLobby("ws://h", {}, { WebSocket: FakeSocket, token: "secret", reconnect: false } as JsgenClientOptions);
  assert.deepEqual(FakeSocket.urls, ["ws://h/boards/lobby"]);
  c.close();
});
