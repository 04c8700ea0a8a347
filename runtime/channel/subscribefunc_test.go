package channel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// goid returns the calling goroutine's ID, parsed from its stack header
// ("goroutine 42 [running]:").
func goid() string {
	var buf [64]byte
	f := bytes.Fields(buf[:runtime.Stack(buf[:], false)])
	return string(f[1])
}

// errDeliver is a deliver error whose identity the tests check (Err must
// return it as is, not wrapped nor replaced).
type errDeliver struct{ name string }

func (e *errDeliver) Error() string { return "deliver failed: " + e.name }

// waitBlocked waits until n readers are blocked in s's Next.
func waitBlocked(t *testing.T, s *Subscription[event], n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d blocked readers", n), func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.waiters == n
	})
}

// nextAsync runs Next on its own goroutine; the result arrives on the
// returned channel (buffered: the goroutine always exits).
func nextAsync(s *Subscription[event]) <-chan error {
	res := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		d, err := s.Next(ctx)
		if d != nil {
			err = fmt.Errorf("Next yielded a delivery (seq %d) on a SubscribeFunc subscription", d.Message().Seq)
		}
		res <- err
	}()
	return res
}

// await returns the value sent on c, failing the test after a generous
// deadline that only guards against a hang.
func await[T any](t *testing.T, what string, c <-chan T) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// deliver runs synchronously on the goroutine of whoever publishes (or
// calls DeliverRemote), before that call returns: the slice below is
// written by deliver and read by the test with no synchronization, which
// the race detector accepts only because it is the same goroutine.
func TestSubscribeFuncDeliversOnPublisherGoroutine(t *testing.T) {
	tests := []struct {
		name    string
		publish func(ch *Channels[room, event], seq int)
		wantID  string // Delivery.ID
		wantExc string // Delivery.Except
	}{
		{"Publish", func(ch *Channels[room, event], seq int) { ch.Publish(ref("r"), event{Seq: seq}) }, "", ""},
		{"PublishWith", func(ch *Channels[room, event], seq int) {
			ch.PublishWith(ref("r"), event{Seq: seq}, PublishOptions{ID: "m", Except: "other"})
		}, "m", "other"},
		{"DeliverRemote", func(ch *Channels[room, event], seq int) { ch.DeliverRemote("r", event{Seq: seq}) }, "", ""},
		{"DeliverRemote with options", func(ch *Channels[room, event], seq int) {
			ch.DeliverRemote("r", event{Seq: seq}, PublishOptions{ID: "ignored"}, PublishOptions{ID: "m", Except: "other"})
		}, "m", "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := newTest(WithPrefix("room:"))
			type call struct {
				seq          int
				g, key       string
				id, except   string
				subscription int
			}
			var calls []call // no lock on purpose
			for i := range 2 {
				s := ch.SubscribeFunc(ref("r"), SubscribeOptions{ID: fmt.Sprint("sub-", i)}, func(d *Delivery[event]) error {
					calls = append(calls, call{d.Message().Seq, goid(), d.Key(), d.ID(), d.Except(), i})
					return nil
				})
				defer s.Close()
			}
			me := goid()
			for seq := range 3 {
				tt.publish(ch, seq)
				// Both subscribers were handed this message before the call returned.
				if len(calls) != 2*(seq+1) {
					t.Fatalf("after publishing %d: %d deliver calls, want %d", seq, len(calls), 2*(seq+1))
				}
				for _, c := range calls[2*seq:] {
					if c.seq != seq || c.g != me || c.key != "r" || c.id != tt.wantID || c.except != tt.wantExc {
						t.Fatalf("deliver call %+v, want seq %d on goroutine %s, key r, id %q, except %q",
							c, seq, me, tt.wantID, tt.wantExc)
					}
				}
			}
		})
	}
}

// Each subscriber is handed a publisher's messages in publish order, every
// one of them, and with no queue bound: a queue size of 1 under
// CloseSubscriber would end a queued subscriber at the second message.
func TestSubscribeFuncOrderAndNoQueueBound(t *testing.T) {
	for _, policy := range []Overflow{CloseSubscriber, DropOldest, DropNewest} {
		t.Run(policy.String(), func(t *testing.T) {
			ch := newTest(WithQueueSize(1), WithOverflow(policy))
			const n = 1000
			var got [2][]int
			for i := range got {
				s := ch.SubscribeFunc(ref("r"), SubscribeOptions{}, func(d *Delivery[event]) error {
					got[i] = append(got[i], d.Message().Seq)
					return nil
				})
				defer s.Close()
			}
			for i := range n {
				if i%2 == 0 {
					ch.Publish(ref("r"), event{Seq: i})
				} else {
					ch.DeliverRemote("r", event{Seq: i})
				}
			}
			for i := range got {
				if !slices.Equal(got[i], seqRange(0, n)) {
					t.Fatalf("subscriber %d got %d messages (first %v), want 0..%d in order", i, len(got[i]), got[i][:min(10, len(got[i]))], n-1)
				}
			}
			if st := ch.Stats(); st.Dropped != 0 || st.OverflowClosed != 0 || st.Subscribers != 2 || st.Delivered != 2*n {
				t.Fatalf("stats = %+v", st)
			}
		})
	}
}

