package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestHarnessEndToEnd runs the quick profile's cases at their smallest —
// every peer in its own process, B1 to B4, and B5 over an embedded NATS —
// and checks that every number the report is made of was measured.
func TestHarnessEndToEnd(t *testing.T) {
	cfg := profile(true)
	cfg.Topo = topology{rooms: 4, members: 5, nodes: 1}
	cfg.Window = 20 * int64(cfg.Topo.size())
	cfg.Warm, cfg.B1Dur, cfg.B2Dur, cfg.B2Rate = 100*time.Millisecond, 300*time.Millisecond, 300*time.Millisecond, 1000
	cfg.B3Conns, cfg.B3RoomSize, cfg.B3Peers = 100, 10, nil
	cfg.B4Members, cfg.B4Time = []int{1, 10}, 100*time.Millisecond
	cfg.B5Rounds, cfg.B5Rate, cfg.B5Buses = 1, 1000, []string{"single", "nats"}
	cfg.B5Dur, cfg.B5LatDur = 300*time.Millisecond, 300*time.Millisecond
	cfg.Cases["B5"] = true
	cfg.B2cRates, cfg.B2cDur = []float64{1000, 2000}, 300*time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var out bytes.Buffer
	res, _, err := runHarness(ctx, cfg, t.TempDir(), &out, "test")
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	members := int64(cfg.Topo.members)
	for _, peer := range cfg.Peers {
		rounds := res.Rounds[peer]
		if len(rounds) != 1 {
			t.Fatalf("%s: %d rounds, want 1", peer, len(rounds))
		}
		r := rounds[0]
		if r.B1.Delivered == 0 || r.B1.ServerCPU <= 0 || r.B1.Published == 0 {
			t.Errorf("%s B1: nothing measured: %+v", peer, r.B1)
		}
		if r.B1.Received != r.B1.Expected || r.B1.Stalled != "" {
			t.Errorf("%s B1: received %d of %d deliveries (%s)", peer, r.B1.Received, r.B1.Expected, r.B1.Stalled)
		}
		if r.B2Pub == 0 || r.B2.Count != uint64(r.B2Pub*members) || r.B2.P50 <= 0 || r.B2.P99 < r.B2.P50 {
			t.Errorf("%s B2: %d publishes, latencies %+v", peer, r.B2Pub, r.B2)
		}
		if len(r.Curve) != 2 || r.Curve[1].Rate != 2000 || r.Curve[1].Lat.Count == 0 || r.Curve[1].Reach < 0.99 || r.Curve[1].CPU <= 0 {
			t.Errorf("%s B2c curve: %+v", peer, r.Curve)
		}
		idle, ok := res.Idle[peer]
		if !ok || idle.Conns != cfg.B3Conns || idle.GoroutinesPerConn < 1 || idle.RSSAfter <= 0 {
			t.Errorf("%s B3: %+v", peer, idle)
		}
	}
	if len(res.Allocs) != 2 || res.Allocs[0].AllocsPerOp <= 0 || res.Allocs[1].Ops == 0 {
		t.Errorf("B4: %+v", res.Allocs)
	}
	for _, setup := range []string{"single", "nats"} {
		rs := res.B5[setup]
		if len(rs) != 1 || rs[0].B1.Delivered == 0 || rs[0].B1.reach() < 0.99 {
			t.Errorf("B5 %s: %+v", setup, rs)
		}
	}
	if rs := res.B5["nats"]; len(rs) == 1 && (rs[0].Remote.Count == 0 || rs[0].B1.BusMsgs == 0) {
		t.Errorf("B5 nats: no remote deliveries or bus messages: %+v", rs[0])
	}
	for _, want := range []string{"| jsgen |", "| centrifuge |", "jsgen / peer", "Targets, this run", "load average at start", "B4 (in process", "B5 (jsgen chat", "B2c latency curve", "B2c jsgen"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

func TestConfigureB2Curve(t *testing.T) {
	cfg, err := configure(options{b2Curve: " 100000, 50000", buses: "single"})
	if err != nil || len(cfg.B2cRates) != 2 || cfg.B2cRates[0] != 50000 || cfg.B2cRates[1] != 100000 {
		t.Fatalf("configure: %v, %v", cfg.B2cRates, err)
	}
	if cfg, err = configure(options{procs: 1, cases: "b1,B2c", buses: "single"}); err != nil || cfg.ServerProcs != 1 || !cfg.Cases["B2C"] || cfg.Cases["B3"] {
		t.Fatalf("configure -server-procs 1 -cases b1,B2c: %+v, %v", cfg, err)
	}
	for _, bad := range []string{"fast", "0", "-5"} {
		if _, err := configure(options{b2Curve: bad, buses: "single"}); err == nil || !strings.Contains(err.Error(), "-b2-curve") {
			t.Errorf("-b2-curve %q: err %v, want a -b2-curve error", bad, err)
		}
	}
}
