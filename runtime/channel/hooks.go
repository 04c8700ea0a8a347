package channel

import (
	"log/slog"
	"runtime/debug"
)

// Hooks observe a Channels. Every field is optional. Keys are un-prefixed
// identifiers. A hook's returned error or panic is recovered, counted in
// Stats.HookFailures and logged; it never reaches the caller that caused
// the hook to run.
type Hooks[M any] struct {
	// OnPublish runs after every Publish has queued the message for the
	// local subscribers, in the publisher's goroutine, even when the key
	// has no local subscribers. It receives the shared Delivery (so it can
	// reuse the shared encoding). DeliverRemote never runs it.
	OnPublish func(key string, d *Delivery[M]) error
	// OnFirstSubscriber runs when the key's local subscriber count goes
	// from 0 to 1, with the key locked: the Subscribe call that caused it
	// returns after it.
	OnFirstSubscriber func(key string) error
	// OnLastUnsubscribe runs when the key's local subscriber count goes
	// from 1 to 0, with the key locked, and only for hook sets that were
	// told about the key's 0→1 transition (directly or by AddHooks'
	// catch-up).
	OnLastUnsubscribe func(key string) error
}

// hookSet is one installed Hooks with the version it was installed at.
type hookSet[M any] struct {
	version uint64
	h       Hooks[M]
}

// hookList is an immutable snapshot of the installed hook sets, replaced
// as a whole. version is the highest version ever installed when the list
// was built.
type hookList[M any] struct {
	version    uint64
	sets       []hookSet[M]
	anyPublish bool
}

func newHookList[M any](version uint64, sets []hookSet[M]) *hookList[M] {
	l := &hookList[M]{version: version, sets: sets}
	for _, s := range sets {
		if s.h.OnPublish != nil {
			l.anyPublish = true
		}
	}
	return l
}

// runHook calls f, containing its error or panic.
func (c *core[M]) runHook(hook, key string, f func() error) {
	defer func() {
		if r := recover(); r != nil {
			c.hookFailures.Add(1)
			c.log.Error("channel: hook panicked", "hook", hook, "key", key,
				"panic", r, "stack", string(debug.Stack()))
		}
	}()
	if err := f(); err != nil {
		c.hookFailures.Add(1)
		c.log.Error("channel: hook failed", "hook", hook, "key", key, slog.Any("err", err))
	}
}

// firstSubscriber runs OnFirstSubscriber for the sets in l with a version
// in (after, upTo]; the caller holds e.mu.
func (c *core[M]) firstSubscriber(e *entry[M], l *hookList[M], after, upTo uint64) {
	for _, s := range l.sets {
		if s.version > after && s.version <= upTo && s.h.OnFirstSubscriber != nil {
			c.runHook("OnFirstSubscriber", e.key, func() error { return s.h.OnFirstSubscriber(e.key) })
		}
	}
}

// lastUnsubscribe runs OnLastUnsubscribe for the sets told about the
// key's activation; the caller holds e.mu.
func (c *core[M]) lastUnsubscribe(e *entry[M]) {
	for _, s := range c.hooks.Load().sets {
		if s.version <= e.notified && s.h.OnLastUnsubscribe != nil {
			c.runHook("OnLastUnsubscribe", e.key, func() error { return s.h.OnLastUnsubscribe(e.key) })
		}
	}
}

// publishHooks runs every OnPublish hook with d.
func (c *core[M]) publishHooks(l *hookList[M], d *Delivery[M]) {
	for _, s := range l.sets {
		if s.h.OnPublish != nil {
			c.runHook("OnPublish", d.key, func() error { return s.h.OnPublish(d.key, d) })
		}
	}
}

// addHooks installs h and returns its removal function. Keys that already
// have subscribers are caught up: h.OnFirstSubscriber runs for each of
// them now, so every OnLastUnsubscribe h receives follows an
// OnFirstSubscriber for the same key.
func (c *core[M]) addHooks(h Hooks[M]) (remove func()) {
	c.hookMu.Lock()
	c.hookSeq++
	v := c.hookSeq
	old := c.hooks.Load()
	sets := append(append(make([]hookSet[M], 0, len(old.sets)+1), old.sets...), hookSet[M]{version: v, h: h})
	c.hooks.Store(newHookList(v, sets))
	c.hookMu.Unlock()

	for _, e := range c.entries() {
		e.mu.Lock()
		if !e.dead && len(e.subs.Load().subs) > 0 && e.notified < v {
			c.firstSubscriber(e, c.hooks.Load(), e.notified, v)
			e.notified = v
		}
		e.mu.Unlock()
	}
	return func() { c.removeHooks(v) }
}

func (c *core[M]) removeHooks(v uint64) {
	c.hookMu.Lock()
	defer c.hookMu.Unlock()
	old := c.hooks.Load()
	sets := make([]hookSet[M], 0, len(old.sets))
	for _, s := range old.sets {
		if s.version != v {
			sets = append(sets, s)
		}
	}
	c.hooks.Store(newHookList(c.hookSeq, sets))
}
