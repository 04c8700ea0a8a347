// Command chat is jsgen's chat example: rooms with members, typing and
// exclude-sender, direct messages, presence, a web page, and cluster mode
// over NATS or Redis. Its API is generated from chatapi/jsgen.yaml.
//
//	go run ./examples/chat                       # http://127.0.0.1:8080
//	go run ./examples/chat -bus nats://127.0.0.1:4222 -addr 127.0.0.1:8081
//	go run ./examples/chat -audit                # also log the room events other services get
//	CHAT_SESSION_KEY=... go run ./examples/chat -bus nats://127.0.0.1:4222  # nodes of a cluster share the key
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	busURL := fs.String("bus", "memory", "event bus: memory, nats://HOST:PORT or redis://HOST:PORT")
	audit := fs.Bool("audit", false, "log every room event (join, message, leave) as another service would receive it")
	sessionKey := fs.String("session-key", os.Getenv("CHAT_SESSION_KEY"), "secret (at least 32 bytes) signing session tokens, shared by the nodes of a cluster; default $CHAT_SESSION_KEY, else random per process")
	sessionTTL := fs.Duration("session-ttl", defaultSessionTTL, "how long a session token is valid")
	sessionGrace := fs.Duration("session-grace", defaultSessionGrace, "how long a username stays taken after its user's last connection closed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cfg := appConfig{Bus: *busURL, Logger: log, SessionKey: []byte(*sessionKey), SessionTTL: *sessionTTL, SessionGrace: *sessionGrace}
	if *audit {
		cfg.Audit = log.With("service", "audit")
	}
	a, err := newApp(ctx, cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		_ = a.Shutdown(context.Background())
		return err
	}
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("chat is serving", "url", "http://"+ln.Addr().String(), "bus", *busURL)

	select {
	case err := <-served:
		_ = a.Shutdown(context.Background())
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// WebSockets first (close 1001 to everyone), then the HTTP server.
	werr := a.Shutdown(shutdownCtx)
	herr := srv.Shutdown(shutdownCtx)
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		herr = errors.Join(herr, err)
	}
	return errors.Join(werr, herr)
}
