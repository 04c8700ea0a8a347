package room

import (
	"sync"
	"time"
)

// ManualClock is a Clock that moves only when told to. A timer fires
// (during the Advance or Set call that reaches its deadline, or at Reset
// if its deadline has already passed) by sending the clock's time on its
// channel without blocking. It is safe for concurrent use.
type ManualClock struct {
	mu     sync.Mutex
	now    time.Time
	timers map[*manualTimer]struct{} // armed timers
}

// NewManualClock returns a ManualClock reading start.
func NewManualClock(start time.Time) *ManualClock {
	return &ManualClock{now: start, timers: make(map[*manualTimer]struct{})}
}

// Now returns the clock's current time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (a negative d is ignored) and fires
// every timer whose deadline has been reached.
func (c *ManualClock) Advance(d time.Duration) {
	if d < 0 {
		return
	}
	c.mu.Lock()
	c.setLocked(c.now.Add(d))
	c.mu.Unlock()
}

// Set moves the clock to t if t is later than the current time, firing due
// timers; an earlier t is ignored (the clock never goes backwards).
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	if t.After(c.now) {
		c.setLocked(t)
	}
	c.mu.Unlock()
}

// Timers returns how many timers are armed (for tests that wait until a
// goroutine has armed its timer).
func (c *ManualClock) Timers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

func (c *ManualClock) setLocked(t time.Time) {
	c.now = t
	for tm := range c.timers {
		if !tm.when.After(t) {
			tm.fireLocked(t)
		}
	}
}

// NewTimer returns a timer firing when the clock reaches deadline.
func (c *ManualClock) NewTimer(deadline time.Time) Timer {
	t := &manualTimer{clock: c, ch: make(chan time.Time, 1)}
	t.Reset(deadline)
	return t
}

type manualTimer struct {
	clock *ManualClock
	ch    chan time.Time
	when  time.Time
}

// C returns the channel the timer fires on.
func (t *manualTimer) C() <-chan time.Time { return t.ch }

// Reset re-arms the timer for deadline, firing at once if it has passed.
func (t *manualTimer) Reset(deadline time.Time) {
	c := t.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	t.drain()
	t.when = deadline
	if deadline.After(c.now) {
		c.timers[t] = struct{}{}
		return
	}
	t.fireLocked(c.now)
}

// Stop disarms the timer and discards a pending firing.
func (t *manualTimer) Stop() {
	c := t.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.timers, t)
	t.drain()
}

// fireLocked delivers one firing and disarms the timer; the clock's mutex
// is held.
func (t *manualTimer) fireLocked(now time.Time) {
	delete(t.clock.timers, t)
	select {
	case t.ch <- now:
	default: // a firing is already pending
	}
}

func (t *manualTimer) drain() {
	select {
	case <-t.ch:
	default:
	}
}
