package bustest

import (
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// NATSServer is an embedded nats-server listening on a loopback port, for
// tests. It can be stopped and started again on the same port to simulate
// an outage.
type NATSServer struct {
	opts server.Options // template; Port fixed after the first start

	mu  sync.Mutex
	srv *server.Server
}

// NATSOption configures StartNATS.
type NATSOption func(*server.Options)

// NATSAuth makes the server require user and password.
func NATSAuth(user, password string) NATSOption {
	return func(o *server.Options) {
		o.Username = user
		o.Password = password
	}
}

// NATSTLS makes the server require TLS with cfg (see NewTLS).
func NATSTLS(cfg *tls.Config) NATSOption {
	return func(o *server.Options) {
		o.TLS = true
		o.TLSConfig = cfg
		o.TLSTimeout = 2
	}
}

// StartNATS starts an embedded nats-server on a random loopback port and
// stops it when the test ends. It fails the test if the server is not ready
// within a few seconds.
func StartNATS(t testing.TB, opts ...NATSOption) *NATSServer {
	t.Helper()
	s := &NATSServer{opts: server.Options{
		Host:   "127.0.0.1",
		Port:   server.RANDOM_PORT,
		NoLog:  true,
		NoSigs: true,
		// Small enough that a test exceeding it fails fast, large enough
		// for the payloads tests use.
		MaxPayload: 1 << 20,
	}}
	for _, o := range opts {
		o(&s.opts)
	}
	if err := s.start(); err != nil {
		t.Fatalf("bustest: start nats-server: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Start starts the server again (after Stop) on the port it had before. It
// fails the test if that is impossible; it does nothing if the server is
// running.
func (s *NATSServer) Start(t testing.TB) {
	t.Helper()
	if err := s.start(); err != nil {
		t.Fatalf("bustest: restart nats-server: %v", err)
	}
}

func (s *NATSServer) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return nil
	}
	opts := s.opts // copy: the server keeps a pointer to what it is given
	var lastErr error
	// The port may linger briefly after a shutdown: retry for a while.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		srv, err := server.NewServer(&opts)
		if err != nil {
			return fmt.Errorf("new server: %w", err)
		}
		go srv.Start()
		if srv.ReadyForConnections(5 * time.Second) {
			s.srv = srv
			s.opts.Port = srv.Addr().(*net.TCPAddr).Port
			return nil
		}
		srv.Shutdown()
		srv.WaitForShutdown()
		lastErr = fmt.Errorf("not ready on %s:%d", opts.Host, opts.Port)
	}
	return lastErr
}

// Stop shuts the server down and waits until it has stopped: connected
// clients see their connection drop. It is idempotent.
func (s *NATSServer) Stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
	}
}

// Server returns the running server (nil while stopped), for monitoring
// calls such as NumSubscriptions.
func (s *NATSServer) Server() *server.Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.srv
}

// Addr returns host:port.
func (s *NATSServer) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return net.JoinHostPort(s.opts.Host, strconv.Itoa(s.opts.Port))
}

// URL returns the client URL, nats://host:port (tls://host:port when the
// server requires TLS), without credentials.
func (s *NATSServer) URL() string {
	scheme := "nats"
	if s.opts.TLS {
		scheme = "tls"
	}
	return scheme + "://" + s.Addr()
}
