package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// member is one client connection of the load generator.
type member struct {
	c      *wsConn
	room   int
	user   int
	node   int // index of the server it is connected to
	ready  bool
	needle []byte
	cmdID  atomic.Int64 // Centrifuge command IDs
	dead   atomic.Bool  // its connection failed to publish
}

// topology says how a fleet's members are laid out: member i is in room
// i % rooms, and connected to node nodeOf(i).
type topology struct {
	rooms, members int
	nodes          int // servers the members are spread over (1 or 2)
}

func (t topology) size() int { return t.rooms * t.members }

// nodeOf returns the server member i connects to: with two nodes, the first
// half of every room's members are on node 0, the rest on node 1.
func (t topology) nodeOf(i int) int {
	if t.nodes < 2 {
		return 0
	}
	if slot := i / t.rooms; slot < t.members/2 {
		return 0
	}
	return 1
}

// fleet is a set of connected members and their counters.
type fleet struct {
	proto   protocol
	topo    topology
	members []*member

	delivered  atomic.Int64
	target     atomic.Int64
	notify     chan struct{}
	ready      atomic.Int64
	errFrames  atomic.Int64 // frames that are neither deliveries nor protocol chatter we expect
	ended      atomic.Int64 // readers that ended before close
	failedPubs atomic.Int64 // publishes that could not be written

	recordSince atomic.Int64 // record latencies of publishes stamped at or after this (0: off)
	hist        [2]histogram // by the recipient's node
	readers     sync.WaitGroup
	closing     atomic.Bool
	lastErr     errOnce
}

// connectFleet dials topo.size() members to addrs (one per node) with
// bounded concurrency, starts their readers, and waits until every member
// reports being subscribed to its room. Everything is bounded by ctx.
func connectFleet(ctx context.Context, p protocol, topo topology, addrs []string) (*fleet, error) {
	f := &fleet{proto: p, topo: topo, notify: make(chan struct{}, 1)}
	n := topo.size()
	f.members = make([]*member, n)
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	var firstErr errOnce
	dctx, cancel := context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-dctx.Done():
		}
		if dctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			m := &member{room: i % topo.rooms, user: i, node: topo.nodeOf(i)}
			m.needle = p.readyNeedle(m.user)
			c, err := dialWS(dctx, addrs[m.node], p.path(m.room, m.user))
			if err != nil {
				firstErr.set(err)
				cancel()
				return
			}
			m.c = c
			f.members[i] = m
			f.readers.Add(1)
			go f.read(m)
			if h := p.hello(m.room, m.user); h != nil {
				if err := c.writeText(h); err != nil {
					firstErr.set(fmt.Errorf("hello: %w", err))
					cancel()
				}
			}
		}()
	}
	wg.Wait()
	if dctx.Err() != nil {
		firstErr.set(dctx.Err())
	}
	if err := firstErr.get(); err != nil {
		f.close()
		return nil, fmt.Errorf("connect %d members: %w", n, err)
	}
	if err := f.waitReady(dctx, int64(n)); err != nil {
		f.close()
		return nil, err
	}
	return f, nil
}

// waitReady polls until n members are subscribed.
func (f *fleet) waitReady(ctx context.Context, n int64) error {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for f.ready.Load() < n {
		if f.ended.Load() > 0 {
			return fmt.Errorf("%d connections ended while joining (first error: %v)", f.ended.Load(), f.lastErr.get())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("only %d of %d members subscribed: %w", f.ready.Load(), n, ctx.Err())
		case <-tick.C:
		}
	}
	return nil
}

// read runs m's reader until its connection ends.
func (f *fleet) read(m *member) {
	defer f.readers.Done()
	err := m.c.run(func(msg []byte) {
		if !f.proto.splits() {
			f.onMessage(m, msg)
			return
		}
		for len(msg) > 0 {
			line := msg
			if i := bytes.IndexByte(msg, '\n'); i >= 0 {
				line, msg = msg[:i], msg[i+1:]
			} else {
				msg = nil
			}
			if len(line) > 0 {
				f.onMessage(m, line)
			}
		}
	})
	if !f.closing.Load() {
		f.ended.Add(1)
		f.lastErr.set(err)
	}
}

func (f *fleet) onMessage(m *member, msg []byte) {
	if ts, ok := contentTS(msg); ok {
		n := f.delivered.Add(1)
		if t := f.target.Load(); t != 0 && n >= t {
			select {
			case f.notify <- struct{}{}:
			default:
			}
		}
		if since := f.recordSince.Load(); since != 0 && ts >= since {
			f.hist[m.node&1].record(m.user, time.Duration(time.Now().UnixNano()-ts))
		}
		return
	}
	switch {
	case !m.ready && f.proto.isReady(msg, m.needle):
		m.ready = true
		f.ready.Add(1)
	case f.proto.isPing(msg):
		_ = m.c.writeText(msg[:2])
	case bytes.Contains(msg, []byte(`"error"`)):
		f.errFrames.Add(1)
	}
}

