// The generated chat client against the running chat example (node --test).
// CHAT_URL is the example's http:// base URL. Every scenario runs with the
// "ws" package's WebSocket injected through options.WebSocket, and again
// with the global WebSocket when Node.js has one.
import assert from "node:assert/strict";
import { test } from "node:test";
import WS from "ws";
import {
  connectChatDM,
  connectChatRoom,
  type ClientMessage,
  type JsgenClient,
  type JsgenClientOptions,
  type JsgenWebSocketConstructor,
} from "./client.js";

const base = process.env["CHAT_URL"] ?? "";
assert.match(base, /^http:\/\//, "CHAT_URL must be the chat example's http:// URL");

const impls: Array<[string, JsgenWebSocketConstructor | undefined]> = [["ws", WS]];
if (typeof (globalThis as { WebSocket?: unknown }).WebSocket === "function") {
  impls.push(["global", undefined]);
}

let counter = 0;
/** unique returns a name no other scenario uses, with characters that need percent-encoding. */
function unique(prefix: string): string {
  counter++;
  return `${prefix}${counter}-${process.pid % 1000}`;
}

/** next resolves with the next event of type that satisfies pred. */
function next<I, E, K extends keyof E & string>(
  client: JsgenClient<I, E>,
  type: K,
  pred: (event: E[K]) => boolean = () => true,
  ms = 5000,
): Promise<E[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no "${type}" event within ${ms} ms`));
    }, ms);
    const off = client.on(type, (event) => {
      if (pred(event)) {
        clearTimeout(timer);
        off();
        resolve(event);
      }
    });
  });
}

function options(impl: JsgenWebSocketConstructor | undefined, more: JsgenClientOptions = {}): JsgenClientOptions {
  return impl === undefined ? more : { ...more, WebSocket: impl };
}

/** session logs user in (POST /chat/session) and returns the session's token. */
async function session(user: string): Promise<string> {
  const res = await fetch(`${base}/chat/session`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: user }),
  });
  assert.equal(res.status, 201, `POST /chat/session for ${user}`);
  return ((await res.json()) as { token: string }).token;
}

/** bearer returns fetch options that send token. */
function bearer(token: string): RequestInit {
  return { headers: { Authorization: `Bearer ${token}` } };
}

for (const [name, impl] of impls) {
  test(`${name}: two clients in a room exchange typed messages, and leave`, async () => {
    // A room with characters that must be percent-encoded; the users are
    // the subjects of their session tokens.
    const roomId = unique("r/ü?#%&+");
    const ann = unique("ann&x=+");
    const bob = unique("bob/ü");
    const annToken = await session(ann);
    const a = connectChatRoom(base, { params: { roomId } }, options(impl, { token: annToken }));
    assert.equal(a.state, "connecting");
    const aOpen = await next(a, "open");
    assert.equal(aOpen.reconnected, false);
    assert.equal(a.state, "open");

    const bobJoined = next(a, "join", (e) => e.username === bob);
    const b = connectChatRoom(base, { params: { roomId } }, options(impl, { token: await session(bob) }));
    await next(b, "open");
    const join = await bobJoined;
    assert.equal(join.type, "join");
    assert.equal(typeof join.timestamp, "number");
    assert.ok(Math.abs(join.timestamp - Date.now()) < 60_000, `timestamp ${join.timestamp} is Unix milliseconds`);

    const bobGot = next(b, "message", (e) => e.username === ann);
    const annEcho = next(a, "message", (e) => e.username === ann);
    assert.equal(a.send({ type: "message", content: "héllo 👋" }), true);
    const got = await bobGot;
    assert.deepEqual(Object.keys(got).sort(), ["content", "timestamp", "type", "username"]);
    assert.equal(got.content, "héllo 👋");
    assert.equal((await annEcho).content, "héllo 👋");

    const typing = next(a, "typing", (e) => e.username === bob);
    b.send({ type: "typing" });
    assert.equal((await typing).type, "typing");

    // The server decoded the same room and names the client encoded.
    const res = await fetch(`${base}/chat/room/${encodeURIComponent(roomId)}/members`, bearer(annToken));
    assert.equal(res.status, 200);
    const members = (await res.json()) as Array<{ username: string; joinedAt: number }>;
    assert.deepEqual(members.map((m) => m.username).sort(), [ann, bob].sort());

    const bobLeft = next(a, "leave", (e) => e.username === bob);
    const bobClosed = next(b, "close");
    b.close();
    const closed = await bobClosed;
    assert.equal(closed.willReconnect, false);
    assert.equal(b.state, "closed");
    assert.equal(b.send({ type: "typing" }), false, "send after close() drops the frame");
    await bobLeft;
    const aClosed = next(a, "close");
    a.close();
    assert.equal((await aClosed).code, 1000);
  });

  test(`${name}: with echo=false the sender gets a sent acknowledgement`, async () => {
    const token = await session(unique("cy"));
    const c = connectChatRoom(base, { params: { roomId: unique("echo") }, query: { echo: false } }, options(impl, { token }));
    const sent = next(c, "sent");
    // Sent before the connection is open: it waits in the queue.
    assert.equal(c.send({ type: "message", content: "queued" }), true);
    const ack = await sent;
    assert.equal(typeof ack.messageId, "string");
    assert.ok(ack.messageId.length > 0);
    c.close();
  });

  test(`${name}: invalid frames yield error events and the connection stays open`, async () => {
    const user = unique("dee");
    const c = connectChatRoom(base, { params: { roomId: unique("err") } }, options(impl, { token: await session(user) }));
    await next(c, "open");

    const wrongType = next(c, "error");
    c.send({ type: "nope" } as unknown as ClientMessage);
    const e1 = await wrongType;
    assert.equal(e1.type, "error");
    assert.equal(e1.code, "invalid_message");
    assert.ok(e1.errors?.some((fe) => fe.path === "type"), JSON.stringify(e1));

    const empty = next(c, "error");
    c.send({ type: "message", content: "" });
    const e2 = await empty;
    assert.equal(e2.code, "invalid_message");
    assert.ok(e2.errors?.some((fe) => fe.path === "content"), JSON.stringify(e2));

    // The type refuses it at compile time; the server refuses it too.
    const noContent = next(c, "error");
    c.send({ type: "message" } as unknown as ClientMessage);
    const e3 = await noContent;
    assert.equal(e3.code, "invalid_message");
    assert.ok(e3.errors?.some((fe) => fe.path === "content"), JSON.stringify(e3));

    const echoed = next(c, "message", (e) => e.username === user);
    c.send({ type: "message", content: "still here" });
    assert.equal((await echoed).content, "still here");
    assert.equal(c.state, "open");
    c.close();
  });

  test(`${name}: direct messages and presence on the DM socket`, async () => {
    const ann = unique("dmann");
    const bob = unique("dmbob");
    const [annToken, bobToken] = await Promise.all([session(ann), session(bob)]);
    const a = connectChatDM(base, {}, options(impl, { token: annToken }));
    const b = connectChatDM(base, {}, options(impl, { token: bobToken }));
    try {
      await Promise.all([next(a, "open"), next(b, "open")]);
      // bob's socket is open before the server has subscribed it to his
      // direct messages, and a DM to nobody is dropped: send until one
      // arrives.
      const got = next(b, "DirectMessage");
      const send = () => a.send({ to: bob, content: "psst" });
      send();
      const resend = setInterval(send, 200);
      const dm = await got.finally(() => clearInterval(resend));
      assert.equal(dm.from, ann);
      assert.equal(dm.content, "psst");
      assert.equal(typeof dm.timestamp, "number");

      a.send({ type: "presence", status: "busy" });
      let status = "";
      for (let i = 0; i < 50 && status !== "busy"; i++) {
        const res = await fetch(`${base}/chat/presence/${encodeURIComponent(ann)}`, bearer(annToken));
        if (res.status === 200) {
          status = ((await res.json()) as { status: string }).status;
        }
        if (status !== "busy") {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      assert.equal(status, "busy");

      const refused = next(b, "error");
      b.send({ to: "", content: "x" });
      assert.equal((await refused).code, "invalid_message");
    } finally {
      a.close();
      b.close();
    }
  });

  test(`${name}: a refused upgrade ends in a close event, without reconnecting when told not to`, async () => {
    // "." is not allowed in an identifier: the server answers 400 before the upgrade.
    const token = await session(unique("fay"));
    const c = connectChatRoom(base, { params: { roomId: "bad.id" } }, options(impl, { token, reconnect: false }));
    let opened = false;
    c.on("open", () => {
      opened = true;
    });
    const closed = await next(c, "close");
    assert.equal(closed.willReconnect, false);
    assert.equal(opened, false);
    assert.equal(c.state, "closed");
  });

  test(`${name}: a connection the server closes is re-established with backoff`, async () => {
    const user = unique("eve");
    const token = await session(user);
    let tokenCalls = 0;
    const c = connectChatRoom(
      base,
      { params: { roomId: unique("rate") } },
      // The token function is called before every connection and reconnection.
      options(impl, { token: () => (tokenCalls++, token), reconnect: { initialDelayMs: 50, maxDelayMs: 200 } }),
    );
    await next(c, "open");
    const limited = next(c, "error", (e) => e.code === "rate_limited");
    const dropped = next(c, "close");
    // Past the server's inbound rate limit: an error frame, then close 1008.
    for (let i = 0; i < 300; i++) {
      c.send({ type: "typing" });
    }
    await limited;
    const closed = await dropped;
    assert.equal(closed.code, 1008);
    assert.equal(closed.willReconnect, true);
    assert.ok(closed.delayMs !== undefined && closed.delayMs >= 25 && closed.delayMs <= 50, `delay ${closed.delayMs}`);
    assert.equal(c.state, "reconnecting");
    const reopened = await next(c, "open");
    assert.equal(reopened.reconnected, true);
    assert.equal(tokenCalls, 2);

    const echoed = next(c, "message", (e) => e.username === user);
    c.send({ type: "message", content: "back" });
    assert.equal((await echoed).content, "back");
    c.close();
  });
}
