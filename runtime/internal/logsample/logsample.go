// Package logsample decides when a repeated event (a dropped message, a
// lost publish, an invalid payload) is logged: at its 1st, 2nd, 4th, 8th…
// occurrence, so that it stays visible without flooding the log however
// often it happens. Every runtime package that counts such events uses it.
package logsample

import (
	"math/bits"
	"sync/atomic"
)

// Counter counts occurrences of one event. The zero value is ready; it is
// safe for concurrent use.
type Counter struct{ n atomic.Uint64 }

// Add counts delta occurrences and returns the new total and whether to
// log now: whether the total reached a new power of two (1, 2, 4, 8…)
// with this call. Adding several at once logs at most once.
func (c *Counter) Add(delta uint64) (total uint64, log bool) {
	total = c.n.Add(delta)
	return total, delta != 0 && bits.Len64(total-delta) != bits.Len64(total)
}

// Inc is Add(1).
func (c *Counter) Inc() (total uint64, log bool) { return c.Add(1) }

// Load returns the total.
func (c *Counter) Load() uint64 { return c.n.Load() }

// Reset sets the total to zero, so logging starts again at the next
// occurrence (a new outage), and returns the total it had.
func (c *Counter) Reset() uint64 { return c.n.Swap(0) }
