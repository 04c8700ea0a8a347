package bustest

import (
	"sync"
	"testing"
	"time"
)

// Lateness measures how late this machine runs timers while a test waits
// for a mechanism with a documented time bound (heartbeats, reconnection,
// health checks): a goroutine sleeps step at a time and adds up how much
// later than asked it woke. A bound on elapsed time is checked as
// bound + the measured lateness: as strict as written on an idle machine,
// and not failed by a loaded one that runs every timer late (the
// mechanism's timers and goroutines are delayed like the probe's).
type Lateness struct {
	stop chan struct{}
	done chan time.Duration
	once sync.Once
	late time.Duration
}

// MeasureLateness starts measuring, with a probe that sleeps step at a
// time; the measurement ends with End, or with the test.
func MeasureLateness(t testing.TB, step time.Duration) *Lateness {
	l := &Lateness{stop: make(chan struct{}), done: make(chan time.Duration, 1)}
	t.Cleanup(func() { l.End() })
	go func() {
		var late time.Duration
		t := time.NewTimer(step)
		defer t.Stop()
		for {
			start := time.Now()
			t.Reset(step)
			select {
			case <-l.stop:
				late += max(0, time.Since(start)-step)
				l.done <- late
				return
			case <-t.C:
				late += max(0, time.Since(start)-step)
			}
		}
	}()
	return l
}

// End stops the measurement and returns the lateness added up. Later
// calls return the same figure.
func (l *Lateness) End() time.Duration {
	l.once.Do(func() {
		close(l.stop)
		l.late = <-l.done
	})
	return l.late
}
