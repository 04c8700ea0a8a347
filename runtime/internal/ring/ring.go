// Package ring is the FIFO ring buffer of the runtime's queues (a
// connection's outbound frames, a channel subscription's deliveries). A
// Ring starts without storage and grows on demand, so an idle queue costs
// nothing; it is not safe for concurrent use (its owner locks).
package ring

// Ring is a FIFO of T. The zero value is an empty ring without storage.
type Ring[T any] struct {
	buf  []T
	head int
	n    int
}

// Len returns how many values are queued.
func (r *Ring[T]) Len() int { return r.n }

// Cap returns how many values fit before the ring must grow.
func (r *Ring[T]) Cap() int { return len(r.buf) }

// Full reports whether the next Push will grow the ring.
func (r *Ring[T]) Full() bool { return r.n == len(r.buf) }

// Push appends v, doubling the storage (at least 4) when full.
func (r *Ring[T]) Push(v T) {
	if r.Full() {
		r.Grow(max(4, 2*len(r.buf)))
	}
	r.buf[(r.head+r.n)%len(r.buf)] = v
	r.n++
}

// PushFront puts v before every queued value.
func (r *Ring[T]) PushFront(v T) {
	if r.Full() {
		r.Grow(max(4, 2*len(r.buf)))
	}
	r.head = (r.head - 1 + len(r.buf)) % len(r.buf)
	r.buf[r.head] = v
	r.n++
}

// Front returns the oldest value, in place; the ring must not be empty.
func (r *Ring[T]) Front() *T { return &r.buf[r.head] }

// At returns the i-th oldest value (0 ≤ i < Len), in place.
func (r *Ring[T]) At(i int) *T { return &r.buf[(r.head+i)%len(r.buf)] }

// Pop removes and returns the oldest value, or false when empty. The slot
// is zeroed so the ring keeps no reference to it.
func (r *Ring[T]) Pop() (T, bool) {
	var zero T
	if r.n == 0 {
		return zero, false
	}
	v := r.buf[r.head]
	r.buf[r.head] = zero
	r.head = (r.head + 1) % len(r.buf)
	r.n--
	if r.n == 0 {
		r.head = 0
	}
	return v, true
}

// Grow makes room for at least n values, keeping their order; it never
// shrinks.
func (r *Ring[T]) Grow(n int) {
	if n <= len(r.buf) {
		return
	}
	nb := make([]T, n)
	for i := 0; i < r.n; i++ {
		nb[i] = r.buf[(r.head+i)%len(r.buf)]
	}
	r.buf, r.head = nb, 0
}

// Clear drops every value and keeps the storage.
func (r *Ring[T]) Clear() {
	clear(r.buf)
	r.head, r.n = 0, 0
}

// Reset drops every value and the storage.
func (r *Ring[T]) Reset() { *r = Ring[T]{} }
