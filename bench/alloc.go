package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"time"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/auth"
	"github.com/jsgen-dev/jsgen/runtime/channel"
	"github.com/jsgen-dev/jsgen/runtime/ws"

	"github.com/jsgen-dev/jsgen/examples/chat/chatapi"
)

// B4: allocations per publish through the runtime's fan-out as the chat
// example uses it — the generated Chat controller on runtime/ws, a
// RoomChannels subscription per connection relayed with ws.Subscribe, and
// RoomChannels.Publish of a ChatEvent — in this process, with M members on
// loopback TCP read by the load generator's client (which allocates
// nothing per frame). One op is one publish and the wait until all M
// members have read it, so everything the publish caused is inside the op.

// allocFixture is a one-room jsgen server with M connected members.
type allocFixture struct {
	rooms    *chatapi.RoomChannels
	verifier *auth.JWTVerifier
	srv      *ws.Server
	hs       *http.Server
	served   chan error
	fleet    *fleet
	room     jsgenrt.Ref[chatapi.Room]
	user     jsgenrt.Ref[chatapi.User]
	timer    *time.Timer
	members  int
	ops      int64
}

// OpenRoom is the chat example's room handler reduced to fan-out: subscribe
// (with the connection ID, for exclude-sender; the subscription ends with
// the connection) and tell the client it is in (a join event, the chat's
// own ready signal). Frames from the client are ignored.
func (fx *allocFixture) OpenRoom(_ context.Context, c *chatapi.ChatRoomConn) (chatapi.ChatRoomSession, error) {
	sub := ws.Subscribe(fx.rooms, c.Params.RoomID, c.Conn)
	if err := c.Send(chatapi.JoinEvent{Username: c.Identity(), Timestamp: time.Now()}); err != nil {
		sub.Close()
		return nil, nil
	}
	return ignoreFrames[chatapi.ClientMessage]{}, nil
}

// Authenticate accepts the harness's session tokens (see sessionToken):
// the fixture measures fan-out, not sign-in, so any token of the bench key
// names its member.
func (fx *allocFixture) Authenticate(ctx context.Context, token string) (jsgenrt.Ref[chatapi.User], time.Time, error) {
	c, err := fx.verifier.Verify(ctx, token)
	if err != nil {
		return jsgenrt.Ref[chatapi.User]{}, time.Time{}, err
	}
	u, err := chatapi.UserRef(c.Subject)
	return u, c.ExpiresAt, err
}

// OpenDM is not used by B4.
func (fx *allocFixture) OpenDM(context.Context, *chatapi.ChatDMConn) (chatapi.ChatDMSession, error) {
	return nil, nil
}

// ignoreFrames is a session that ignores the client's frames.
type ignoreFrames[In any] struct{}

func (ignoreFrames[In]) OnMessage(context.Context, In) error { return nil }
func (ignoreFrames[In]) OnClose(context.Context, error)      {}

// newAllocFixture serves one room on a loopback port and connects members
// to it.
func newAllocFixture(ctx context.Context, members int) (*allocFixture, error) {
	log := slog.New(slog.DiscardHandler)
	verifier, err := auth.NewHS256([]byte(benchSessionKey))
	if err != nil {
		return nil, err
	}
	fx := &allocFixture{
		verifier: verifier,
		rooms:    chatapi.NewRoomChannels(channel.WithLogger(log)),
		room:     chatapi.MustRoomRef(roomID(0)),
		user:     chatapi.MustUserRef("publisher"),
		timer:    time.NewTimer(time.Hour),
		members:  members,
		served:   make(chan error, 1),
	}
	mux := http.NewServeMux()
	srv, err := chatapi.MountChat(mux, fx, ws.WithLogger(log))
	if err != nil {
		return nil, err
	}
	fx.srv = srv
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	fx.hs = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { fx.served <- fx.hs.Serve(ln) }()
	f, err := connectFleet(ctx, protoJsgen, topology{rooms: 1, members: members, nodes: 1}, []string{ln.Addr().String()})
	if err != nil {
		fx.close()
		return nil, err
	}
	fx.fleet = f
	return fx, nil
}

// content is a valid delivery payload for the load generator's reader (a
// decimal timestamp).
const allocContent = "1700000000000000000"

// publish does one op: one publish, then the wait until every member has
// read it. It allocates nothing itself besides what Publish does.
func (fx *allocFixture) publish(ctx context.Context) error {
	fx.rooms.Publish(fx.room, chatapi.ChatEvent{Username: fx.user, Content: allocContent, Timestamp: time.Now()})
	fx.ops++
	want := fx.ops * int64(fx.members)
	f := fx.fleet
	for f.delivered.Load() < want {
		f.target.Store(want)
		if f.delivered.Load() >= want {
			break
		}
		fx.timer.Reset(10 * time.Second)
		select {
		case <-f.notify:
		case <-ctx.Done():
			return ctx.Err()
		case <-fx.timer.C:
			return fmt.Errorf("B4: %d of %d deliveries after 10s", f.delivered.Load(), want)
		}
	}
	f.target.Store(0)
	return nil
}

// close stops the server, the clients and the listener.
func (fx *allocFixture) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if fx.srv != nil {
		_ = fx.srv.Shutdown(ctx)
	}
	if fx.fleet != nil {
		fx.fleet.close()
	}
	if fx.hs != nil {
		_ = fx.hs.Shutdown(ctx)
		<-fx.served
	}
	fx.rooms.Close()
	fx.timer.Stop()
}

// allocResult is B4 for one room size.
type allocResult struct {
	Members                  int
	Ops                      int64
	NsPerOp, BytesPerOp      float64
	AllocsPerOp, AllocsPerDl float64
}

// measureAllocs runs ops for about d after a short warm-up and returns the
// per-op time, bytes and allocations (runtime.MemStats deltas, like
// testing.B's ReportAllocs).
func measureAllocs(ctx context.Context, fx *allocFixture, d time.Duration) (allocResult, error) {
	r := allocResult{Members: fx.members}
	for range 50 {
		if err := fx.publish(ctx); err != nil {
			return r, err
		}
	}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	start := time.Now()
	for time.Since(start) < d || r.Ops < 20 {
		if err := fx.publish(ctx); err != nil {
			return r, err
		}
		r.Ops++
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&m1)
	n := float64(r.Ops)
	r.NsPerOp = float64(elapsed.Nanoseconds()) / n
	r.BytesPerOp = float64(m1.TotalAlloc-m0.TotalAlloc) / n
	r.AllocsPerOp = float64(m1.Mallocs-m0.Mallocs) / n
	r.AllocsPerDl = r.AllocsPerOp / float64(fx.members)
	return r, nil
}

// runAllocs measures B4 for each room size.
func runAllocs(ctx context.Context, sizes []int, d time.Duration) ([]allocResult, error) {
	var out []allocResult
	for _, m := range sizes {
		fx, err := newAllocFixture(ctx, m)
		if err != nil {
			return out, err
		}
		r, err := measureAllocs(ctx, fx, d)
		fx.close()
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}
