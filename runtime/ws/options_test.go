package ws

import (
	"context"
	"net/http"
	"testing"
	"time"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// Every Options field has an option of its own, each option changes only
// what it names (a later one never resets an earlier one), and New fills
// what none set with its default.
func TestOptionsEachSetOnlyTheirFields(t *testing.T) {
	check := func(*http.Request) bool { return true }
	srv, err := New(
		WithNodeID("n1"),
		WithRequireOrigin(),
		WithCheckOrigin(check),
		WithInbox(4, time.Second),
		WithWriteWait(3*time.Second),
		WithPing(5*time.Second, 15*time.Second),
		WithHandshakeTimeout(7*time.Second),
		WithCloseTimeouts(8*time.Second, 9*time.Second),
		WithWriteBatchBytes(-1),
		WithMaxConnections(11),
		WithReadLimit(1234),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Shutdown(context.Background()) }()
	o := srv.Options()
	got := []any{o.NodeID, o.RequireOrigin, o.CheckOrigin != nil, o.InboxSize, o.InboundWait, o.WriteWait,
		o.PingPeriod, o.PongWait, o.HandshakeTimeout, o.FlushTimeout, o.CloseTimeout, o.WriteBatchBytes,
		o.MaxConnections, o.ReadLimit}
	want := []any{jsgenrt.NodeID("n1"), true, true, 4, time.Second, 3 * time.Second,
		5 * time.Second, 15 * time.Second, 7 * time.Second, 8 * time.Second, 9 * time.Second, -1,
		11, int64(1234)}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("field %d = %v, want %v", i, got[i], want[i])
		}
	}
	if o.MaxQueueBytes != DefaultMaxQueueBytes || o.MessageRate != DefaultMessageRate || o.Logger == nil {
		t.Errorf("unset fields lack their defaults: %+v", o)
	}
}
