package room

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/channel"
	"github.com/jsgen-dev/jsgen/runtime/ws"

	"github.com/jsgen-dev/jsgen/runtime/room/internal/repl"
)

// frame is the wire message of the end-to-end room route.
type frame struct {
	Type string `json:"type"` // joined, left, message, sent
	User string `json:"user,omitempty"`
	Text string `json:"text,omitempty"`
	ID   string `json:"messageId,omitempty"`
}

type e2eState struct {
	room jsgenrt.Ref[Room]
	user jsgenrt.Ref[User]
}

// e2eApp is a small chat on a real runtime/ws server: a room route whose
// handler joins Members but never closes its Membership — cleanup is left
// to the connection lifecycle (LeaveOnDone) — announces member
// transitions on the room channel, and broadcasts messages except to the
// sender, who gets a "sent" acknowledgement.
type e2eApp struct {
	members *Members[Room, User]
	rooms   *channel.Channels[Room, frame]
	ids     *MessageIDs
	events  chan repl.Event // this node's replication events, in order
	url     string
}

func newE2EApp(t *testing.T) *e2eApp {
	t.Helper()
	members, err := NewMembers[Room, User](WithNodeID("n1"))
	if err != nil {
		t.Fatal(err)
	}
	ids, _ := NewMessageIDs("n1")
	app := &e2eApp{members: members, rooms: channel.New[Room, frame](nil), ids: ids, events: make(chan repl.Event, 64)}
	Announce(members, app.rooms, func(c MemberChange[Room, User]) (frame, bool) {
		return frame{Type: c.Kind.String(), User: c.User.ID()}, true
	})
	members.onEvent(func(e repl.Event) { app.events <- e })

	srv, err := ws.New(ws.WithNodeID("n1"), ws.WithLogger(discardLogger()))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	ws.Handle(mux, srv, ws.Route[string]{
		Pattern: "GET /room/{roomId}",
		Prepare: func(r *http.Request) (any, int, error) {
			room, err := jsgenrt.NewRef[Room]("Room", r.PathValue("roomId"), 64)
			if err != nil {
				return nil, http.StatusBadRequest, err
			}
			user, err := jsgenrt.NewRef[User]("User", r.URL.Query().Get("username"), 64)
			if err != nil {
				return nil, http.StatusBadRequest, err
			}
			return e2eState{room: room, user: user}, 0, nil
		},
		Decode: func(b []byte) (string, error) { return string(b), nil },
		Run:    app.run,
	})
	hs := httptest.NewServer(mux)
	app.url = "ws" + strings.TrimPrefix(hs.URL, "http") + "/room/"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		hs.Close()
		_ = app.rooms.Close()
	})
	return app
}

func (app *e2eApp) run(ctx context.Context, c *ws.Conn, msgs iter.Seq[string]) error {
	st := c.State().(e2eState)
	sub := app.rooms.SubscribeWith(st.room, channel.SubscribeOptions{ID: c.ID()})
	defer sub.Close()
	// The handle is deliberately dropped: the lifecycle must clean up.
	if _, err := app.members.Join(st.room, st.user, c.ID()); err != nil {
		return err
	}
	app.members.LeaveOnDone(c.Context(), c.ID())

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = ws.Forward(ctx, c, sub)
	}()
	for text := range msgs {
		id := PublishExcept(app.rooms, st.room, frame{Type: "message", User: st.user.ID(), Text: text}, c.ID(), app.ids)
		ack, _ := json.Marshal(frame{Type: "sent", ID: id})
		_ = c.SendBytes(ack)
	}
	sub.Close()
	wg.Wait()
	return nil
}

