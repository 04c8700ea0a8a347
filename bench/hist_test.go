package main

import (
	"math/rand/v2"
	"os"
	"testing"
	"time"
)

func TestBuckets(t *testing.T) {
	prev := -1
	for _, v := range []int64{0, 1, 31, 32, 33, 63, 64, 65, 1000, 1 << 20, 123456789, 1<<62 + 12345, 1<<63 - 1} {
		b := bucketOf(v)
		lo, hi := bucketBounds(b)
		if v < lo || v > hi {
			t.Errorf("%d in bucket %d [%d, %d]", v, b, lo, hi)
		}
		if b < prev || b >= histBuckets {
			t.Errorf("bucket %d of %d out of order or range", b, v)
		}
		prev = b
		if v >= histSub && float64(hi-lo+1)/float64(lo) > 1.0/histSub+1e-9 {
			t.Errorf("bucket %d of %d is %d wide", b, v, hi-lo+1)
		}
	}
}

func TestQuantiles(t *testing.T) {
	var h histogram
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 10000 {
		h.record(i, time.Duration(1+rng.IntN(1000))*time.Microsecond)
	}
	h.record(0, 50*time.Millisecond)
	s := h.summary()
	within := func(got, want time.Duration) bool { return got > want*90/100 && got < want*110/100 }
	if s.Count != 10001 || !within(s.P50, 500*time.Microsecond) || !within(s.P99, 990*time.Microsecond) || s.Max != 50*time.Millisecond {
		t.Errorf("summary %+v", s)
	}
	h.reset()
	if s := h.summary(); s.Count != 0 || s.P99 != 0 {
		t.Errorf("after reset %+v", s)
	}
}

func TestMedian(t *testing.T) {
	if m := median([]float64{3, 1, 2}); m != 2 {
		t.Errorf("median %v", m)
	}
	if m := median([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Errorf("median %v", m)
	}
	if m := median(nil); m != 0 {
		t.Errorf("median %v", m)
	}
}

func TestProcReaders(t *testing.T) {
	deadline := time.Now().Add(50 * time.Millisecond)
	for time.Now().Before(deadline) { // burn some CPU
	}
	cpu, err := procCPU(os.Getpid())
	if err != nil || cpu <= 0 {
		t.Errorf("own CPU %v, %v", cpu, err)
	}
	if lim, err := raiseNoFile(); err != nil || lim < 1024 {
		t.Errorf("RLIMIT_NOFILE %d, %v", lim, err)
	}
}

func TestGates(t *testing.T) {
	for _, c := range []struct {
		g        gate
		pass, ok bool
	}{
		{gate{Value: 3.1, Target: 3, Higher: true}, true, true},
		{gate{Value: 2.5, Target: 3, Higher: true}, false, true},
		{gate{Value: 2.3, Target: 3, Higher: true}, false, false},
		{gate{Value: 9, Target: 10}, true, true},
		{gate{Value: 11, Target: 10}, false, true},
		{gate{Value: 13, Target: 10}, false, false},
	} {
		st, ok := c.g.status()
		if (st == "PASS") != c.pass || ok != c.ok {
			t.Errorf("%+v: %s %v", c.g, st, ok)
		}
	}
}
