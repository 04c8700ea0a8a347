// Package ws is the WebSocket runtime under jsgen's generated controllers:
// it serves typed routes on melody v1.3.0 (github.com/olahol/melody) with
// safe defaults, and adds the bounded outbound queues, close semantics,
// shutdown and metrics melody lacks. melody reads; the runtime writes (see
// "What melody does, what the runtime does"). Fan-out to rooms is package channel's
// (Subscribe connects a channel to a connection).
//
// An app implements the generated handler interface of a controller and
// mounts it; options change the secure defaults:
//
//	srv, err := chatapi.MountChat(mux, handlers,
//		ws.WithAllowedOrigins("https://chat.example.com"), ws.WithLogger(logger))
//	if err != nil { ... }
//	defer srv.Shutdown(ctx) // closes every connection with 1001, waits for handlers
//
// Each handler method serves one connection for its lifetime: it reads the
// decoded frames, sends typed frames, and relays channels to the client
// with Subscribe:
//
//	func (a *app) Room(ctx context.Context, c *chatapi.ChatRoomConn) error {
//		sub := ws.Subscribe(a.rooms, c.Params.RoomID, c.Conn) // the room's frames → this client
//		defer sub.Close()
//		for msg := range c.Messages() { // decoded and validated; invalid frames never get here
//			a.rooms.Publish(c.Params.RoomID, toEvent(msg))
//		}
//		return nil // closes with 1000 once queued frames are written
//	}
//
// # Two handler forms
//
// A route is served in one of two forms, chosen per controller or route in
// the declarations (handler: callbacks); both give the same guarantees
// (inbound checks and error frames, ordering, close codes, panics
// recovered):
//
//   - The loop (the default): one method per route runs for the
//     connection's lifetime and ranges over Messages(), as above. It reads
//     as straight-line code, keeps per-connection state in local variables
//     and may block (a handler that stops taking messages for InboundWait
//     is closed with 1013). It costs a goroutine per connection: three in
//     all with melody's read and write pumps.
//
//   - Callbacks: Open<Route> returns a session whose OnMessage runs on the
//     connection's read goroutine and whose OnClose runs once when the
//     connection closes. An idle connection costs two goroutines instead
//     of three. Use it for routes with many mostly idle connections
//     (rooms, notifications, presence) whose messages are handled quickly;
//     a slow OnMessage holds back only its own client (nothing more is read
//     from it until it returns).
//
// A callback route, e.g.:
//
//	func (a *app) OpenRoom(ctx context.Context, c *chatapi.ChatRoomConn) (chatapi.ChatRoomSession, error) {
//		ws.Subscribe(a.rooms, c.Params.RoomID, c.Conn) // ends with the connection
//		return &roomSession{a: a, c: c}, nil           // the connection's own state
//	}
//
//	func (s *roomSession) OnMessage(ctx context.Context, msg chatapi.ClientMessage) error {
//		s.a.rooms.Publish(s.c.Params.RoomID, toEvent(msg))
//		return nil // an error closes with 1011; s.c.Close ends the connection normally
//	}
//
//	func (s *roomSession) OnClose(ctx context.Context, err error) {} // err nil: closed with 1000 or 1001
//
// In the runtime, the callback form is a CallbackRoute served by
// HandleCallbacks; see Session for the exact guarantees.
//
// The generated Mount function declares one Route per controller route:
//
//	ws.Handle(mux, s, ws.Route[ClientMessage]{
//		Pattern: "GET /chat/room/{roomId}",
//		Prepare: prepareChatRoom,     // path params + query → state, or 400
//		Decode:  DecodeClientMessage, // []byte → ClientMessage or *jsgenrt.Error
//		Run: func(ctx context.Context, c *ws.Conn, msgs iter.Seq[ClientMessage]) error {
//			st := c.State().(*chatRoomState)
//			return h.Room(ctx, &ChatRoomConn{Conn: c, Params: st.params, Query: st.query, msgs: msgs})
//		},
//	})
//
// and the connection's typed Send encodes once (AppendJSON) and calls
// Conn.SendBytes. Fan-out has one path: a channel.Channels (the room index,
// with hooks and the cluster bridge) and a subscription per connection
// (Subscribe, or Forward when the handler wants a goroutine per
// subscription); one encoded frame is shared by every recipient.
//
// # Commands
//
// A route can also answer calls: request/response over the same socket,
// with a correlation id, a timeout, cancellation and optional streaming.
// Generated code builds the route's Commands table from the declared
// commands (one Command per command: its payload decoder, the handler
// method, the result encoder and the timeout); in hand-written code:
//
//	cmds := ws.NewCommands() // ws.WithMaxCalls(n) to change the 16 in flight per connection
//	ws.AddCommand(cmds, ws.Command[SendPayload, SendResult]{
//		Name:    "send",
//		Decode:  DecodeSendPayload, // field errors → invalid_payload with their paths
//		Encode:  func(b []byte, r SendResult) []byte { return r.AppendJSON(b) },
//		Timeout: 5 * time.Second,   // default 10 s
//		Run: func(ctx context.Context, c *ws.Conn, p SendPayload, s *ws.Stream) (SendResult, error) {
//			if !allowed(c) {
//				return SendResult{}, &ws.CallError{Code: ws.CallDenied, Message: "not a member"}
//			}
//			return SendResult{ID: store(ctx, p)}, nil
//		},
//	})
//	ws.Handle(mux, srv, ws.Route[ClientMessage]{..., Commands: cmds}) // or CallbackRoute
//
// On the wire, a client frame with a "command" member is a call, one with
// "cancel" cancels one; every other frame is one of the route's messages,
// as before:
//
//	→ {"id":"7","command":"send","payload":{"content":"hi"}}
//	← {"id":"7","next":{…}}      zero or more items (Stream.Send), streaming commands only
//	← {"id":"7","result":{…}}    or
//	← {"id":"7","error":{"code":"denied","message":"not a member","errors":[]}}
//	→ {"id":"7","cancel":true}   ← {"id":"7","error":{"code":"canceled",…}}
//
// The id is a string of 1 to 64 characters chosen by the client, unique
// among its calls in flight; every reply carries it, so replies may come
// in any order. The call frame is decoded strictly (unknown or repeated
// members are refused at their path, code invalid_message; malformed JSON
// is invalid_json); the payload, an object ("{}" when absent), goes to the
// command's decoder. Every call gets exactly one final reply, result or
// error, and nothing after it. Error codes: not_found (no such command),
// invalid_payload (errors has the paths inside the payload), duplicate_id
// (that id is not answered yet; an answered id may be reused at once),
// too_many_calls (MaxCalls in flight; a call counts until its Run
// returns, even after its timeout or cancel was answered), timeout, canceled, denied and internal
// (a Run error other than a *CallError, or a panic: logged, details not
// sent), plus the command's own codes (return a *CallError). None closes
// the connection. A frame whose id cannot be read gets an error frame
// instead of a reply.
//
// Each call runs Run on a goroutine of its own, so a connection's calls
// run concurrently with each other and with its messages. Run's ctx ends
// when the client cancels, the timeout passes (the client gets "timeout"
// right then), the connection closes or the server shuts down
// (Server.Shutdown waits for Run to return). Whatever Run returns after
// that is dropped and counted (Metrics.Error, ErrCodeCallLate), never
// sent; Stream.Send returns ErrCallEnded. Replies and items go through the
// connection's outbound queue and its byte bound like every frame; one
// that cannot be queued is counted (ErrCodeCallNotQueued).
//
// # Before the upgrade
//
// In order: 503 while shutting down or at MaxConnections; 400 for a
// request that is not a WebSocket handshake; 403 when the Origin is
// neither the request's own host nor in AllowedOrigins (requests without
// Origin pass unless RequireOrigin); on a route with Authenticate, the
// bearer token (401 when missing or refused, or the status of its
// Refuse; identity attached as Conn.Identity; access_token removed from
// the query everything after sees; close 4001 when the token expires,
// see Conn.Reauthenticate), else the guard (401/403 through Refuse,
// identity attached as Conn.Identity); Prepare (400 or its status, state
// attached as Conn.State); the route's own guards (Options.RouteGuards,
// set through the generated With<Controller><Route>Guard options, which see
// the typed parameters and query: any 4xx or 5xx through Refuse). Every
// refusal has a JSON body shaped like an error frame, and nothing refused
// is upgraded. permessage-deflate is never negotiated.
//
// # Inbound
//
// One message at a time per connection, on melody's read goroutine:
//   - over ReadLimit (default 64 KiB): close 1009;
//   - malformed framing (unmasked, RSV bits, reserved opcodes, bad
//     control or close frames, bad continuation): close 1002;
//   - past the token bucket (default 50/s, burst 100): error frame
//     "rate_limited", then close 1008;
//   - a binary message: error frame "binary_not_supported", connection
//     stays open;
//   - invalid UTF-8 (checked on the whole message, so sequences split
//     across fragments are judged correctly): close 1007, the decoder
//     never sees it;
//   - Decode error: error frame {"type":"error","code":…,"message":…,
//     "errors":[{"path":…,"message":…}]}, connection stays open (handlers
//     send the same frame for reasons of their own with
//     Conn.SendErrorFrame; clients decode it with DecodeErrorFrame);
//   - otherwise the message waits in an inbox (InboxSize, default 16) for
//     the handler; if the handler takes none for InboundWait (default
//     5 s): close 1013. A callback route has no inbox: OnMessage runs
//     right away, once Open has returned.
//
// # Outbound
//
// Conn.SendBytes never blocks. Each connection has a queue bounded in
// bytes (MaxQueueBytes, default 1 MiB). A frame that would overflow it
// disconnects the client as slow: close 1013 "slow client: …" (1013, "try
// again later", because reconnecting later is the right reaction and it
// keeps 1008 for the client's own policy violations), the queued frames
// are discarded and counted (Metrics.Dropped, reason "slow_client") and
// the disconnect is counted (Metrics.SlowClient). A client whose socket
// accepts nothing for WriteWait is cut the same way (counted, no close
// frame possible). Nothing is ever dropped while the connection stays
// open.
//
// Data frames do not go through melody's per-session channel (which
// drops messages silently when full and writes one frame per syscall).
// SendBytes only queues the frame (no allocation: frames are shared) and
// lists the connection with one of the Server's flushers, one per CPU.
// A flusher goroutine, running only while its list is not empty, takes
// each listed connection in turn and writes everything queued for it with
// one non-blocking writev (Linux, plain TCP): publishers never touch
// sockets, one wake-up serves a whole broadcast, and under load frames
// accumulate while the flusher works through its list, so one syscall
// carries several of them. When idle, a frame is written as soon as the
// flusher runs: there is no timer and no added delay. Whatever a socket
// does not take goes to a writer goroutine for that connection, which
// waits (bounded by WriteWait) and writes the rest in batches of up to
// WriteBatchBytes. An idle connection has no writer goroutine and holds
// no write buffer. Without non-blocking writes (TLS, other systems), or
// with WriteBatchBytes < 0, every connection with frames to send gets the
// writer goroutine.
//
// # What melody does, what the runtime does
//
// melody upgrades the connection (through gorilla/websocket) and runs its
// read loop: it reads frames, enforces ReadLimit and the pong deadline
// (PongWait), and hands each message to the runtime. It never writes.
//
// Every frame the server sends — data, pings (every PingPeriod), pongs,
// and the close frame, whoever starts the close — goes through the
// connection's one outbound queue and is written by the connection's
// writer, and by nothing else. Control frames go ahead of queued data
// frames, but never into the middle of a frame partly written, and the
// close frame is always the last frame. This is what keeps the stream
// well formed while many goroutines send, pings fire and a close starts
// at once, and what lets a pong or a close get out even behind a large
// queue. When gorilla's reader refuses what the client sent (a message
// over ReadLimit, a malformed frame), the close frame it would have sent
// (1009 or 1002) is sent by the writer too.
//
// # Memory per idle connection
//
// An idle connection of a callback route that relays a channel with
// Subscribe (the chat example's room) costs about 12 KB of Go memory, two
// goroutines with 6 KB of stacks and 6 KB of heap, and 13.6 KB of the
// process's resident memory (bench B3; the rest is the Go runtime's own
// bookkeeping). What it is made of, from a heap profile of every
// allocation (bytes, rounded):
//
//	stacks  melody's read goroutine (readPump under gorilla's reader)   4100
//	        melody's write goroutine (writePump; it never writes)       2050
//	heap    the two goroutines' descriptors (Go runtime)                1030
//	        melody's Session, its channels and its (idle) ping ticker    770
//	        the runtime's Conn and its read-done channel                  590
//	        the Conn's context and the request contexts it keeps         510
//	        the writer: ping timer, queue storage, non-blocking writer    490
//	        gorilla's Conn                                                460
//	        upgrade state kept: session, read side, callbacks             370
//	        gorilla's read buffer (256 B) and its bufio.Reader            350
//	        the socket (net.TCPConn, netFD, addresses)                    290
//	        the app's: channel subscription, room membership, session   1170
//
// The read goroutine's stack stays at 4 KB: the Go runtime halves an idle
// goroutine's stack only while less than a quarter of it, counting an
// 800-byte guard, is in use, and gorilla's read path is deeper than the
// 224 bytes that would allow. melody's write goroutine exists because
// melody starts one per session; the runtime's writer does its work.
//
// A transport that reads on readiness instead of with a goroutine per
// connection (an epoll loop over idle sockets, the upgrade kept) would
// save both goroutines (6 KB of stacks and 1 KB of descriptors), melody's
// session (0.8 KB) and the read buffer (0.35 KB, taken from a pool only
// while a frame is read): about 8 KB, leaving about 4 KB of Go memory per
// idle connection, most of it the runtime's Conn, the socket and the
// app's own state.
//
// # Closing
//
// The handler returning nil closes with 1000 after queued frames are
// written (bounded by FlushTimeout); for callbacks, Conn.Close does it
// (Close(ws.CloseNormal, "")). An error or a panic closes with 1011
// "internal error", logged with the conn_id attribute and counted. A close
// frame is written with a deadline (CloseTimeout); nothing is written after
// it. The close is lingering (RFC 6455 §7.1.1): the connection keeps
// reading and discarding what the client still sends until the client
// replies with its own close frame or disconnects, LingerTimeout (default
// 2 s) passes or LingerBytes (default 4 MiB) have been discarded, and only
// then closes the socket. This holds for every close the server starts,
// including 1009 and 1002 from the reader: a client that was still
// sending, say a message over ReadLimit, finishes and reads the close code
// instead of having its connection reset (which it would report as
// 1006). Conn.Context is cancelled as soon as closing starts, whatever the
// cause.
// Server.Shutdown refuses new upgrades (503), closes everyone with 1001,
// waits for handlers and returns by its context's deadline.
//
// # Delivery
//
// At most once. Frames to one connection are written in the order
// SendBytes accepted them; publishes from one goroutine to a channel key
// keep their order for every subscribed connection.
package ws
