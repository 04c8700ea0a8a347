// Compile-time checks of the chat client's types: every @ts-expect-error
// line must be an error (tsc fails on an unused one), everything else must
// type-check under the strictest options.
import {
  connectChatDM,
  connectChatRoom,
  type ChatRoomEvents,
  type ClientMessage,
  type DMInbound,
  type JsgenWebSocketConstructor,
  type RoomEvent,
} from "./client.js";

declare const Socket: JsgenWebSocketConstructor;

function use(..._values: unknown[]): void {}

const room = connectChatRoom(
  "http://127.0.0.1:8080",
  { params: { roomId: "lobby" }, query: { echo: false } },
  { WebSocket: Socket, token: () => "session-token", reconnect: { initialDelayMs: 100, maxAttempts: 3 } },
);
use(room.send({ type: "message", content: "hi" }), room.send({ type: "typing" }), room.state);
// @ts-expect-error: "nope" is not a variant of ClientMessage.
room.send({ type: "nope" });
// @ts-expect-error: a message needs its content.
room.send({ type: "message" });
// @ts-expect-error: typing frames have no content.
room.send({ type: "typing", content: "x" });
// @ts-expect-error: content is a string.
room.send({ type: "message", content: 1 });
// @ts-expect-error: null is never a value.
room.send({ type: "message", content: null });
// @ts-expect-error: undefined is not a value either (exactOptionalPropertyTypes).
room.send({ type: "message", content: undefined });
// @ts-expect-error: no such member.
room.send({ type: "typing", extra: 1 });

room.on("message", (e) => {
  const content: string = e.content;
  const username: string = e.username;
  const timestamp: number = e.timestamp;
  const tag: "message" = e.type;
  use(content, username, timestamp, tag);
});
room.on("sent", (e) => use(e.messageId.length));
// Error frames (the runtime's, on every route) always list their field errors.
room.on("error", (e) => {
  const code: string = e.code;
  const tag: "error" = e.type;
  use(code, tag, e.message, e.errors.map((fe) => fe.path + fe.message));
});
room.on("open", (e) => use(e.reconnected));
const off = room.on("close", (e) => use(e.code, e.reason, e.wasClean, e.willReconnect, e.delayMs));
off();
// @ts-expect-error: no such event.
room.on("bogus", () => {});
// @ts-expect-error: join events have no content.
room.on("join", (e) => e.content);
room.close();
room.close(4000, "bye");

// @ts-expect-error: roomId is required.
connectChatRoom("ws://x", { params: {} });
// @ts-expect-error: params are required.
connectChatRoom("ws://x");
// @ts-expect-error: echo is a boolean.
connectChatRoom("ws://x", { params: { roomId: "r" }, query: { echo: "no" } });

const dm = connectChatDM("ws://x", {}, { token: "session-token" });
use(dm.send({ to: "ann", content: "yo" }), dm.send({ type: "dm", to: "ann", content: "yo" }));
use(dm.send({ type: "presence", status: "away" }));
// @ts-expect-error: "asleep" is not a PresenceStatus.
dm.send({ type: "presence", status: "asleep" });
// @ts-expect-error: a presence update needs its tag.
dm.send({ status: "away" });
// @ts-expect-error: the room's query has no username: the user is the token's subject.
connectChatRoom("ws://x", { params: { roomId: "r" }, query: { username: "ann" } });
dm.on("DirectMessage", (e) => use(e.from, e.content, e.timestamp));
dm.on("error", (e) => use(e.code, e.errors.length));

// Unions narrow on their discriminator, exhaustively.
function describe(e: RoomEvent): string {
  switch (e.type) {
    case "join":
      return e.username + " joined";
    case "leave":
      return e.username + " left";
    case "message":
      return e.username + ": " + e.content;
    case "typing":
      return e.username + " is typing";
    case "sent":
      return "sent " + e.messageId;
    default: {
      const unreachable: never = e;
      return unreachable;
    }
  }
}
function inbound(m: DMInbound): string {
  return m.type === "presence" ? m.status : m.to;
}
const msg: ClientMessage = { type: "typing" };
const handler: (e: ChatRoomEvents["join"]) => void = (e) => use(describe(e));
use(describe, inbound, msg, handler);
