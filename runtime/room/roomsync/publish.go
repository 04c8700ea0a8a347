package roomsync

import (
	"sync"
	"time"

	"github.com/jsgen-dev/jsgen/runtime/room/internal/repl"
)

// control carries the receiver's outgoing work to the publisher: sync
// requests to send and whether a snapshot was asked for. Requests for the
// same target and snapshot answers coalesce while they wait.
type control struct {
	mu      sync.Mutex
	targets []string // "" means every node
	answer  bool
	notify  chan struct{} // capacity 1: "there is work"
}

func newControl() control { return control{notify: make(chan struct{}, 1)} }

func (c *control) addRequest(target string) {
	c.mu.Lock()
	for _, t := range c.targets {
		if t == target {
			c.mu.Unlock()
			return
		}
	}
	c.targets = append(c.targets, target)
	c.mu.Unlock()
	c.signal()
}

func (c *control) addAnswer() {
	c.mu.Lock()
	c.answer = true
	c.mu.Unlock()
	c.signal()
}

func (c *control) signal() {
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

func (c *control) take() (targets []string, answer bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	targets, answer = c.targets, c.answer
	c.targets, c.answer = nil, false
	return targets, answer
}

// request asks target ("" for every node) for its snapshot.
func (s *Sync) request(target string) {
	s.n.syncsRequested.Add(1)
	s.ctl.addRequest(target)
}

// publisher is the goroutine that sends everything this node publishes,
// in one stream: local events in order, a heartbeat every Heartbeat, sync
// requests and snapshot answers. sent starts at the replica's sequence
// number when Start read it.
func (s *Sync) publisher(sent uint64) {
	defer s.wg.Done()
	p := pub{s: s, sent: sent}
	beat := time.NewTicker(s.opts.Heartbeat)
	defer beat.Stop()
	p.heartbeat()
	for {
		select {
		case <-s.done:
			return
		case e := <-s.out:
			p.event(e)
		case <-beat.C:
			p.heartbeat()
		case <-s.ctl.notify:
			p.control()
		}
	}
}

// pub is the publisher goroutine's state.
type pub struct {
	s    *Sync
	sent uint64 // sequence number of the last event taken from the queue
	buf  []byte
}

func (p *pub) event(e repl.Event) {
	p.sent = max(p.sent, e.Seq)
	p.buf, _ = e.AppendBinary(p.buf[:0])
	if p.publish(p.s.subj.events, p.buf) {
		p.s.n.eventsPublished.Add(1)
		return
	}
	p.s.n.eventsDropped.Add(1)
}

// heartbeat announces this node and the last sequence number it has
// produced: the last one published, or a later one lost to a full queue.
func (p *pub) heartbeat() {
	h := heartbeat{node: p.s.node, epoch: p.s.epoch, seq: max(p.sent, p.s.droppedSeq.Load())}
	p.buf = h.appendBinary(p.buf[:0])
	if p.publish(p.s.subj.alive, p.buf) {
		p.s.n.heartbeatsSent.Add(1)
	}
}

func (p *pub) control() {
	targets, answer := p.s.ctl.take()
	for _, t := range targets {
		p.buf = syncRequest{from: p.s.node, target: t}.appendBinary(p.buf[:0])
		p.publish(p.s.subj.sync, p.buf)
	}
	if !answer {
		return
	}
	parts := splitSnapshot(p.s.r.Snapshot(), p.s.opts.MaxMessage)
	for _, data := range parts {
		if !p.publish(p.s.subj.snapshot, data) {
			return // the rest is useless without this part; the requester retries
		}
	}
	p.s.n.syncsServed.Add(1)
}

// publish hands data to the bus, counting and logging a failure.
func (p *pub) publish(subject string, data []byte) bool {
	err := p.s.b.Publish(p.s.ctx, subject, data)
	if err == nil {
		return true
	}
	if p.s.ctx.Err() != nil {
		return false // closing
	}
	if n, log := p.s.n.publishErrs.Inc(); log {
		p.s.log.Warn("roomsync: publish failed, message lost", "subject", subject, "err", err, "failed_total", n)
	}
	return false
}
