package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/jsgen-dev/jsgen/examples/chat/chatapi"
	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/bus"
	"github.com/jsgen-dev/jsgen/runtime/bus/membus"
	"github.com/jsgen-dev/jsgen/runtime/channel"
	"github.com/jsgen-dev/jsgen/runtime/room"
	"github.com/jsgen-dev/jsgen/runtime/ws"
)

//go:embed web
var webFiles embed.FS

// appConfig configures one chat node.
type appConfig struct {
	// Bus is "memory" (default, one node) or a nats:// or redis:// URL.
	Bus string
	// SharedBus, when set, is used instead of dialling Bus: nodes sharing
	// it form a cluster (tests run several nodes on one in-memory bus).
	// The caller owns it.
	SharedBus bus.Bus
	// Logger receives structured logs; nil means slog.Default().
	Logger *slog.Logger
	// WS adds WebSocket options (origins, limits) to the secure defaults.
	WS []ws.Option
	// PresenceTTL bounds how long a silent connection counts as present.
	PresenceTTL time.Duration
	// Audit, when set, runs an audit log in the node: a consumer of the
	// chat's events (ChatEvents) that logs them to this logger.
	Audit *slog.Logger
	// SessionKey signs and verifies session tokens (HS256, at least 32
	// bytes); the nodes of a cluster share it. Empty: random per process.
	SessionKey []byte
	// SessionTTL is how long a session token lives (default 12h).
	SessionTTL time.Duration
	// SessionGrace is how long a user's name stays taken after their last
	// connection closed (default 10s).
	SessionGrace time.Duration
}

// app is one chat node: the generated Chat controller served by the room
// services, plus the HTTP endpoints of the wire contract.
type app struct {
	log      *slog.Logger
	mux      *http.ServeMux
	ws       *ws.Server
	metrics  *ws.Prometheus
	rooms    *chatapi.RoomChannels
	users    *chatapi.UserChannels
	members  *room.Members[chatapi.Room, chatapi.User]
	presence *room.Presence[chatapi.User]
	dm       *room.DM[chatapi.User, chatapi.DirectMessage]
	ids      *room.MessageIDs
	sessions *sessions
	events   *chatapi.ChatEvents // room events for other services
	cluster  *cluster            // nil with the memory bus
	local    bus.Bus             // the events' bus with the memory bus, else nil
	stop     []func()
}

