package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/jsgen-dev/jsgen/examples/chat/chatapi"
	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/auth"
	"github.com/jsgen-dev/jsgen/runtime/room"
	"github.com/jsgen-dev/jsgen/runtime/ws"
)

// Session defaults.
const (
	defaultSessionTTL   = 12 * time.Hour
	defaultSessionGrace = 10 * time.Second
	sessionKeyBytes     = 32
)

// sessions issues and checks the chat's session tokens: HS256 JWTs whose
// subject is the username and whose jti is the session ID. Which session
// each user is online with is kept in a cluster-wide registry (a presence
// replicated like the others, keyed by session ID): an entry lives while
// the user has a connection on its node, and a grace period after.
type sessions struct {
	log      *slog.Logger
	signer   *auth.Signer
	verifier *auth.JWTVerifier
	ttl      time.Duration
	grace    time.Duration
	reg      *room.Presence[chatapi.User] // user -> session IDs, entries live grace after the last heartbeat

	mu    sync.Mutex
	local map[string]*localSession // by username: this node's connections
	stop  chan struct{}
	done  chan struct{}
}

// localSession is a user's session on this node.
type localSession struct {
	user  jsgenrt.Ref[chatapi.User]
	sid   string
	conns int
	at    time.Time // last Authenticate
}

// newSessions returns the session service; key nil or empty means a random
// key (tokens then only work on this process). Stop it with close.
func newSessions(log *slog.Logger, node jsgenrt.NodeID, key []byte, ttl, grace time.Duration) (*sessions, error) {
	if len(key) == 0 {
		key = make([]byte, sessionKeyBytes)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("session key: %w", err)
		}
	}
	if ttl <= 0 {
		ttl = defaultSessionTTL
	}
	if grace <= 0 {
		grace = defaultSessionGrace
	}
	s := &sessions{log: log, ttl: ttl, grace: grace, local: map[string]*localSession{},
		stop: make(chan struct{}), done: make(chan struct{})}
	var err error
	if s.signer, err = auth.NewHS256Signer(key); err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	if s.verifier, err = auth.NewHS256(key, auth.WithRequireExpiry()); err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	if s.reg, err = room.NewPresence[chatapi.User](room.WithNodeID(node), room.WithTTL(grace), room.WithLogger(log)); err != nil {
		return nil, fmt.Errorf("session registry: %w", err)
	}
	go s.heartbeats()
	return s, nil
}

// close stops the heartbeats and the registry.
func (s *sessions) close() {
	close(s.stop)
	<-s.done
	s.reg.Close()
}

// heartbeats keeps the registry entries of the sessions that have a
// connection on this node alive.
func (s *sessions) heartbeats() {
	defer close(s.done)
	t := time.NewTicker(s.grace / 4)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.beat()
		}
	}
}

func (s *sessions) beat() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, l := range s.local {
		switch {
		case l.conns > 0:
			if err := s.reg.Heartbeat(l.user, l.sid); err != nil {
				_ = s.reg.Set(l.user, l.sid, room.StatusOnline)
			}
		case time.Since(l.at) > s.grace:
			delete(s.local, name)
		}
	}
}

// taken reports whether user is online (or was, within the grace period)
// with a session other than sid, anywhere in the cluster.
func (s *sessions) taken(user jsgenrt.Ref[chatapi.User], sid string) bool {
	p, ok := s.reg.Get(user)
	if !ok {
		return false
	}
	for _, c := range p.Conns {
		if c.Conn != sid {
			return true
		}
	}
	return false
}

// issue starts a session for user: it reserves the name for the grace
// period and returns the token and when it expires.
func (s *sessions) issue(user jsgenrt.Ref[chatapi.User]) (token string, expires time.Time, err error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", time.Time{}, fmt.Errorf("session id: %w", err)
	}
	sid := hex.EncodeToString(b[:])
	now := time.Now()
	expires = now.Add(s.ttl).Truncate(time.Second)
	token, err = s.signer.Sign(auth.Claims{Subject: user.ID(), ID: sid, IssuedAt: now, ExpiresAt: expires})
	if err != nil {
		return "", time.Time{}, err
	}
	if err := s.reg.Set(user, sid, room.StatusOnline); err != nil {
		return "", time.Time{}, fmt.Errorf("session registry: %w", err)
	}
	return token, expires, nil
}