// A SubscribeFunc subscriber is handed the very Delivery a queued
// subscriber and the OnPublish hooks get: one encoding per publish, shared
// bytes.
func TestSubscribeFuncSharedEncoding(t *testing.T) {
	tests := []struct {
		name    string
		encoder bool // an Encoder; else encoding/json
		want    string
	}{
		{"encoder", true, `{"seq":3,"from":"x"}`},
		{"json", false, `{"seq":3,"from":"x"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var encodes atomic.Int64
			var enc Encoder[event]
			if tt.encoder {
				enc = func(b []byte, e event) []byte {
					encodes.Add(1)
					return appendEvent(b, e)
				}
			}
			var hookD *Delivery[event]
			ch := hooked(newTestEnc(enc), Hooks[event]{OnPublish: func(_ string, d *Delivery[event]) error {
				hookD = d
				return nil
			}})
			queued := ch.Subscribe(ref("r"))
			defer queued.Close()
			var funcD [3]*Delivery[event]
			var funcB [3][]byte
			for i := range funcD {
				s := ch.SubscribeFunc(ref("r"), SubscribeOptions{}, func(d *Delivery[event]) error {
					b, err := d.Encode()
					if err != nil {
						return err
					}
					funcD[i], funcB[i] = d, b
					return nil
				})
				defer s.Close()
			}
			ch.Publish(ref("r"), event{Seq: 3, From: "x"})
			qd, err := queued.Next(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			qb := qd.Bytes()
			if string(qb) != tt.want {
				t.Fatalf("queued subscriber's encoding %q, want %q", qb, tt.want)
			}
			if hookD != qd {
				t.Fatal("OnPublish and the queued subscriber got different deliveries")
			}
			for i := range funcD {
				if funcD[i] != qd {
					t.Fatalf("func subscriber %d got delivery %p, the queued one got %p: not shared", i, funcD[i], qd)
				}
				if string(funcB[i]) != tt.want || &funcB[i][0] != &qb[0] {
					t.Fatalf("func subscriber %d encoding %q is not the shared bytes", i, funcB[i])
				}
			}
			if tt.encoder && encodes.Load() != 1 {
				t.Fatalf("encoder ran %d times for one publish, want 1", encodes.Load())
			}
		})
	}
}

// Exclude-sender: a SubscribeFunc subscriber whose ID equals Except is
// skipped, by Publish and by DeliverRemote; every other subscriber, queued
// or not, still gets the message.
func TestSubscribeFuncExcept(t *testing.T) {
	tests := []struct {
		name   string
		except string
		want   map[string]int // func subscriber ID → messages; queued subscribers: "q:" + ID
	}{
		{"no except", "", map[string]int{"a": 1, "b": 1, "": 1, "q:a": 1, "q:": 1}},
		{"except a", "a", map[string]int{"a": 0, "b": 1, "": 1, "q:a": 0, "q:": 1}},
		{"except b", "b", map[string]int{"a": 1, "b": 0, "": 1, "q:a": 1, "q:": 1}},
		{"except nobody subscribed", "zz", map[string]int{"a": 1, "b": 1, "": 1, "q:a": 1, "q:": 1}},
	}
	for _, via := range []string{"PublishWith", "DeliverRemote"} {
		for _, tt := range tests {
			t.Run(via+"/"+tt.name, func(t *testing.T) {
				ch := newTest()
				got := map[string]int{}
				for _, id := range []string{"a", "b", ""} {
					s := ch.SubscribeFunc(ref("r"), SubscribeOptions{ID: id}, func(d *Delivery[event]) error {
						if d.Except() != tt.except {
							t.Errorf("subscriber %q: Except() = %q, want %q", id, d.Except(), tt.except)
						}
						got[id]++
						return nil
					})
					defer s.Close()
				}
				queued := map[string]*Subscription[event]{}
				for _, id := range []string{"a", ""} {
					queued[id] = ch.SubscribeWith(ref("r"), SubscribeOptions{ID: id})
					defer queued[id].Close()
				}
				o := PublishOptions{Except: tt.except}
				if via == "PublishWith" {
					ch.PublishWith(ref("r"), event{Seq: 1}, o)
				} else {
					ch.DeliverRemote("r", event{Seq: 1}, o)
				}
				for id, s := range queued {
					got["q:"+id] = s.Len()
				}
				for k, n := range tt.want {
					if got[k] != n {
						t.Errorf("%q got %d messages, want %d (all: %v)", k, got[k], n, got)
					}
				}
				skipped := 0
				for _, n := range tt.want {
					skipped += 1 - n
				}
				if st := ch.Stats(); st.Delivered != uint64(len(tt.want)-skipped) {
					t.Fatalf("Delivered = %d, want %d", st.Delivered, len(tt.want)-skipped)
				}
			})
		}
	}
}

// A deliver error ends the subscription with exactly that error, detaches
// it (OnLastUnsubscribe runs once if it was the last subscriber), wakes a
// Next blocked on it, and no later message reaches it; other subscribers
// are unaffected.
func TestSubscribeFuncDeliverError(t *testing.T) {
	tests := []struct {
		name   string
		failAt int    // deliver fails on this seq
		others string // other subscribers on the key: "", "queued", "func"
		remote bool   // messages arrive by DeliverRemote
	}{
		{"last subscriber, first message", 0, "", false},
		{"last subscriber, third message", 2, "", false},
		{"last subscriber, DeliverRemote", 1, "", true},
		{"beside a queued subscriber", 1, "queued", false},
		{"beside a func subscriber", 1, "func", false},
		{"beside a queued subscriber, DeliverRemote", 0, "queued", true},
	}
	const total = 6
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log hookLog
			ch := hooked(newTest(), log.hooks())
			send := func(seq int) {
				if tt.remote {
					ch.DeliverRemote("r", event{Seq: seq})
				} else {
					ch.Publish(ref("r"), event{Seq: seq})
				}
			}
			var (
				other     *Subscription[event]
				otherGot  []int
				otherFunc func() []int
			)
			switch tt.others {
			case "queued":
				other = ch.Subscribe(ref("r"))
				otherFunc = func() []int { return drain(other) }
			case "func":
				other = ch.SubscribeFunc(ref("r"), SubscribeOptions{}, func(d *Delivery[event]) error {
					otherGot = append(otherGot, d.Message().Seq)
					return nil
				})
				otherFunc = func() []int { return otherGot }
			}
			if other != nil {
				defer other.Close()
			}
			wantErr := &errDeliver{tt.name}
			var got []int
			sub := ch.SubscribeFunc(ref("r"), SubscribeOptions{ID: "me"}, func(d *Delivery[event]) error {
				got = append(got, d.Message().Seq)
				if d.Message().Seq == tt.failAt {
					return wantErr
				}
				return nil
			})
			blocked := nextAsync(sub)
			waitBlocked(t, sub, 1)
			subsBefore := ch.Stats().Subscribers

			for seq := range total {
				send(seq)
				if seq == tt.failAt {
					// Ended as the publish returned.
					if err := sub.Err(); err != error(wantErr) || !errors.Is(err, wantErr) {
						t.Fatalf("Err() = %v (%T), want the deliver error as is", err, err)
					}
					if sub.Active() {
						t.Fatal("Active() after the deliver error")
					}
					if st := ch.Stats(); st.Subscribers != subsBefore-1 {
						t.Fatalf("Subscribers = %d, want %d", st.Subscribers, subsBefore-1)
					}
				}
			}
			if err := await(t, "the blocked Next", blocked); err != error(wantErr) {
				t.Fatalf("blocked Next returned %v, want the deliver error", err)
			}
			if !slices.Equal(got, seqRange(0, tt.failAt+1)) {
				t.Fatalf("deliver saw %v, want %v (nothing after the error)", got, seqRange(0, tt.failAt+1))
			}
			// Later reads return the error at once and yield nothing.
			if _, err := sub.Next(context.Background()); err != error(wantErr) {
				t.Fatalf("Next after the end: %v", err)
			}
			for range sub.Messages() {
				t.Fatal("Messages yielded")
			}
			wantLast := 0
			wantSubs, wantKeys := 0, 0
			if other != nil {
				wantSubs, wantKeys = 1, 1
				if o := otherFunc(); !slices.Equal(o, seqRange(0, total)) {
					t.Fatalf("the other subscriber got %v, want every message", o)
				}
			} else {
				wantLast = 1
			}
			countLast := func() int {
				n := 0
				for _, e := range log.get() {
					if e == "last r" {
						n++
					}
				}
				return n
			}
			if n := countLast(); n != wantLast {
				t.Fatalf("OnLastUnsubscribe ran %d times, want %d (hooks %q)", n, wantLast, log.get())
			}
			if st := ch.Stats(); st.Subscribers != wantSubs || st.Keys != wantKeys {
				t.Fatalf("stats = %+v, want %d subscribers on %d keys", st, wantSubs, wantKeys)
			}
			// Closing it afterwards changes nothing: same error, no second
			// detach, no second hook.
			_ = sub.Close()
			_ = ch.Close()
			if err := sub.Err(); err != error(wantErr) {
				t.Fatalf("Err() after Close = %v, want the deliver error", err)
			}
			if n := countLast(); n != 1 {
				t.Fatalf("OnLastUnsubscribe ran %d times in all, want 1", n)
			}
			if st := ch.Stats(); st.Subscribers != 0 {
				t.Fatalf("Subscribers = %d after everything closed", st.Subscribers)
			}
		})
	}
}

// Next, Messages and Deliveries never yield on a SubscribeFunc
// subscription (its messages go to deliver) and return once it ends,
// whatever ends it.
func TestSubscribeFuncReadersReturnWhenEnded(t *testing.T) {
	errStop := &errDeliver{"stop"}
	ends := []struct {
		name    string
		end     func(ch *Channels[room, event], s *Subscription[event])
		wantErr error
	}{
		{"Close", func(_ *Channels[room, event], s *Subscription[event]) { _ = s.Close() }, ErrClosed},
		{"Unsubscribe", func(_ *Channels[room, event], s *Subscription[event]) { s.Unsubscribe() }, ErrClosed},
		{"Channels.Close", func(ch *Channels[room, event], _ *Subscription[event]) { _ = ch.Close() }, ErrChannelsClosed},
		{"deliver error", func(ch *Channels[room, event], _ *Subscription[event]) {
			ch.Publish(ref("r"), event{Seq: -1})
		}, errStop},
	}
	readers := []struct {
		name string
		read func(s *Subscription[event]) (yielded int, err error)
	}{
		{"Next", func(s *Subscription[event]) (int, error) {
			d, err := s.Next(context.Background())
			if d != nil {
				return 1, err
			}
			return 0, err
		}},
		{"Messages", func(s *Subscription[event]) (int, error) {
			n := 0
			for range s.Messages() {
				n++
			}
			return n, s.Err()
		}},
		{"Deliveries", func(s *Subscription[event]) (int, error) {
			n := 0
			for range s.Deliveries() {
				n++
			}
			return n, s.Err()
		}},
	}
	for _, e := range ends {
		for _, r := range readers {
			t.Run(e.name+"/"+r.name, func(t *testing.T) {
				ch := newTest()
				defer ch.Close()
				var delivered atomic.Int64
				sub := ch.SubscribeFunc(ref("r"), SubscribeOptions{}, func(d *Delivery[event]) error {
					if d.Message().Seq < 0 {
						return errStop
					}
					delivered.Add(1)
					return nil
				})
				type result struct {
					n   int
					err error
				}
				const readersN = 3 // several blocked readers all return
				res := make(chan result, readersN)
				for range readersN {
					go func() {
						n, err := r.read(sub)
						res <- result{n, err}
					}()
				}
				waitBlocked(t, sub, readersN)
				for i := range 5 {
					ch.Publish(ref("r"), event{Seq: i})
				}
				if delivered.Load() != 5 {
					t.Fatalf("deliver got %d of 5 messages with readers waiting", delivered.Load())
				}
				e.end(ch, sub)
				for range readersN {
					got := await(t, "a reader to return", res)
					if got.n != 0 {
						t.Fatalf("%s yielded %d messages", r.name, got.n)
					}
					if got.err != e.wantErr {
						t.Fatalf("%s ended with %v, want %v", r.name, got.err, e.wantErr)
					}
				}
				if sub.Len() != 0 {
					t.Fatalf("Len() = %d", sub.Len())
				}
			})
		}
	}
}

// Once Close (the subscription's or the Channels') returns, deliver is
// never called again (and no call is still running), even with publishers
// hammering the key from other goroutines at that moment. Run under -race.
func TestSubscribeFuncNoDeliveryAfterClose(t *testing.T) {
	ends := []struct {
		name string
		end  func(ch *Channels[room, event], s *Subscription[event])
	}{
		{"Subscription.Close", func(_ *Channels[room, event], s *Subscription[event]) { _ = s.Close() }},
		{"Channels.Close", func(ch *Channels[room, event], _ *Subscription[event]) { _ = ch.Close() }},
	}
	const (
		publishers = 8
		rounds     = 20
		before     = 200 // deliveries seen before closing
		after      = 50  // publishes per publisher after Close returned
	)
	for _, e := range ends {
		t.Run(e.name, func(t *testing.T) {
			for round := range rounds {
				ch := newTest(WithOverflow(DropOldest))
				var (
					closed    atomic.Bool
					late      atomic.Int64
					calls     atomic.Int64
					published [publishers]atomic.Int64
					stop      atomic.Bool
					wg        sync.WaitGroup
				)
				// A second, queued-never-read subscriber keeps the key alive
				// for Subscription.Close, so publishers keep taking the full
				// path to the fan-out.
				keep := ch.Subscribe(ref("r"))
				sub := ch.SubscribeFunc(ref("r"), SubscribeOptions{}, func(*Delivery[event]) error {
					calls.Add(1)
					if closed.Load() {
						late.Add(1)
					}
					// Close waits for a delivery in progress: the flag, set
					// once Close has returned, cannot be seen at the end of
					// a call either. Yielding widens the window in which a
					// delivery not covered by Close would be caught.
					runtime.Gosched()
					if closed.Load() {
						late.Add(1)
					}
					return nil
				})
				for p := range publishers {
					wg.Go(func() {
						for i := 0; !stop.Load(); i++ {
							ch.Publish(ref("r"), event{Seq: i})
							published[p].Add(1)
						}
					})
				}
				waitFor(t, "deliveries before Close", func() bool { return calls.Load() >= before })
				e.end(ch, sub)
				closed.Store(true)
				var mark [publishers]int64
				for p := range mark {
					mark[p] = published[p].Load()
				}
				waitFor(t, "publishes after Close", func() bool {
					for p := range mark {
						if published[p].Load() < mark[p]+after {
							return false
						}
					}
					return true
				})
				stop.Store(true)
				wg.Wait()
				_ = keep.Close()
				_ = ch.Close()
				if n := late.Load(); n != 0 {
					t.Fatalf("round %d: deliver ran %d times after Close returned", round, n)
				}
				if st := ch.Stats(); st.Subscribers != 0 {
					t.Fatalf("round %d: Subscribers = %d", round, st.Subscribers)
				}
			}
		})
	}
}

// With concurrent publishers every matching subscriber is handed every
// message exactly once, each publisher's messages in its publish order.
func TestSubscribeFuncConcurrentPublishers(t *testing.T) {
	const (
		publishers = 8
		messages   = 500
		funcSubs   = 6
	)
	tests := []struct {
		name   string
		except bool // publisher p excludes func subscriber p%funcSubs
	}{
		{"all", false},
		{"exclude-sender", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hooks hookLog
			ch := hooked(newTest(), hooks.hooks())
			var (
				total atomic.Int64
				bad   atomic.Int64
				// last[s][p] is touched only by publisher p's goroutine:
				// a race report here would mean deliver ran elsewhere.
				last [funcSubs][publishers]int
			)
			for s := range funcSubs {
				for p := range publishers {
					last[s][p] = -1
				}
				sub := ch.SubscribeFunc(ref("r"), SubscribeOptions{ID: fmt.Sprint(s)}, func(d *Delivery[event]) error {
					total.Add(1)
					p, err := strconv.Atoi(d.Message().From)
					if err != nil {
						return err
					}
					if tt.except && p%funcSubs == s {
						bad.Add(1) // excluded subscriber reached
					}
					if d.Message().Seq != last[s][p]+1 {
						bad.Add(1)
					}
					last[s][p] = d.Message().Seq
					return nil
				})
				defer sub.Close()
			}
			var wg sync.WaitGroup
			start := make(chan struct{})
			for p := range publishers {
				wg.Go(func() {
					<-start
					for i := range messages {
						var o PublishOptions
						if tt.except {
							o.Except = fmt.Sprint(p % funcSubs)
						}
						ch.PublishWith(ref("r"), event{Seq: i, From: fmt.Sprint(p)}, o)
					}
				})
			}
			close(start)
			wg.Wait()
			if bad.Load() != 0 {
				t.Fatalf("%d deliveries out of order or to an excluded subscriber", bad.Load())
			}
			want := int64(publishers * messages * funcSubs)
			if tt.except {
				want = publishers * messages * (funcSubs - 1)
			}
			if total.Load() != want {
				t.Fatalf("%d deliveries, want %d", total.Load(), want)
			}
			if st := ch.Stats(); st.Delivered != uint64(want) || st.Published != publishers*messages {
				t.Fatalf("stats = %+v, want Delivered %d", st, want)
			}
			for s := range funcSubs {
				for p := range publishers {
					if tt.except && p%funcSubs == s {
						continue
					}
					if last[s][p] != messages-1 {
						t.Fatalf("subscriber %d saw publisher %d up to %d", s, p, last[s][p])
					}
				}
			}
			var n int
			for _, e := range hooks.get() {
				if strings.HasPrefix(e, "publish ") {
					n++
				}
			}
			if n != publishers*messages {
				t.Fatalf("OnPublish ran %d times, want %d", n, publishers*messages)
			}
		})
	}
}

// Hooks work as for Subscribe: OnFirstSubscriber when the first
// subscriber of a key arrives (even a SubscribeFunc one), deliver before
// OnPublish, OnLastUnsubscribe when the last one leaves.
func TestSubscribeFuncHooks(t *testing.T) {
	type op struct{ kind, name, key string } // sub, fsub, close, pub, remote
	tests := []struct {
		name string
		ops  []op
		want []string
	}{
		{
			name: "alone",
			ops:  []op{{"fsub", "a", "k"}, {"pub", "", "k"}, {"close", "a", ""}, {"pub", "", "k"}},
			want: []string{"first k", "deliver a k 0", "publish k 0", "last k", "publish k 0"},
		},
		{
			name: "with a queued subscriber",
			ops: []op{{"sub", "q", "k"}, {"fsub", "a", "k"}, {"pub", "", "k"}, {"close", "q", ""},
				{"pub", "", "k"}, {"close", "a", ""}},
			want: []string{"first k", "deliver a k 0", "publish k 0", "deliver a k 0", "publish k 0", "last k"},
		},
		{
			name: "DeliverRemote runs no hook",
			ops:  []op{{"fsub", "a", "k"}, {"remote", "", "k"}, {"close", "a", ""}},
			want: []string{"first k", "deliver a k 0", "last k"},
		},
		{
			name: "keys are independent",
			ops: []op{{"fsub", "a", "k1"}, {"fsub", "b", "k2"}, {"pub", "", "k2"}, {"close", "a", ""},
				{"close", "b", ""}},
			want: []string{"first k1", "first k2", "deliver b k2 0", "publish k2 0", "last k1", "last k2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log hookLog
			ch := hooked(newTest(), log.hooks())
			subs := map[string]*Subscription[event]{}
			for _, o := range tt.ops {
				switch o.kind {
				case "sub":
					subs[o.name] = ch.Subscribe(ref(o.key))
				case "fsub":
					subs[o.name] = ch.SubscribeFunc(ref(o.key), SubscribeOptions{}, func(d *Delivery[event]) error {
						log.add(fmt.Sprintf("deliver %s %s %d", o.name, d.Key(), d.Message().Seq))
						return nil
					})
				case "close":
					_ = subs[o.name].Close()
				case "pub":
					ch.Publish(ref(o.key), event{})
				case "remote":
					ch.DeliverRemote(o.key, event{})
				}
			}
			if got := log.get(); !slices.Equal(got, tt.want) {
				t.Fatalf("ran %q, want %q", got, tt.want)
			}
		})
	}
}

// Channels.Close ends a SubscribeFunc subscription with ErrChannelsClosed
// (running OnLastUnsubscribe); SubscribeFunc after Close returns an ended
// subscription whose deliver is never called and that runs no hook.
func TestSubscribeFuncChannelsClose(t *testing.T) {
	t.Run("ends active", func(t *testing.T) {
		var log hookLog
		ch := hooked(newTest(), log.hooks())
		var n int
		sub := ch.SubscribeFunc(ref("r"), SubscribeOptions{}, func(*Delivery[event]) error { n++; return nil })
		ch.Publish(ref("r"), event{})
		blocked := nextAsync(sub)
		waitBlocked(t, sub, 1)
		_ = ch.Close()
		if err := sub.Err(); err != ErrChannelsClosed || sub.Active() {
			t.Fatalf("Err() = %v, Active() = %v", err, sub.Active())
		}
		if err := await(t, "the blocked Next", blocked); err != ErrChannelsClosed {
			t.Fatalf("blocked Next returned %v", err)
		}
		ch.Publish(ref("r"), event{})
		ch.DeliverRemote("r", event{})
		if n != 1 {
			t.Fatalf("deliver ran %d times, want 1 (before Close only)", n)
		}
		if got, want := log.get(), []string{"first r", "publish r 0", "last r", "publish r 0"}; !slices.Equal(got, want) {
			t.Fatalf("hooks ran %q, want %q", got, want)
		}
		if st := ch.Stats(); st.Subscribers != 0 || st.Keys != 0 {
			t.Fatalf("stats = %+v", st)
		}
		_ = sub.Close()
		if sub.Err() != ErrChannelsClosed {
			t.Fatalf("Close after Channels.Close changed Err to %v", sub.Err())
		}
	})
	t.Run("born ended", func(t *testing.T) {
		var log hookLog
		ch := hooked(newTest(), log.hooks())
		_ = ch.Close()
		var n int
		sub := ch.SubscribeFunc(ref("r"), SubscribeOptions{ID: "x"}, func(*Delivery[event]) error { n++; return nil })
		if sub.Err() != ErrChannelsClosed || sub.Active() || sub.Key() != "r" || sub.ID() != "x" {
			t.Fatalf("Err() = %v, Active() = %v, Key %q, ID %q", sub.Err(), sub.Active(), sub.Key(), sub.ID())
		}
		ch.Publish(ref("r"), event{})
		ch.DeliverRemote("r", event{})
		if _, err := sub.Next(context.Background()); err != ErrChannelsClosed {
			t.Fatalf("Next = %v", err)
		}
		for range sub.Deliveries() {
			t.Fatal("Deliveries yielded")
		}
		_ = sub.Close()
		if n != 0 {
			t.Fatalf("deliver ran %d times on a born-ended subscription", n)
		}
		if got, want := log.get(), []string{"publish r 0"}; !slices.Equal(got, want) {
			t.Fatalf("hooks ran %q, want %q", got, want)
		}
		if st := ch.Stats(); st.Subscribers != 0 || st.Keys != 0 || st.Delivered != 0 {
			t.Fatalf("stats = %+v", st)
		}
	})
}

// Through a Bridge, another node's publish reaches a SubscribeFunc
// subscriber exactly once (on the bus handler's goroutine, with the
// payload as its encoding), its own node's publish exactly once too, and a
// deliver error on that path detaches it, dropping the bus interest.
func TestSubscribeFuncBridge(t *testing.T) {
	b := newBus(t)
	ctx := context.Background()
	a := newNode(t, ctx, b, "A")
	var encodesB atomic.Int64
	bn := newNodeEnc(t, ctx, b, "B", func(b []byte, e event) []byte {
		encodesB.Add(1)
		return appendEvent(b, e)
	})

	type got struct {
		seq    int
		id     string
		except string
		bytes  string
		g      string
	}
	collect := func(ch *Channels[room, event], id string, fail *errDeliver) (*Subscription[event], chan got) {
		c := make(chan got, 16)
		s := ch.SubscribeFunc(ref("r"), SubscribeOptions{ID: id}, func(d *Delivery[event]) error {
			c <- got{d.Message().Seq, d.ID(), d.Except(), string(d.Bytes()), goid()}
			if fail != nil {
				return fail
			}
			return nil
		})
		return s, c
	}
	onA, gotA := collect(a.ch, "a", nil)
	defer onA.Close()
	onB, gotB := collect(bn.ch, "b", nil)
	defer onB.Close()
	exclB, gotExclB := collect(bn.ch, "x", nil)
	defer exclB.Close()

	me := goid()
	a.ch.PublishWith(ref("r"), event{Seq: 1, From: "alice"}, PublishOptions{ID: "m1", Except: "x"})
	// Node A's own subscriber got it synchronously.
	if len(gotA) != 1 {
		t.Fatalf("A's subscriber got %d deliveries right after Publish, want 1", len(gotA))
	}
	if g := <-gotA; g.seq != 1 || g.g != me || g.id != "m1" {
		t.Fatalf("A got %+v", g)
	}
	waitFor(t, "both nodes' bus handlers", func() bool { return b.Stats().Delivered == 2 })
	g := await(t, "B's delivery", gotB)
	if g.seq != 1 || g.id != "m1" || g.except != "x" || g.bytes != `{"seq":1,"from":"alice"}` || g.g == me {
		t.Fatalf("B got %+v (test goroutine %s)", g, me)
	}
	if encodesB.Load() != 0 {
		t.Fatalf("B re-encoded a remote message %d times; Bytes must be the payload", encodesB.Load())
	}
	// Exactly once: no echo on A, and the excluded subscriber on B got nothing.
	if len(gotA) != 0 || len(gotB) != 0 || len(gotExclB) != 0 {
		t.Fatalf("extra deliveries: A %d, B %d, excluded %d", len(gotA), len(gotB), len(gotExclB))
	}
	if st := bn.ch.Stats(); st.Remote != 1 || st.Delivered != 1 {
		t.Fatalf("B stats = %+v", st)
	}

	// A deliver error on the bridge path: once B's subscribers are gone,
	// B's Link drops the subject.
	_ = exclB.Close()
	wantErr := &errDeliver{"bridge"}
	failing, gotFail := collect(bn.ch, "f", wantErr)
	defer failing.Close()
	_ = onB.Close()
	if bn.link.Stats().Subjects != 1 {
		t.Fatalf("B's link has %d subjects, want 1", bn.link.Stats().Subjects)
	}
	a.ch.Publish(ref("r"), event{Seq: 2})
	if g := await(t, "the failing delivery", gotFail); g.seq != 2 {
		t.Fatalf("failing subscriber got %+v", g)
	}
	waitFor(t, "the subscription to end", func() bool { return !failing.Active() })
	if failing.Err() != error(wantErr) {
		t.Fatalf("Err() = %v, want the deliver error", failing.Err())
	}
	// The detach runs on B's bus goroutine: wait for it to complete.
	waitFor(t, "B to drop the key and the subject", func() bool {
		st := bn.ch.Stats()
		return st.Subscribers == 0 && st.Keys == 0 && bn.link.Stats().Subjects == 0
	})
	<-gotA // A's own delivery of seq 2
}

// Stats.Delivered counts SubscribeFunc deliveries (one per subscriber per
// message) as it counts queued ones; skipped (Except) and failed
// deliveries are not counted, nor is anything after the end.
func TestSubscribeFuncStats(t *testing.T) {
	ch := newTest()
	boom := &errDeliver{"stats"}
	f1 := ch.SubscribeFunc(ref("a"), SubscribeOptions{ID: "f1"}, func(*Delivery[event]) error { return nil })
	f2 := ch.SubscribeFunc(ref("a"), SubscribeOptions{}, func(d *Delivery[event]) error {
		if d.Message().Seq == 2 {
			return boom
		}
		return nil
	})
	q := ch.Subscribe(ref("a"))
	fb := ch.SubscribeFunc(ref("b"), SubscribeOptions{}, func(*Delivery[event]) error { return nil })
	defer f1.Close()
	defer f2.Close()
	defer q.Close()
	defer fb.Close()

	steps := []struct {
		name string
		do   func()
		want Stats
	}{
		{"subscribed", func() {}, Stats{Keys: 2, Subscribers: 4}},
		{"publish a", func() { ch.Publish(ref("a"), event{Seq: 1}) }, Stats{Keys: 2, Subscribers: 4, Published: 1, Delivered: 3}},
		{"publish b", func() { ch.Publish(ref("b"), event{Seq: 1}) }, Stats{Keys: 2, Subscribers: 4, Published: 2, Delivered: 4}},
		{"except f1", func() { ch.PublishWith(ref("a"), event{Seq: 1}, PublishOptions{Except: "f1"}) },
			Stats{Keys: 2, Subscribers: 4, Published: 3, Delivered: 6}},
		{"remote a", func() { ch.DeliverRemote("a", event{Seq: 1}) }, Stats{Keys: 2, Subscribers: 4, Published: 3, Remote: 1, Delivered: 9}},
		{"f2 fails", func() { ch.Publish(ref("a"), event{Seq: 2}) }, Stats{Keys: 2, Subscribers: 3, Published: 4, Remote: 1, Delivered: 11}},
		{"after the failure", func() { ch.Publish(ref("a"), event{Seq: 3}) }, Stats{Keys: 2, Subscribers: 3, Published: 5, Remote: 1, Delivered: 13}},
		{"close fb", func() { _ = fb.Close(); ch.Publish(ref("b"), event{}) }, Stats{Keys: 1, Subscribers: 2, Published: 6, Remote: 1, Delivered: 13}},
	}
	for _, s := range steps {
		s.do()
		if got := ch.Stats(); got != s.want {
			t.Fatalf("%s: Stats = %+v, want %+v", s.name, got, s.want)
		}
	}
	if f2.Err() != error(boom) {
		t.Fatalf("f2.Err() = %v", f2.Err())
	}
}

// A nil deliver is a programming error: SubscribeFunc panics with a clear
// message and registers nothing.
func TestSubscribeFuncNilDeliverPanics(t *testing.T) {
	var log hookLog
	ch := hooked(newTest(), log.hooks())
	defer ch.Close()
	for _, closed := range []bool{false, true} {
		t.Run(fmt.Sprint("closed=", closed), func(t *testing.T) {
			if closed {
				_ = ch.Close()
			}
			var r any
			func() {
				defer func() { r = recover() }()
				ch.SubscribeFunc(ref("r"), SubscribeOptions{}, nil)
			}()
			msg, ok := r.(string)
			if !ok || !strings.Contains(msg, "SubscribeFunc") || !strings.Contains(msg, "nil deliver") {
				t.Fatalf("recovered %#v, want a panic naming SubscribeFunc and the nil deliver func", r)
			}
			if st := ch.Stats(); st.Subscribers != 0 || st.Keys != 0 {
				t.Fatalf("stats = %+v", st)
			}
			if got := log.get(); len(got) != 0 {
				t.Fatalf("hooks ran %q", got)
			}
		})
	}
}

// A panicking deliver must not wedge the key: the panic stays inside the
// channel, the publisher goes on, the subscription ends with
// ErrDeliverPanicked, and later publishes and Close return.
func TestSubscribeFuncDeliverPanicDoesNotWedgeKey(t *testing.T) {
	ch := newTest()
	defer ch.Close()
	first := true
	sub := ch.SubscribeFunc(ref("r"), SubscribeOptions{}, func(*Delivery[event]) error {
		if first {
			first = false
			panic("deliver panicked")
		}
		return nil
	})
	other := ch.Subscribe(ref("r"))
	defer other.Close()
	ch.Publish(ref("r"), event{Seq: 0}) // must not panic
	if err := sub.Err(); !errors.Is(err, ErrDeliverPanicked) {
		t.Fatalf("Err after a panicking deliver: %v, want ErrDeliverPanicked", err)
	}
	if other.Len() != 1 {
		t.Fatalf("the other subscriber has %d messages, want 1", other.Len())
	}
	published := make(chan struct{})
	go func() {
		ch.Publish(ref("r"), event{Seq: 1})
		close(published)
	}()
	await(t, "a Publish after the panic to return", published)
	closed := make(chan error, 1)
	go func() { closed <- sub.Close() }()
	await(t, "Close after the panic to return", closed)
}
