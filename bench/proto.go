package main

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
)

// protocol is how the load generator talks to one kind of server: the
// socket's path, the publish frame, and how to recognise the frame that
// says a connection is subscribed to its room.
type protocol int

const (
	// protoJsgen is the chat example's wire contract:
	// WS /chat/room/{id}?username=uN, publish {"type":"message","content":…},
	// receive {"type":"message","username",…,"content":…,"timestamp"}; the
	// connection is subscribed once it receives its own join event.
	protoJsgen protocol = iota
	// protoMelody is the melody peers' contract, the same frames on
	// WS /room/{id}?username=uN; the server sends {"type":"ready"} once the
	// session is in its room.
	protoMelody
	// protoCentrifuge is Centrifuge's JSON protocol on
	// WS /connection/websocket: connect with the room in the connect data
	// (a server-side subscription), publish with a publish command; pushes
	// may arrive several per frame, separated by '\n'; the server's
	// application ping is {} and is answered with {}.
	protoCentrifuge
)

func roomID(room int) string { return fmt.Sprintf("r%03d", room) }
func userID(user int) string { return "u" + strconv.Itoa(user) }

// path returns the socket path for a member of room named user.
func (p protocol) path(room, user int) string {
	switch p {
	case protoJsgen:
		return "/chat/room/" + roomID(room) + "?access_token=" + sessionToken(userID(user))
	case protoMelody:
		return "/room/" + roomID(room) + "?username=" + userID(user)
	default:
		return "/connection/websocket"
	}
}

// hello returns the first frame the client sends after the handshake, or
// nil if the protocol has none.
func (p protocol) hello(room, user int) []byte {
	if p != protoCentrifuge {
		return nil
	}
	return fmt.Appendf(nil, `{"id":1,"connect":{"name":"bench","data":{"room":%q,"user":%q}}}`, roomID(room), userID(user))
}

// readyNeedle returns what a message must contain to tell a member of
// room named user that it is subscribed.
func (p protocol) readyNeedle(user int) []byte {
	switch p {
	case protoJsgen:
		return []byte(`"username":"` + userID(user) + `"`)
	case protoMelody:
		return []byte(`{"type":"ready"}`)
	default:
		return []byte(`{"id":1,"connect":`)
	}
}

// isReady reports whether msg is the ready signal given needle.
func (p protocol) isReady(msg, needle []byte) bool {
	if p == protoJsgen && !bytes.Contains(msg, []byte(`"type":"join"`)) {
		return false
	}
	return bytes.Contains(msg, needle)
}

// appendPublish appends the payload of a publish to room carrying the
// timestamp ts (Unix nanoseconds) in its content; id numbers the command
// for protocols that need one.
func (p protocol) appendPublish(b []byte, room int, ts, id int64) []byte {
	if p == protoCentrifuge {
		b = append(b, `{"id":`...)
		b = strconv.AppendInt(b, id, 10)
		b = append(b, `,"publish":{"channel":"`...)
		b = append(b, roomID(room)...)
		b = append(b, `","data":`...)
	}
	b = append(b, `{"type":"message","content":"`...)
	b = strconv.AppendInt(b, ts, 10)
	b = append(b, `"}`...)
	if p == protoCentrifuge {
		b = append(b, "}}"...)
	}
	return b
}

var contentKey = []byte(`"content":"`)

// contentTS returns the publish timestamp carried by a delivered chat
// message, or ok=false if msg is not one.
func contentTS(msg []byte) (ts int64, ok bool) {
	i := bytes.Index(msg, contentKey)
	if i < 0 {
		return 0, false
	}
	rest := msg[i+len(contentKey):]
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		d := int64(rest[n] - '0')
		if ts > (math.MaxInt64-d)/10 {
			return 0, false // overflow
		}
		ts = ts*10 + d
		n++
	}
	if n == 0 || n >= len(rest) || rest[n] != '"' {
		return 0, false
	}
	return ts, true
}

// isPing reports whether msg is Centrifuge's application ping.
func (p protocol) isPing(msg []byte) bool {
	return p == protoCentrifuge && len(msg) == 2 && msg[0] == '{' && msg[1] == '}'
}

// splits reports whether a message may hold several protocol messages
// separated by '\n'.
func (p protocol) splits() bool { return p == protoCentrifuge }