// verify checks a token: 401 when it is missing, malformed, wrongly
// signed or expired, 409 when its user is online with another session.
func (s *sessions) verify(ctx context.Context, token string) (jsgenrt.Ref[chatapi.User], string, time.Time, error) {
	c, err := s.verifier.Verify(ctx, token)
	if err != nil {
		return jsgenrt.Ref[chatapi.User]{}, "", time.Time{}, ws.Refuse(http.StatusUnauthorized, err.Error())
	}
	user, err := chatapi.UserRef(c.Subject)
	if err != nil || c.ID == "" {
		return jsgenrt.Ref[chatapi.User]{}, "", time.Time{}, ws.Refuse(http.StatusUnauthorized, "the token is not a chat session token")
	}
	if s.taken(user, c.ID) {
		return jsgenrt.Ref[chatapi.User]{}, "", time.Time{}, &ws.RefusalError{Status: http.StatusConflict, Code: "session_replaced",
			Message: user.ID() + " is online with another session: log in again"}
	}
	return user, c.ID, c.ExpiresAt, nil
}

// authenticate is the sockets' Authenticate: verify, then record the
// session as this node's session of the user (registered in the cluster).
func (s *sessions) authenticate(ctx context.Context, token string) (jsgenrt.Ref[chatapi.User], time.Time, error) {
	user, sid, exp, err := s.verify(ctx, token)
	if err != nil {
		return user, exp, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.local[user.ID()]
	switch {
	case l == nil:
		s.local[user.ID()] = &localSession{user: user, sid: sid, at: time.Now()}
	case l.sid != sid && l.conns > 0:
		return jsgenrt.Ref[chatapi.User]{}, time.Time{}, &ws.RefusalError{Status: http.StatusConflict, Code: "session_replaced",
			Message: user.ID() + " is online with another session: log in again"}
	default:
		l.sid, l.at = sid, time.Now()
	}
	if err := s.reg.Set(user, sid, room.StatusOnline); err != nil {
		return jsgenrt.Ref[chatapi.User]{}, time.Time{}, ws.Refuse(http.StatusServiceUnavailable, "session registry: "+err.Error())
	}
	return user, exp, nil
}

// opened counts a connection of user on this node; the returned function
// uncounts it (the registry entry then lives the grace period).
func (s *sessions) opened(user jsgenrt.Ref[chatapi.User]) (closed func()) {
	s.mu.Lock()
	l := s.local[user.ID()]
	if l == nil { // Authenticate ran, then the entry was swept: unlikely, keep counting
		l = &localSession{user: user, at: time.Now()}
		s.local[user.ID()] = l
	}
	l.conns++
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			l.conns--
			l.at = time.Now()
			if l.conns == 0 { // the grace period starts now
				_ = s.reg.Heartbeat(l.user, l.sid)
			}
			s.mu.Unlock()
		})
	}
}

// sessionRequest is the body of POST /chat/session.
type sessionRequest struct {
	Username string `json:"username"`
}

// handleSession serves POST /chat/session.
func (s *sessions) handleSession(w http.ResponseWriter, r *http.Request) {
	var req sessionRequest
	body, err := io.ReadAll(io.LimitReader(r.Body, 4096))
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, invalidRequest("", "the body must be {\"username\":\"NAME\"}"))
		return
	}
	user, err := chatapi.UserRef(req.Username)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, invalidRequest("username", err.Error()))
		return
	}
	if s.taken(user, "") {
		writeJSON(w, http.StatusConflict, errorBody("username_taken", "that name is taken: "+user.ID()+" is online"))
		return
	}
	token, exp, err := s.issue(user)
	if err != nil {
		s.log.Error("issuing a session", "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody("internal", "could not start a session"))
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": token, "username": user.ID(), "expiresAt": exp.UnixMilli()})
}

func invalidRequest(path, msg string) map[string]any {
	return map[string]any{"type": "error", "code": "invalid_request", "message": msg,
		"errors": []map[string]string{{"path": path, "message": msg}}}
}

// require wraps an HTTP endpoint: it answers 401 without a valid token and
// 409 for a replaced session.
func (s *sessions) require(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, err := auth.BearerToken(r)
		if err == nil {
			_, _, _, err = s.verify(r.Context(), token)
		}
		if err != nil {
			var re *ws.RefusalError
			if !errors.As(err, &re) {
				re = &ws.RefusalError{Status: http.StatusUnauthorized, Code: ws.CodeUnauthorized, Message: err.Error()}
			}
			writeJSON(w, re.Status, errorBody(re.Code, re.Message))
			return
		}
		h(w, r)
	}
}
