package room

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jsgen-dev/jsgen/runtime/channel"
)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// next waits for the subscription's next message; the timeout only guards
// against a hang, it is not a timing assertion.
func next[M any](t testing.TB, sub *channel.Subscription[M]) M {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d, err := sub.Next(ctx)
	if err != nil {
		t.Fatalf("waiting for a message: %v", err)
	}
	return d.Message()
}

// none asserts the subscription has nothing queued.
func none[M any](t testing.TB, sub *channel.Subscription[M]) {
	t.Helper()
	if n := sub.Len(); n != 0 {
		d, _ := sub.Next(context.Background())
		t.Fatalf("unexpected message queued (%d): %+v", n, d.Message())
	}
}
