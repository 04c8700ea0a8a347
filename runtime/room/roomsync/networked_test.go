package roomsync

import (
	"context"
	"testing"
	"time"

	"github.com/jsgen-dev/jsgen/runtime/bus"
	"github.com/jsgen-dev/jsgen/runtime/bus/bustest"
	"github.com/jsgen-dev/jsgen/runtime/bus/natsbus"
	"github.com/jsgen-dev/jsgen/runtime/bus/redisbus"
	"github.com/jsgen-dev/jsgen/runtime/room"
)

// reconnectWait is the bus clients' reconnect interval in these tests.
const reconnectWait = 100 * time.Millisecond

// backend is a real bus server that the test can stop and start again.
type backend struct {
	stop  func()
	start func(t testing.TB)
	dial  func(t testing.TB) connectedBus // a new client connection, closed at the end of the test
}

type connectedBus interface {
	bus.Bus
	Connected() bool
}

func natsBackend(t testing.TB) backend {
	srv := bustest.StartNATS(t)
	return backend{
		stop:  srv.Stop,
		start: srv.Start,
		dial: func(t testing.TB) connectedBus {
			b, err := natsbus.New(context.Background(), srv.URL(),
				natsbus.WithLogger(quiet()), natsbus.WithReconnectWait(reconnectWait))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = b.Close() })
			return b
		},
	}
}

func redisBackend(t testing.TB) backend {
	srv := bustest.StartRedis(t) // skipped without redis-server, unless JSGEN_REQUIRE_SERVICES=1
	return backend{
		stop:  srv.Kill,
		start: srv.Start,
		dial: func(t testing.TB) connectedBus {
			b, err := redisbus.New(context.Background(), srv.URL(),
				redisbus.WithLogger(quiet()), redisbus.WithReconnectWait(reconnectWait))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = b.Close() })
			return b
		},
	}
}

func TestNATS(t *testing.T)  { testNetworked(t, natsBackend(t)) }
func TestRedis(t *testing.T) { testNetworked(t, redisBackend(t)) }

// testNetworked runs two nodes, each with its own connection to a real
// server: they agree, survive a server restart mid-stream (converging
// within the documented bound once the server is back), and a node that
// goes silent is dropped within D + H.
func testNetworked(t *testing.T, be backend) {
	opts := Options{Heartbeat: 100 * time.Millisecond, Logger: quiet()}
	busA, busB := be.dial(t), be.dial(t)
	a := startNode(t, busA, "A", opts)
	bn := startNode(t, busB, "B", opts)
	settle(t, a, bn)
	a.join(t, "lobby", "alice", "A-1")
	bn.join(t, "lobby", "bob", "B-1")
	a.set(t, "alice", "A-1", room.StatusOnline)
	bn.set(t, "bob", "B-1", room.StatusAway)
	waitAgree(t, a, bn)
	if got := bn.memberList("lobby"); got != "alice(1) bob(1)" {
		t.Fatalf("B's lobby = %q", got)
	}

	// The server goes away; both nodes keep changing; publishes fail.
	be.stop()
	waitFor(t, "both clients to notice the outage", func() bool { return !busA.Connected() && !busB.Connected() })
	a.join(t, "dev", "alice", "A-1")
	a.set(t, "alice", "A-1", room.StatusBusy)
	bn.join(t, "dev", "bob", "B-1")
	waitFor(t, "the lost publishes to be counted", func() bool {
		return a.ms.Stats().EventsDropped > 0 && bn.ms.Stats().EventsDropped > 0
	})
	be.start(t)
	restarted := time.Now()
	load := bustest.MeasureLateness(t, opts.Heartbeat/4)
	waitFor(t, "convergence after the restart", func() bool {
		p, _ := bn.presence.Get(userRef("alice"))
		return a.memberList("dev") == "alice(1) bob(1)" && bn.memberList("dev") == "alice(1) bob(1)" &&
			p.Status == room.StatusBusy
	})
	took, late := time.Since(restarted), load.End()
	// Reconnection (reconnect wait + jitter + round trip), then H + H/2 +
	// RTT; when the outage outlasted D the nodes were dropped and are
	// relearned within H + RTT instead. The slack absorbs a loaded machine.
	bound := reconnectWait + 100*time.Millisecond + opts.Heartbeat*3/2
	t.Logf("converged %v after the server was back (bound %v + round trips; timers ran %v late)", took, bound, late)
	if took > bound+time.Second+late {
		t.Fatalf("converged after %v (timers ran %v late)", took, late)
	}
	waitAgree(t, a, bn)

	// B goes silent without a goodbye.
	bn.stop()
	stopped := time.Now()
	load = bustest.MeasureLateness(t, opts.Heartbeat/4)
	waitFor(t, "A to drop B", func() bool {
		return a.memberList("lobby") == "alice(1)" && !a.presence.Online(userRef("bob"))
	})
	took, late = time.Since(stopped), load.End()
	d := 3 * opts.Heartbeat
	t.Logf("silent node dropped after %v (bound D+H = %v; timers ran %v late)", took, d+opts.Heartbeat, late)
	if took > d+opts.Heartbeat+time.Second+late {
		t.Fatalf("silent node dropped after %v (timers ran %v late)", took, late)
	}
}
