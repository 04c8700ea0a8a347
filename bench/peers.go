package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/centrifugal/centrifuge"
	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/olahol/melody"
)

// The servers the harness runs in child processes (`bench -serve NAME`):
// the peers jsgen is compared with, and the NATS bus of B5. Each serves on
// -addr until SIGTERM/SIGINT or until the harness dies (Pdeathsig). The
// peers implement the same chat room as the jsgen example: a member joins
// the room named in its path, a {"type":"message","content"} frame is
// decoded and re-encoded with the sender's name and a timestamp, and the
// result goes to every member of the room, the sender included.

// serve runs the named server on addr until ctx ends.
func serve(ctx context.Context, name, addr, monitor string) error {
	switch name {
	case "melody-filter":
		return serveHTTP(ctx, addr, melodyMux(false))
	case "melody-index":
		return serveHTTP(ctx, addr, melodyMux(true))
	case "centrifuge":
		h, stop, err := centrifugeMux()
		if err != nil {
			return err
		}
		defer stop()
		return serveHTTP(ctx, addr, h)
	case "nats":
		return serveNATS(ctx, addr, monitor)
	}
	return fmt.Errorf("unknown server %q", name)
}

func serveHTTP(ctx context.Context, addr string, h http.Handler) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	return nil
}

// chatIn is an inbound chat frame.
type chatIn struct {
	Type    string `json:"type"`
	Content string `json:"content"`
}

// chatOut is the frame a room receives (the chat example's ChatEvent).
type chatOut struct {
	Type      string `json:"type"`
	Username  string `json:"username"`
	Content   string `json:"content"`
	Timestamp int64  `json:"timestamp"`
}

var readyFrame = []byte(`{"type":"ready"}`)

// melodyMux serves WS /room/{room}?username=NAME on melody v1.3.0 with its
// defaults. Without index, a publish is BroadcastFilter over every session
// comparing the request path (melody's own multi-room example); with
// index, the server keeps room → sessions and uses BroadcastMultiple.
func melodyMux(index bool) http.Handler {
	m := melody.New()
	var mu sync.RWMutex
	rooms := map[string][]*melody.Session{}
	m.HandleConnect(func(s *melody.Session) {
		if index {
			room := s.Request.PathValue("room")
			mu.Lock()
			rooms[room] = append(rooms[room], s)
			mu.Unlock()
		}
		_ = s.Write(readyFrame)
	})
	m.HandleDisconnect(func(s *melody.Session) {
		if !index {
			return
		}
		room := s.Request.PathValue("room")
		mu.Lock()
		defer mu.Unlock()
		list := rooms[room]
		for i, x := range list {
			if x == s {
				list[i] = list[len(list)-1]
				rooms[room] = list[:len(list)-1]
				break
			}
		}
	})
	m.HandleMessage(func(s *melody.Session, msg []byte) {
		var in chatIn
		if err := json.Unmarshal(msg, &in); err != nil || in.Type != "message" {
			return
		}
		out, err := json.Marshal(chatOut{Type: "message", Username: s.Request.URL.Query().Get("username"),
			Content: in.Content, Timestamp: time.Now().UnixMilli()})
		if err != nil {
			return
		}
		if !index {
			path := s.Request.URL.Path
			_ = m.BroadcastFilter(out, func(q *melody.Session) bool { return q.Request.URL.Path == path })
			return
		}
		room := s.Request.PathValue("room")
		mu.RLock()
		members := append([]*melody.Session(nil), rooms[room]...)
		mu.RUnlock()
		_ = m.BroadcastMultiple(out, members)
	})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /room/{room}", func(w http.ResponseWriter, r *http.Request) {
		_ = m.HandleRequest(w, r)
	})
	return mux
}

// connectData is what the load generator puts in Centrifuge's connect
// command.
type connectData struct {
	Room string `json:"room"`
	User string `json:"user"`
}

// centrifugeMux serves Centrifuge v0.40.1 (memory broker, JSON protocol)
// on /connection/websocket: the room named in the connect data becomes a
// server-side subscription, and client publishes are accepted as they are.
func centrifugeMux() (http.Handler, func(), error) {
	node, err := centrifuge.New(centrifuge.Config{LogLevel: centrifuge.LogLevelNone})
	if err != nil {
		return nil, nil, err
	}
	node.OnConnecting(func(_ context.Context, e centrifuge.ConnectEvent) (centrifuge.ConnectReply, error) {
		var d connectData
		if err := json.Unmarshal(e.Data, &d); err != nil || d.Room == "" || d.User == "" {
			return centrifuge.ConnectReply{}, centrifuge.ErrorBadRequest
		}
		return centrifuge.ConnectReply{
			Credentials:   &centrifuge.Credentials{UserID: d.User},
			Subscriptions: map[string]centrifuge.SubscribeOptions{d.Room: {}},
		}, nil
	})
	node.OnConnect(func(c *centrifuge.Client) {
		c.OnPublish(func(_ centrifuge.PublishEvent, cb centrifuge.PublishCallback) {
			cb(centrifuge.PublishReply{}, nil)
		})
	})
	if err := node.Run(); err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/connection/websocket", centrifuge.NewWebsocketHandler(node, centrifuge.WebsocketConfig{
		CheckOrigin: func(*http.Request) bool { return true },
	}))
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = node.Shutdown(ctx)
	}
	return mux, stop, nil
}

// serveNATS runs an embedded nats-server on addr, with its HTTP monitoring
// (/varz, for message counts) on monitor.
func serveNATS(ctx context.Context, addr, monitor string) error {
	host, port, err := splitHostPort(addr)
	if err != nil {
		return err
	}
	opts := &natsserver.Options{Host: host, Port: port, NoLog: true, NoSigs: true}
	if monitor != "" {
		if opts.HTTPHost, opts.HTTPPort, err = splitHostPort(monitor); err != nil {
			return err
		}
	}
	s, err := natsserver.NewServer(opts)
	if err != nil {
		return fmt.Errorf("nats: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return errors.New("nats: not ready after 10s")
	}
	<-ctx.Done()
	s.Shutdown()
	s.WaitForShutdown()
	return nil
}

func splitHostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	return host, port, err
}
