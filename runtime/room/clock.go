package room

import "time"

// Clock is the time source of the room services (Options.Clock). Production
// code uses SystemClock; a test can inject its own clock to move time
// forward without sleeping.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// NewTimer returns a timer that fires once the clock reaches deadline,
	// immediately if it already has.
	NewTimer(deadline time.Time) Timer
}

// Timer is a one-shot timer created by a Clock.
type Timer interface {
	// C returns the channel on which the timer fires (one value per firing).
	C() <-chan time.Time
	// Reset re-arms the timer for deadline, discarding a firing not yet
	// received.
	Reset(deadline time.Time)
	// Stop disarms the timer, discarding a firing not yet received.
	Stop()
}

// SystemClock is the wall clock (time.Now and time.Timer).
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// NewTimer returns a time.Timer firing at deadline.
func (SystemClock) NewTimer(deadline time.Time) Timer {
	return systemTimer{time.NewTimer(time.Until(deadline))}
}

type systemTimer struct{ t *time.Timer }

// C returns the time.Timer's channel.
func (s systemTimer) C() <-chan time.Time { return s.t.C }

// Reset relies on Go ≥ 1.23 timer semantics: Reset and Stop discard a
// pending value, so no draining is needed.
func (s systemTimer) Reset(deadline time.Time) { s.t.Reset(time.Until(deadline)) }

// Stop stops the time.Timer.
func (s systemTimer) Stop() { s.t.Stop() }
