// Compiled with the DOM library only: the browser's WebSocket is a valid
// options.WebSocket, and "" means the page's own origin.
import { connectChatRoom } from "./client.js";

const room = connectChatRoom("", { params: { roomId: "lobby" } }, { WebSocket });
room.on("message", (e) => {
  document.title = e.username + ": " + e.content;
});