// waitDelivered blocks until at least n deliveries were counted; it gives
// up (false) when no delivery arrives for stall, or ctx ends.
func (f *fleet) waitDelivered(ctx context.Context, n int64, stall time.Duration) bool {
	timer := time.NewTimer(stall)
	defer timer.Stop()
	last := f.delivered.Load()
	for last < n {
		f.target.Store(n)
		if last = f.delivered.Load(); last >= n {
			break
		}
		select {
		case <-f.notify:
		case <-ctx.Done():
			f.target.Store(0)
			return false
		case <-timer.C:
			now := f.delivered.Load()
			if now == last {
				f.target.Store(0)
				return false
			}
			last = now
			timer.Reset(stall)
			continue
		}
		last = f.delivered.Load()
	}
	f.target.Store(0)
	return true
}

// lostPublisher records that m could not publish (the server closed its
// connection): m publishes no more, and publishing may go on until more
// than 1% of the members are gone (false).
func (f *fleet) lostPublisher(m *member, err error) bool {
	f.lastErr.set(err)
	m.dead.Store(true)
	return f.failedPubs.Add(1) <= int64(len(f.members)/100)
}

// publish sends one publish stamped with the current time from m.
func (f *fleet) publish(m *member) error {
	ts := time.Now().UnixNano()
	id := m.cmdID.Add(1) + 1
	return m.c.writeFrame(opText, func(b []byte) []byte { return f.proto.appendPublish(b, m.room, ts, id) })
}

// publishers returns the members that publish, consecutive ones in
// consecutive rooms: every member, or with half only the first half of
// every room's members (those a two-node topology puts on node 0, so that
// a single-node run publishes from the same members as a two-node one).
func (f *fleet) publishers(half bool) []*member {
	var out []*member
	for i, m := range f.members {
		if !half || i/f.topo.rooms < f.topo.members/2 {
			out = append(out, m)
		}
	}
	return out
}

// closedResult is the outcome of one closed-loop run.
type closedResult struct {
	Delivered int64         // in the measured window
	Elapsed   time.Duration // the measured window
	ServerCPU time.Duration // summed over the measured servers, in the window
	Writes    int64         // the servers' write syscalls in the window
	Published int64         // whole run, warm-up included
	Expected  int64         // Published × members per room
	Received  int64         // deliveries of the whole run, after draining
	BusMsgs   int64         // bus messages over the whole run, drained (when known)
	Stalled   string        // why publishing stopped early ("" if it did not)
}

func (r closedResult) rate() float64 { return float64(r.Delivered) / r.Elapsed.Seconds() }
func (r closedResult) perCPU() float64 {
	if r.ServerCPU <= 0 {
		return 0
	}
	return float64(r.Delivered) / r.ServerCPU.Seconds()
}

// writesPerDelivery is the servers' write syscalls per delivery: 1 when
// every frame costs a syscall, less when writes are batched.
func (r closedResult) writesPerDelivery() float64 {
	if r.Delivered == 0 {
		return 0
	}
	return float64(r.Writes) / float64(r.Delivered)
}

func (r closedResult) reach() float64 {
	if r.Expected == 0 {
		return 0
	}
	return float64(r.Received) / float64(r.Expected)
}

// probe reads counters at the edges of the measured window.
type probe struct {
	server func() (sample, error)
	busN   func() (int64, error) // messages the bus received so far (nil: unknown)
}

// maxMemberRate bounds how often one member publishes (per second): below
// the jsgen server's default inbound limit (50/s, burst 100), which closes
// a connection that exceeds it. With the B1 topology publishing is spread
// over 5,000 members and never comes near it; small topologies (the test)
// are paced by it.
const maxMemberRate = 40