// newApp builds a chat node. Shut it down with Shutdown.
func newApp(ctx context.Context, cfg appConfig) (*app, error) {
	a := &app{log: cfg.Logger, mux: http.NewServeMux()}
	if a.log == nil {
		a.log = slog.Default()
	}
	node := jsgenrt.NewNodeID() // one ID for the server, the bridges and the room services
	var err error
	if a.members, err = room.NewMembers[chatapi.Room, chatapi.User](room.WithNodeID(node), room.WithLogger(a.log)); err != nil {
		return nil, fmt.Errorf("members: %w", err)
	}
	if a.presence, err = room.NewPresence[chatapi.User](room.WithNodeID(node), room.WithTTL(cfg.PresenceTTL), room.WithLogger(a.log)); err != nil {
		return nil, fmt.Errorf("presence: %w", err)
	}
	if a.ids, err = room.NewMessageIDs(node); err != nil {
		return nil, fmt.Errorf("message ids: %w", err)
	}
	if a.sessions, err = newSessions(a.log, node, cfg.SessionKey, cfg.SessionTTL, cfg.SessionGrace); err != nil {
		return nil, err
	}
	a.rooms = chatapi.NewRoomChannels(channel.WithLogger(a.log))
	a.users = chatapi.NewUserChannels(channel.WithLogger(a.log))
	a.dm = room.NewDM(a.users)
	a.stop = append(a.stop, room.Announce(a.members, a.rooms, announce))
	b, owned, err := clusterBus(ctx, cfg)
	if err != nil {
		a.close()
		return nil, err
	}
	if b != nil {
		if a.cluster, err = joinCluster(ctx, a, b, owned, node); err != nil {
			if owned {
				b.Close()
			}
			a.close()
			return nil, err
		}
	} else {
		a.local = membus.New()
		b = a.local
	}
	a.stop = append(a.stop, a.publishEvents(b))
	if cfg.Audit != nil {
		stop, err := startAudit(chatapi.NewChatEvents(b, a.log), cfg.Audit)
		if err != nil {
			a.close()
			return nil, err
		}
		a.stop = append(a.stop, stop)
	}
	a.metrics = ws.NewPrometheus()
	opts := append([]ws.Option{ws.WithNodeID(node), ws.WithLogger(a.log), ws.WithMetrics(a.metrics)}, cfg.WS...)
	if a.ws, err = chatapi.MountChat(a.mux, a, opts...); err != nil {
		a.close()
		return nil, fmt.Errorf("websocket server: %w", err)
	}
	static, err := fs.Sub(webFiles, "web")
	if err != nil {
		return nil, err
	}
	a.mux.Handle("GET /", http.FileServerFS(static))
	a.mux.HandleFunc("POST /chat/session", a.sessions.handleSession)
	a.mux.HandleFunc("GET /chat/room/{roomId}/members", a.sessions.require(a.handleMembers))
	a.mux.HandleFunc("GET /chat/presence/{username}", a.sessions.require(a.handlePresence))
	a.mux.Handle("GET /metrics", a.metrics)
	return a, nil
}

// clusterBus returns the bus the node joins, or nil for a single node.
func clusterBus(ctx context.Context, cfg appConfig) (b bus.Bus, owned bool, err error) {
	switch {
	case cfg.SharedBus != nil:
		return cfg.SharedBus, false, nil
	case cfg.Bus == "" || cfg.Bus == "memory":
		return nil, false, nil
	}
	b, err = dialBus(ctx, cfg.Bus)
	if err != nil {
		return nil, false, fmt.Errorf("bus: %w", err)
	}
	return b, true, nil
}

// Handler serves the page, the WebSocket routes and the HTTP endpoints.
func (a *app) Handler() http.Handler { return a.mux }

// Shutdown closes every connection with 1001 and waits for the handlers,
// within ctx's deadline, then releases the room services and the bus.
func (a *app) Shutdown(ctx context.Context) error {
	err := a.ws.Shutdown(ctx)
	a.close()
	return err
}

func (a *app) close() {
	for _, f := range a.stop {
		f()
	}
	if a.cluster != nil {
		if err := a.cluster.close(); err != nil {
			a.log.Warn("leaving the cluster", "err", err)
		}
	}
	a.rooms.Close()
	a.users.Close()
	a.presence.Close()
	a.sessions.close()
	if a.local != nil {
		a.local.Close()
	}
}

// announce turns member transitions into the room's join and leave frames.
func announce(c room.MemberChange[chatapi.Room, chatapi.User]) (chatapi.RoomEvent, bool) {
	switch c.Kind {
	case room.MemberJoined:
		return chatapi.JoinEvent{Username: c.User, Timestamp: c.At.UTC()}, true
	case room.MemberLeft:
		return chatapi.LeaveEvent{Username: c.User, Timestamp: c.At.UTC()}, true
	}
	return nil, false
}

// OpenRoom serves WS /chat/room/{roomId} (by callbacks: no goroutine per
// idle connection): it relays the room's channel to the connection and
// joins the room, with members counted per user (several tabs are one
// member); the session publishes the client's frames, exclude-sender by
// connection.
func (a *app) OpenRoom(_ context.Context, c *chatapi.ChatRoomConn) (chatapi.ChatRoomSession, error) {
	roomID, user := c.Params.RoomID, c.Identity()
	log := a.roomLog(c)
	sub := ws.Subscribe(a.rooms, roomID, c.Conn)
	membership, err := a.members.Join(roomID, user, c.ID())
	if err != nil {
		sub.Close()
		log.Warn("join refused", "err", err)
		_ = c.SendErrorFrame(&jsgenrt.Error{Code: "join_refused", Message: err.Error()})
		return nil, nil // closes with 1000 once the error frame is written
	}
	log.Info("joined")
	return &roomSession{a: a, c: c, sub: sub, membership: membership, online: a.sessions.opened(user)}, nil
}

