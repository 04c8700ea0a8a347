package channel

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// Hooks must see strictly alternating first/last transitions per key, the
// right number of them, and end with "last" once everything is closed,
// whatever the interleaving of Subscribe and Close.
func TestFirstLastTransitionsUnderConcurrency(t *testing.T) {
	const (
		keys       = 4
		goroutines = 16
		rounds     = 300
	)
	var (
		mu     sync.Mutex
		seq    = map[string][]string{}
		active = map[string]bool{}
		bad    atomic.Value
	)
	record := func(kind, k string) error {
		mu.Lock()
		defer mu.Unlock()
		want := kind == "first"
		if active[k] == want {
			bad.Store(fmt.Sprintf("key %s: %s while active=%v (history %v)", k, kind, active[k], seq[k]))
		}
		active[k] = want
		seq[k] = append(seq[k], kind)
		return nil
	}
	ch := hooked(newTest(), Hooks[event]{
		OnFirstSubscriber: func(k string) error { return record("first", k) },
		OnLastUnsubscribe: func(k string) error { return record("last", k) },
	})
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			var held []*Subscription[event]
			for i := range rounds {
				k := ref(fmt.Sprint((g + i) % keys))
				held = append(held, ch.Subscribe(k))
				ch.Publish(k, event{Seq: i})
				if i%3 != 0 {
					_ = held[0].Close()
					held = held[1:]
				}
			}
			for _, s := range held {
				_ = s.Close()
			}
		})
	}
	wg.Wait()
	if v := bad.Load(); v != nil {
		t.Fatal(v)
	}
	for k, a := range active {
		if a {
			t.Errorf("key %s still active after every subscription closed", k)
		}
	}
	if st := ch.Stats(); st.Subscribers != 0 || st.Keys != 0 {
		t.Fatalf("stats = %+v", st)
	}
}

// Many publishers and subscribers at once, under -race: every subscriber
// sees each publisher's messages in publish order.
func TestConcurrentPublishersKeepPerPublisherOrder(t *testing.T) {
	const (
		publishers  = 8
		subscribers = 32
		messages    = 2000
	)
	ch := newTest(WithOverflow(DropOldest), WithQueueSize(64))
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, subscribers)
	subs := make([]*Subscription[event], subscribers)
	for i := range subs {
		subs[i] = ch.Subscribe(ref("r"))
	}
	for _, s := range subs {
		done.Go(func() {
			last := map[string]int{}
			for msg := range s.Messages() {
				if prev, ok := last[msg.From]; ok && msg.Seq <= prev {
					errs <- fmt.Errorf("publisher %s: %d after %d", msg.From, msg.Seq, prev)
					_ = s.Close()
					return
				}
				last[msg.From] = msg.Seq
			}
		})
	}
	var pubs sync.WaitGroup
	for p := range publishers {
		ready.Add(1)
		pubs.Go(func() {
			ready.Done()
			<-start
			for i := range messages {
				ch.PublishWith(ref("r"), event{Seq: i, From: fmt.Sprint(p)}, PublishOptions{ID: fmt.Sprint(i)})
			}
		})
	}
	// Concurrent churn on the same key while publishing.
	pubs.Go(func() {
		<-start
		for range 500 {
			s := ch.Subscribe(ref("r"))
			ctx, cancel := context.WithCancel(context.Background())
			if s.Len() == 0 {
				cancel() // Next must then return promptly either way
			}
			_, _ = s.Next(ctx)
			cancel()
			_ = s.Close()
		}
	})
	ready.Wait()
	close(start)
	pubs.Wait()
	for _, s := range subs {
		_ = s.Close()
	}
	done.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := ch.Stats()
	if st.Published != publishers*messages {
		t.Fatalf("Published = %d", st.Published)
	}
}

// A hook set added while keys churn sees, per key, strictly alternating
// first/last calls (the catch-up counts as a first) and a balanced history
// once every subscription has closed.
func TestAddHooksDuringChurn(t *testing.T) {
	const keys, goroutines, rounds = 3, 8, 300
	ch := newTest()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := range goroutines {
		wg.Go(func() {
			<-start
			for i := range rounds {
				s := ch.Subscribe(ref(fmt.Sprint((g + i) % keys)))
				_ = s.Close()
			}
		})
	}
	type tracker struct {
		mu     sync.Mutex
		active map[string]bool
		calls  int
		bad    string
	}
	trackers := make([]*tracker, 4)
	close(start)
	for i := range trackers {
		tr := &tracker{active: map[string]bool{}}
		trackers[i] = tr
		rec := func(first bool, k string) error {
			tr.mu.Lock()
			defer tr.mu.Unlock()
			tr.calls++
			if tr.active[k] == first && tr.bad == "" {
				tr.bad = fmt.Sprintf("key %s: first=%v twice in a row", k, first)
			}
			tr.active[k] = first
			return nil
		}
		ch.AddHooks(Hooks[event]{
			OnFirstSubscriber: func(k string) error { return rec(true, k) },
			OnLastUnsubscribe: func(k string) error { return rec(false, k) },
		})
	}
	wg.Wait()
	for i, tr := range trackers {
		if tr.bad != "" {
			t.Fatalf("hook set %d: %s", i, tr.bad)
		}
		for k, a := range tr.active {
			if a {
				t.Fatalf("hook set %d: key %s left active", i, k)
			}
		}
	}
}