// closedLoop publishes round-robin from pubs for warm+dur, keeping at most
// window deliveries in flight (and each member under maxMemberRate), and
// measures the window after warm-up. It then drains (bounded) and returns
// the counts.
func (f *fleet) closedLoop(ctx context.Context, pubs []*member, warm, dur time.Duration, window int64, pr probe) (closedResult, error) {
	var r closedResult
	per := int64(f.topo.members)
	base := f.delivered.Load()
	var bus0 int64
	if pr.busN != nil {
		var err error
		if bus0, err = pr.busN(); err != nil {
			return r, err
		}
	}
	pub := &closedPublisher{f: f, pubs: pubs, per: per, window: window, base: base}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		pub.run(ctx, stop)
	}()
	published := &pub.published
	type edge struct {
		t      time.Time
		d, pub int64
		srv    sample
	}
	read := func() (edge, error) {
		e := edge{t: time.Now(), d: f.delivered.Load(), pub: published.Load()}
		var err error
		if e.srv, err = pr.server(); err != nil {
			return e, err
		}
		return e, err
	}
	finish := func(err error) (closedResult, error) {
		close(stop)
		<-done
		return r, err
	}
	if !sleepCtx(ctx, warm) {
		return finish(ctx.Err())
	}
	e0, err := read()
	if err != nil {
		return finish(err)
	}
	if !sleepCtx(ctx, dur) {
		return finish(ctx.Err())
	}
	e1, err := read()
	if err != nil {
		return finish(err)
	}
	close(stop)
	<-done
	r.Delivered, r.Elapsed = e1.d-e0.d, e1.t.Sub(e0.t)
	r.ServerCPU, r.Writes = e1.srv.CPU-e0.srv.CPU, e1.srv.Writes-e0.srv.Writes
	r.Published = published.Load()
	r.Expected = r.Published * per
	f.waitDelivered(ctx, base+r.Expected, time.Second)
	r.Received = f.delivered.Load() - base
	if pr.busN != nil {
		bus1, err := pr.busN()
		if err != nil {
			return r, err
		}
		r.BusMsgs = bus1 - bus0
	}
	if pub.err != nil {
		if r.Delivered == 0 {
			return r, pub.err
		}
		r.Stalled = pub.err.Error()
	}
	return r, nil
}

// closedPublisher is a closed loop's publishing goroutine: round-robin over
// pubs, at most window deliveries in flight, each member under
// maxMemberRate.
type closedPublisher struct {
	f                 *fleet
	pubs              []*member
	per, window, base int64
	published         atomic.Int64
	err               error // why it stopped early; read after run returns
}

func (p *closedPublisher) run(ctx context.Context, stop <-chan struct{}) {
	f := p.f
	start := time.Now()
	perSec := float64(len(p.pubs) * maxMemberRate)
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		default:
		}
		if over := i - len(p.pubs); over > 0 {
			if d := time.Duration(float64(over)/perSec*float64(time.Second)) - time.Since(start); d > 0 {
				time.Sleep(min(d, 50*time.Millisecond))
				i--
				continue
			}
		}
		n := p.published.Load()
		if need := p.base + n*p.per - p.window; need > p.base && !f.waitDelivered(ctx, need, 2*time.Second) {
			p.err = fmt.Errorf("stalled: %d of %d deliveries after %d publishes", f.delivered.Load()-p.base, n*p.per, n)
			return
		}
		m := p.pubs[i%len(p.pubs)]
		if m.dead.Load() {
			continue
		}
		if err := f.publish(m); err != nil {
			if f.lostPublisher(m, err) {
				continue
			}
			p.err = fmt.Errorf("publish: %w", err)
			return
		}
		p.published.Add(1)
	}
}

// openLoop publishes at a fixed rate (publishes per second) from pubs for
// dur, recording the latency of every delivery of those publishes, then
// drains (bounded). The publisher never waits for deliveries, so a slow
// server cannot slow the offered load down.
//
// lag is the largest delay between a publish's scheduled time and its send:
// the load generator's own stalls (a loaded host descheduling it), which
// also delay its reading, so latencies of a run with a large lag are
// polluted by the harness, not only the server.
func (f *fleet) openLoop(ctx context.Context, pubs []*member, rate float64, dur time.Duration) (published int64, lag time.Duration, err error) {
	f.hist[0].reset()
	f.hist[1].reset()
	start := time.Now()
	f.recordSince.Store(start.UnixNano())
	defer f.recordSince.Store(0)
	base := f.delivered.Load()
	interval := time.Duration(float64(time.Second) / rate)
	for k := int64(0); ; k++ {
		at := start.Add(time.Duration(k) * interval)
		if at.Sub(start) >= dur {
			break
		}
		if d := time.Until(at); d > 0 && !sleepCtx(ctx, d) {
			return published, lag, ctx.Err()
		}
		lag = max(lag, time.Since(at))
		m := pubs[int(k)%len(pubs)]
		if m.dead.Load() {
			continue
		}
		if err := f.publish(m); err != nil {
			if f.lostPublisher(m, err) {
				continue
			}
			return published, lag, fmt.Errorf("publish: %w", err)
		}
		published++
	}
	f.waitDelivered(ctx, base+published*int64(f.topo.members), time.Second)
	return published, lag, nil
}

// close ends every connection and waits for the readers.
func (f *fleet) close() {
	f.closing.Store(true)
	for _, m := range f.members {
		if m != nil && m.c != nil {
			_ = m.c.close()
		}
	}
	f.readers.Wait()
}

// sleepCtx sleeps for d; false if ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

var errSkipped = errors.New("skipped")

// errOnce keeps the first non-nil error set on it.
type errOnce struct {
	mu  sync.Mutex
	err error
}

func (e *errOnce) set(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.err == nil {
		e.err = err
	}
}

func (e *errOnce) get() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}