// roomLog returns the logger for c's records, labelled with the
// connection, room and user. It is built when a record is written, not
// kept per connection: an idle member costs no logger.
func (a *app) roomLog(c *chatapi.ChatRoomConn) *slog.Logger {
	return a.log.With("conn", c.ID(), "room", c.Params.RoomID.ID(), "user", c.Identity().ID())
}

// roomSession is one connection to a room.
type roomSession struct {
	a          *app
	c          *chatapi.ChatRoomConn
	sub        *channel.Subscription[chatapi.RoomEvent]
	membership *room.Membership[chatapi.Room, chatapi.User]
	online     func() // ends the connection's part in the user's session
}

// OnMessage handles one client frame of the room socket.
func (s *roomSession) OnMessage(_ context.Context, msg chatapi.ClientMessage) error {
	if err := s.a.roomFrame(s.c, msg); err != nil {
		s.a.roomLog(s.c).Warn("send failed", "err", err)
		return relayErr(err)
	}
	return nil
}

// OnClose unsubscribes first, then leaves (which announces it), so that the
// connection does not receive its own leave frame.
func (s *roomSession) OnClose(context.Context, error) {
	s.sub.Close()
	s.membership.Close()
	s.online()
	s.a.roomLog(s.c).Info("left")
}

// relayErr is what a handler returns for how its subscription ended: nil
// when the handler closed it, the connection closed or the node is
// shutting down; the error otherwise (the client was too slow: the
// connection is already closing with 1013).
func relayErr(err error) error {
	switch {
	case err == nil, errors.Is(err, channel.ErrClosed), errors.Is(err, ws.ErrClosed),
		errors.Is(err, channel.ErrChannelsClosed):
		return nil
	}
	return err
}

// roomFrame handles one client frame of the room socket. The generated
// decoder has already refused every frame the declarations refuse (a
// message without content among them), so nothing is checked here.
func (a *app) roomFrame(c *chatapi.ChatRoomConn, msg chatapi.ClientMessage) error {
	now := time.Now().UTC()
	var ev chatapi.RoomEvent
	switch m := msg.(type) {
	case chatapi.ChatMessageIn:
		msg := chatapi.ChatEvent{Username: c.Identity(), Content: m.Content, Timestamp: now}
		a.emitMessage(c.Context(), c.Params.RoomID, msg)
		ev = msg
	case chatapi.TypingIn:
		ev = chatapi.TypingEvent{Username: c.Identity(), Timestamp: now}
	default:
		return nil // the decoder only lets declared variants through
	}
	if c.Query.Echo {
		a.rooms.Publish(c.Params.RoomID, ev)
		return nil
	}
	id := room.PublishExcept(a.rooms, c.Params.RoomID, ev, c.ID(), a.ids)
	if _, ok := msg.(chatapi.ChatMessageIn); !ok {
		return nil
	}
	return c.Send(chatapi.SentEvent{MessageID: id})
}

// Authenticate verifies a socket's session token (see sessions): the
// connection's user is the token's subject.
func (a *app) Authenticate(ctx context.Context, token string) (jsgenrt.Ref[chatapi.User], time.Time, error) {
	return a.sessions.authenticate(ctx, token)
}

