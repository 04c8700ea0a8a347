package main

import (
	"strings"
	"testing"
	"time"
)

func pt(rate float64, p99 time.Duration, reach float64) curvePoint {
	return curvePoint{Rate: rate, Rounds: 1, P50: p99 / 2, P99: p99, P999: p99, Reach: reach}
}

// TestMaxSustained: the highest rate counts only while every lower rate was
// sustained within the limit too.
func TestMaxSustained(t *testing.T) {
	ms := time.Millisecond
	c := []curvePoint{pt(10e3, 2*ms, 1), pt(20e3, 15*ms, 1), pt(40e3, 30*ms, 1), pt(60e3, 90*ms, 0.9995), pt(80e3, 5*ms, 0.99), pt(100e3, 5*ms, 1)}
	if got := maxSustained(c, sustainP99); got != 60e3 {
		t.Errorf("max sustained = %v, want 60000 (80000 lost deliveries)", got)
	}
	if got := maxSustained(c, fastP99); got != 20e3 {
		t.Errorf("max with p99 ≤ 20ms = %v, want 20000", got)
	}
	if got := maxSustained([]curvePoint{pt(10e3, 200*ms, 1)}, sustainP99); got != 0 {
		t.Errorf("nothing sustained: got %v", got)
	}
}

// TestCurveGates: one gate per rate some peer sustains, against the lowest
// p99 among the peers that sustain it, and the 2× rate gate.
func TestCurveGates(t *testing.T) {
	ms := time.Millisecond
	cfg := config{B2cRates: []float64{10e3, 20e3, 40e3}}
	curves := map[string][]curvePoint{
		"jsgen":      {pt(10e3, 2*ms, 1), pt(20e3, 3*ms, 1), pt(40e3, 4*ms, 1)},
		"melody":     {pt(10e3, 4*ms, 1), pt(20e3, 2*ms, 1), pt(40e3, 500*ms, 1)},
		"centrifuge": {pt(10e3, 1*ms, 0.5), pt(20e3, 6*ms, 1), {Rate: 40e3}},
	}
	gs := curveGates(cfg, curves)
	if len(gs) != 3 {
		t.Fatalf("%d gates, want 3: %+v", len(gs), gs)
	}
	want := []struct {
		name  string
		value float64
	}{{"at 10.0k/s", 0.5}, {"at 20.0k/s", 1.5}, {"best peer's max", 2}}
	for i, w := range want {
		if !strings.Contains(gs[i].Name, w.name) || gs[i].Value != w.value {
			t.Errorf("gate %d = %s %v, want %s %v", i, gs[i].Name, gs[i].Value, w.name, w.value)
		}
	}
	if _, ok := gs[1].status(); ok {
		t.Errorf("gate %s %v passes within CI's slack, want a miss", gs[1].Name, gs[1].Value)
	}
}
