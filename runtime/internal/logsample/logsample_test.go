package logsample

import (
	"sync"
	"testing"
)

func TestLogsAtPowersOfTwo(t *testing.T) {
	var c Counter
	var logged []uint64
	for range 20 {
		if n, log := c.Inc(); log {
			logged = append(logged, n)
		}
	}
	want := []uint64{1, 2, 4, 8, 16}
	if len(logged) != len(want) {
		t.Fatalf("logged at %v, want %v", logged, want)
	}
	for i := range want {
		if logged[i] != want[i] {
			t.Fatalf("logged at %v, want %v", logged, want)
		}
	}
}

func TestAddManyLogsOnceWhenCrossing(t *testing.T) {
	var c Counter
	for _, step := range []struct {
		delta, total uint64
		log          bool
	}{{3, 3, true}, {0, 3, false}, {1, 4, true}, {2, 6, false}, {10, 16, true}, {15, 31, false}, {1, 32, true}} {
		n, log := c.Add(step.delta)
		if n != step.total || log != step.log {
			t.Fatalf("Add(%d) = %d, %v; want %d, %v", step.delta, n, log, step.total, step.log)
		}
	}
}

func TestResetStartsAgain(t *testing.T) {
	var c Counter
	c.Add(5)
	if got := c.Reset(); got != 5 || c.Load() != 0 {
		t.Fatalf("Reset = %d, Load = %d", got, c.Load())
	}
	if _, log := c.Inc(); !log {
		t.Fatal("the first occurrence after Reset was not logged")
	}
}

func TestConcurrentLogsEachPowerOnce(t *testing.T) {
	var c Counter
	var mu sync.Mutex
	logged := map[uint64]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				if n, log := c.Inc(); log {
					mu.Lock()
					logged[n]++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	for n := uint64(1); n <= 8000; n *= 2 {
		if logged[n] != 1 {
			t.Fatalf("count %d logged %d times", n, logged[n])
		}
	}
	if len(logged) != 13 {
		t.Fatalf("logged at %v", logged)
	}
}