func (app *e2eApp) dial(t *testing.T, room, user string) *websocket.Conn {
	t.Helper()
	c, resp, err := websocket.DefaultDialer.Dial(app.url+room+"?username="+user, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	_ = resp.Body.Close()
	return c
}

func read(t *testing.T, c *websocket.Conn) frame {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
	var f frame
	if err := c.ReadJSON(&f); err != nil {
		t.Fatalf("read: %v", err)
	}
	return f
}

// waitEvent returns the next replication event, which must be of kind.
func (app *e2eApp) waitEvent(t *testing.T, kind repl.EventKind) repl.Event {
	t.Helper()
	select {
	case e := <-app.events:
		if e.Kind != kind {
			t.Fatalf("event %+v, want %v", e, kind)
		}
		return e
	case <-time.After(20 * time.Second):
		t.Fatalf("no %v event", kind)
		return repl.Event{}
	}
}

// Real WebSocket clients: a user with two tabs is one member; a tab whose
// TCP connection dies (no close frame, handler never closes its
// membership) is removed by the lifecycle; the member leaves, announced
// once, when the last tab dies; and exclude-sender skips only the sending
// tab.
func TestE2ELifecycleAndExcludeSender(t *testing.T) {
	app := newE2EApp(t)
	room := roomRef("lobby")

	bob := app.dial(t, "lobby", "bob")
	defer bob.Close()
	if f := read(t, bob); f != (frame{Type: "joined", User: "bob"}) {
		t.Fatalf("bob got %+v", f)
	}
	tab1 := app.dial(t, "lobby", "alice")
	if f := read(t, bob); f != (frame{Type: "joined", User: "alice"}) {
		t.Fatalf("bob got %+v", f)
	}
	if f := read(t, tab1); f != (frame{Type: "joined", User: "alice"}) {
		t.Fatalf("tab1 got %+v", f)
	}
	app.waitEvent(t, repl.EventJoin) // bob
	tab1ID := app.waitEvent(t, repl.EventJoin).Conn
	tab2 := app.dial(t, "lobby", "alice") // second tab: no new member, no frame
	app.waitEvent(t, repl.EventJoin)
	if ms := app.members.Members(room); len(ms) != 2 || ms[1].User.ID() != "alice" || ms[1].Conns != 2 {
		t.Fatalf("members %+v", ms)
	}

	if err := tab1.WriteMessage(websocket.TextMessage, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	sent := read(t, tab1)
	if sent.Type != "sent" || !strings.HasPrefix(sent.ID, "n1-") {
		t.Fatalf("tab1 got %+v, want a sent ack", sent)
	}
	for name, c := range map[string]*websocket.Conn{"tab2": tab2, "bob": bob} {
		if f := read(t, c); f != (frame{Type: "message", User: "alice", Text: "hello"}) {
			t.Fatalf("%s got %+v", name, f)
		}
	}
	// tab1 did not get its own message: the next frame it reads is bob's.
	if err := bob.WriteMessage(websocket.TextMessage, []byte("hi alice")); err != nil {
		t.Fatal(err)
	}
	if f := read(t, tab1); f != (frame{Type: "message", User: "bob", Text: "hi alice"}) {
		t.Fatalf("tab1 got %+v, want bob's message", f)
	}
	if f := read(t, tab2); f.Text != "hi alice" {
		t.Fatalf("tab2 got %+v", f)
	}
	if f := read(t, bob); f.Type != "sent" || f.ID == sent.ID { // bob is the sender now: only his ack
		t.Fatalf("bob got %+v", f)
	}

	// tab1's network dies: no close frame, the handler never closes its membership.
	_ = tab1.NetConn().Close()
	if e := app.waitEvent(t, repl.EventLeave); e.Conn != tab1ID {
		t.Fatalf("leave of %s, want tab1 %s", e.Conn, tab1ID)
	}
	if ms := app.members.Members(room); len(ms) != 2 || ms[0].Conns != 1 || ms[1].Conns != 1 {
		t.Fatalf("after tab1 died: %+v", ms)
	}
	// tab2 dies too: alice leaves, announced once.
	_ = tab2.NetConn().Close()
	app.waitEvent(t, repl.EventLeave)
	if f := read(t, bob); f != (frame{Type: "left", User: "alice"}) {
		t.Fatalf("bob got %+v", f)
	}
	// Exactly one "left": the next frame bob gets is his own ack.
	if err := bob.WriteMessage(websocket.TextMessage, []byte("bye")); err != nil {
		t.Fatal(err)
	}
	if f := read(t, bob); f.Type != "sent" {
		t.Fatalf("bob got %+v, want only his ack", f)
	}
	if ms := app.members.Members(room); len(ms) != 1 || ms[0].User.ID() != "bob" {
		t.Fatalf("after alice's tabs died: %+v", ms)
	}
	_ = bob.Close()
	app.waitEvent(t, repl.EventLeave)
	if s := app.members.Stats(); s.Rooms != 0 || s.Members != 0 || s.LocalConns != 0 {
		t.Fatalf("left behind: %+v", s)
	}
}