// OpenDM serves WS /chat/dm (by callbacks): the socket belongs to the
// token's user; direct messages to every connection of the recipient, and the sender's presence, kept alive by a
// timer while the connection is idle (no goroutine).
func (a *app) OpenDM(_ context.Context, c *chatapi.ChatDMConn) (chatapi.ChatDMSession, error) {
	user := c.Identity()
	s := &dmSession{a: a, c: c, log: a.log.With("conn", c.ID(), "user", user.ID()), online: a.sessions.opened(user)}
	s.sub = ws.Subscribe(a.dm.Channels(), user, c.Conn)
	if err := a.presence.Set(user, c.ID(), room.StatusOnline); err != nil {
		s.log.Warn("presence refused", "err", err)
	}
	s.mu.Lock()
	s.beat = time.AfterFunc(a.presence.TTL()/3, s.heartbeat)
	s.mu.Unlock()
	return s, nil
}

// dmSession is one direct-message connection.
type dmSession struct {
	a      *app
	c      *chatapi.ChatDMConn
	log    *slog.Logger
	sub    *channel.Subscription[chatapi.DirectMessage]
	online func() // ends the connection's part in the user's session

	mu     sync.Mutex
	beat   *time.Timer // renews the presence while the connection is idle
	closed bool
}

// heartbeat renews the presence and rearms the timer, until OnClose.
func (s *dmSession) heartbeat() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	_ = s.a.presence.Heartbeat(s.c.Identity(), s.c.ID())
	s.beat.Reset(s.a.presence.TTL() / 3)
}

// OnMessage sends a direct message or sets the sender's presence.
func (s *dmSession) OnMessage(_ context.Context, msg chatapi.DMInbound) error {
	user := s.c.Identity() // presence is only ever set for oneself
	_ = s.a.presence.Heartbeat(user, s.c.ID())
	switch m := msg.(type) {
	case chatapi.DirectMessageIn:
		s.a.dm.Send(m.To, chatapi.DirectMessage{From: user, Content: m.Content, Timestamp: time.Now().UTC()})
	case chatapi.PresenceUpdate:
		status, err := room.ParseStatus(string(m.Status))
		if err == nil {
			err = s.a.presence.Set(user, s.c.ID(), status)
		}
		if err != nil {
			_ = s.c.SendErrorFrame(&jsgenrt.Error{Code: "presence_refused", Message: err.Error()})
		}
	}
	return nil
}

// OnClose stops the heartbeat, then ends the relay and the presence.
func (s *dmSession) OnClose(context.Context, error) {
	s.mu.Lock()
	s.closed = true
	s.beat.Stop()
	s.mu.Unlock()
	s.sub.Close()
	s.a.presence.Remove(s.c.Identity(), s.c.ID())
	s.online()
}

// memberJSON is one entry of GET /chat/room/{roomId}/members.
type memberJSON struct {
	Username string `json:"username"`
	JoinedAt int64  `json:"joinedAt"`
}

func (a *app) handleMembers(w http.ResponseWriter, r *http.Request) {
	roomID, err := chatapi.RoomRef(r.PathValue("roomId"))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody("invalid_room", err.Error()))
		return
	}
	out := []memberJSON{}
	for _, m := range a.members.Members(roomID) {
		out = append(out, memberJSON{Username: m.User.ID(), JoinedAt: m.JoinedAt.UnixMilli()})
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *app) handlePresence(w http.ResponseWriter, r *http.Request) {
	user, err := chatapi.UserRef(r.PathValue("username"))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody("invalid_user", err.Error()))
		return
	}
	p, ok := a.presence.Get(user)
	if !ok {
		writeJSON(w, http.StatusNotFound, errorBody("not_found", user.ID()+" is offline"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": p.Status.String(), "lastSeen": p.LastSeen.UnixMilli()})
}

// errorBody is the JSON body of an HTTP error: the shape of the error
// frame (jsgen.ErrorFrame), without field errors.
func errorBody(code, msg string) map[string]any {
	return map[string]any{"type": "error", "code": code, "message": msg, "errors": []any{}}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
