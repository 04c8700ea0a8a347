package channel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

type room struct{}

type event struct {
	Seq  int    `json:"seq"`
	From string `json:"from,omitempty"`
}

func appendEvent(b []byte, e event) []byte {
	return fmt.Appendf(b, `{"seq":%d,"from":%q}`, e.Seq, e.From)
}

func ref(id string) jsgenrt.Ref[room] { return jsgenrt.UncheckedRef[room](id) }

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newTest(opts ...Option) *Channels[room, event] { return newTestEnc(nil, opts...) }

// hooked installs h on ch (as an app does right after New) and returns ch.
func hooked(ch *Channels[room, event], h Hooks[event]) *Channels[room, event] {
	ch.AddHooks(h)
	return ch
}

func newTestEnc(enc Encoder[event], opts ...Option) *Channels[room, event] {
	return New[room, event](enc, append([]Option{WithLogger(quietLogger())}, opts...)...)
}

// recv reads one message or fails the test after a generous deadline.
func recv(t *testing.T, s *Subscription[event]) event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d, err := s.Next(ctx)
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	return d.Message()
}

// drain reads everything queued without waiting.
func drain(s *Subscription[event]) []int {
	var seqs []int
	for s.Len() > 0 {
		d, err := s.Next(context.Background())
		if err != nil {
			break
		}
		seqs = append(seqs, d.Message().Seq)
	}
	return seqs
}

func seqRange(from, to int) []int {
	var out []int
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

func TestRegistrationAtCallTime(t *testing.T) {
	ch := newTest()
	sub := ch.Subscribe(ref("r1"))
	defer sub.Close()
	for i := range 3 {
		ch.Publish(ref("r1"), event{Seq: i})
	}
	var got []int
	for msg := range sub.Messages() {
		got = append(got, msg.Seq)
		if len(got) == 3 {
			break
		}
	}
	if !slices.Equal(got, []int{0, 1, 2}) {
		t.Fatalf("got %v, want [0 1 2]", got)
	}
	if sub.Active() || !errors.Is(sub.Err(), ErrClosed) {
		t.Fatalf("break must close the subscription: active=%v err=%v", sub.Active(), sub.Err())
	}
	if n := ch.Subscribers(ref("r1")); n != 0 {
		t.Fatalf("subscribers after break = %d", n)
	}
}

func TestSubscriptionEnding(t *testing.T) {
	tests := []struct {
		name    string
		end     func(ch *Channels[room, event], s *Subscription[event])
		wantErr error
	}{
		{"Close", func(_ *Channels[room, event], s *Subscription[event]) { _ = s.Close() }, ErrClosed},
		{"Unsubscribe", func(_ *Channels[room, event], s *Subscription[event]) { s.Unsubscribe() }, ErrClosed},
		{"Close twice", func(_ *Channels[room, event], s *Subscription[event]) { _ = s.Close(); _ = s.Close() }, ErrClosed},
		{"Channels.Close", func(ch *Channels[room, event], _ *Subscription[event]) { _ = ch.Close() }, ErrChannelsClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var last []string
			ch := hooked(newTest(), Hooks[event]{OnLastUnsubscribe: func(k string) error {
				last = append(last, k)
				return nil
			}})
			sub := ch.Subscribe(ref("r"))
			ch.Publish(ref("r"), event{Seq: 1}) // queued, never read

			started := make(chan struct{})
			done := make(chan []int)
			go func() {
				var got []int
				close(started)
				for msg := range sub.Messages() {
					got = append(got, msg.Seq)
				}
				done <- got
			}()
			<-started
			// Wait until the reader has consumed the queued message and blocks.
			for sub.Len() > 0 {
				time.Sleep(time.Millisecond)
			}
			tt.end(ch, sub)
			select {
			case got := <-done:
				if len(got) > 1 {
					t.Fatalf("reader got %v", got)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("closing did not end a blocked iteration")
			}
			if !errors.Is(sub.Err(), tt.wantErr) {
				t.Fatalf("Err() = %v, want %v", sub.Err(), tt.wantErr)
			}
			if !slices.Equal(last, []string{"r"}) {
				t.Fatalf("OnLastUnsubscribe calls = %v, want [r]", last)
			}
			// Publishing after the end reaches nobody; iterating yields nothing.
			ch.Publish(ref("r"), event{Seq: 2})
			for range sub.Messages() {
				t.Fatal("iteration after close yielded a message")
			}
			if st := ch.Stats(); st.Subscribers != 0 || st.Keys != 0 {
				t.Fatalf("stats after close = %+v", st)
			}
		})
	}
}

func TestCloseDiscardsQueue(t *testing.T) {
	ch := newTest()
	sub := ch.Subscribe(ref("r"))
	ch.Publish(ref("r"), event{Seq: 1})
	ch.Publish(ref("r"), event{Seq: 2})
	_ = sub.Close()
	if _, err := sub.Next(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Next after close: %v", err)
	}
	if sub.Len() != 0 {
		t.Fatalf("queue kept %d messages after close", sub.Len())
	}
}

func TestNextContext(t *testing.T) {
	ch := newTest()
	sub := ch.Subscribe(ref("r"))
	defer sub.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := sub.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next(cancelled) = %v", err)
	}
	ch.Publish(ref("r"), event{Seq: 7}) // a stale wake-up must not lose this
	if got := recv(t, sub); got.Seq != 7 {
		t.Fatalf("got %+v", got)
	}
}

type hookLog struct {
	mu     sync.Mutex
	events []string
}

func (h *hookLog) add(s string) {
	h.mu.Lock()
	h.events = append(h.events, s)
	h.mu.Unlock()
}

func (h *hookLog) get() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.events)
}

func (h *hookLog) hooks() Hooks[event] {
	return Hooks[event]{
		OnPublish: func(k string, d *Delivery[event]) error {
			h.add(fmt.Sprintf("publish %s %d", k, d.Message().Seq))
			return nil
		},
		OnFirstSubscriber: func(k string) error { h.add("first " + k); return nil },
		OnLastUnsubscribe: func(k string) error { h.add("last " + k); return nil },
	}
}

func TestHookOrder(t *testing.T) {
	type op struct {
		kind string // sub, close, pub, remote
		name string // subscription name for sub/close
		key  string
	}
	tests := []struct {
		name string
		ops  []op
		want []string
	}{
		{
			name: "first and last per key",
			ops: []op{
				{"sub", "a", "k"}, {"sub", "b", "k"}, {"close", "a", ""}, {"close", "b", ""},
				{"sub", "c", "k"}, {"close", "c", ""},
			},
			want: []string{"first k", "last k", "first k", "last k"},
		},
		{
			name: "keys are independent",
			ops:  []op{{"sub", "a", "k1"}, {"sub", "b", "k2"}, {"close", "a", ""}, {"close", "b", ""}},
			want: []string{"first k1", "first k2", "last k1", "last k2"},
		},
		{
			name: "publish runs OnPublish even without subscribers",
			ops:  []op{{"pub", "", "k"}, {"sub", "a", "k"}, {"pub", "", "k"}, {"close", "a", ""}},
			want: []string{"publish k 0", "first k", "publish k 0", "last k"},
		},
		{
			name: "DeliverRemote runs no hook",
			ops:  []op{{"remote", "", "k"}, {"sub", "a", "k"}, {"remote", "", "k"}, {"close", "a", ""}},
			want: []string{"first k", "last k"},
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
				case "close":
					_ = subs[o.name].Close()
				case "pub":
					ch.Publish(ref(o.key), event{})
				case "remote":
					ch.DeliverRemote(o.key, event{})
				}
			}
			if got := log.get(); !slices.Equal(got, tt.want) {
				t.Fatalf("hooks ran %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDeliverRemote(t *testing.T) {
	var log hookLog
	ch := hooked(newTest(WithPrefix("room:")), log.hooks())
	ch.DeliverRemote("r", event{Seq: 1}) // no subscriber: nothing, no storage
	sub := ch.Subscribe(ref("r"))
	defer sub.Close()
	ch.DeliverRemote("r", event{Seq: 2}, PublishOptions{ID: "m2", Except: "x"})
	d, err := sub.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if d.Message().Seq != 2 || d.ID() != "m2" || d.Except() != "x" || d.Key() != "r" {
		t.Fatalf("delivery = %+v id=%q except=%q key=%q", d.Message(), d.ID(), d.Except(), d.Key())
	}
	if sub.Len() != 0 {
		t.Fatal("the remote message before Subscribe was stored")
	}
	if got := log.get(); !slices.Equal(got, []string{"first r"}) {
		t.Fatalf("hooks ran %q", got)
	}
	if st := ch.Stats(); st.Remote != 2 || st.Published != 0 || st.Delivered != 1 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestExceptSkipsSubscriber(t *testing.T) {
	ch := newTest()
	a := ch.SubscribeWith(ref("r"), SubscribeOptions{ID: "conn-a"})
	b := ch.SubscribeWith(ref("r"), SubscribeOptions{ID: "conn-b"})
	plain := ch.Subscribe(ref("r"))
	defer a.Close()
	defer b.Close()
	defer plain.Close()
	ch.PublishWith(ref("r"), event{Seq: 1}, PublishOptions{Except: "conn-a", ID: "id-1"})
	if a.Len() != 0 || b.Len() != 1 || plain.Len() != 1 {
		t.Fatalf("queued a=%d b=%d plain=%d, want 0 1 1", a.Len(), b.Len(), plain.Len())
	}
}

func TestKeyAndPrefix(t *testing.T) {
	users := newTest(WithPrefix("user:"))
	if got := users.Key(ref("42")); got != "user:42" {
		t.Fatalf("Key = %q", got)
	}
	var keys []string
	users.AddHooks(Hooks[event]{OnFirstSubscriber: func(k string) error { keys = append(keys, k); return nil }})
	s := users.Subscribe(ref("42"))
	defer s.Close()
	if !slices.Equal(keys, []string{"42"}) || !slices.Equal(users.ActiveKeys(), []string{"42"}) {
		t.Fatalf("hooks and ActiveKeys must use the un-prefixed key: %v %v", keys, users.ActiveKeys())
	}
}

func TestSharedEncoding(t *testing.T) {
	calls := 0
	ch := newTestEnc(func(b []byte, e event) []byte {
		calls++
		return appendEvent(b, e)
	})
	subs := make([]*Subscription[event], 50)
	for i := range subs {
		subs[i] = ch.Subscribe(ref("r"))
		defer subs[i].Close()
	}
	var hookBytes []byte
	ch.AddHooks(Hooks[event]{OnPublish: func(_ string, d *Delivery[event]) error {
		hookBytes = d.Bytes()
		return nil
	}})
	ch.Publish(ref("r"), event{Seq: 3, From: "x"})
	var wg sync.WaitGroup
	got := make([][]byte, len(subs))
	for i, s := range subs {
		wg.Go(func() {
			d, err := s.Next(context.Background())
			if err == nil {
				got[i] = d.Bytes()
			}
		})
	}
	wg.Wait()
	if calls != 1 {
		t.Fatalf("encoder ran %d times for one publish, want 1", calls)
	}
	for i, b := range got {
		if string(b) != `{"seq":3,"from":"x"}` || &b[0] != &hookBytes[0] {
			t.Fatalf("subscriber %d got %q, not the shared encoding", i, b)
		}
	}
}

func TestDefaultJSONEncoding(t *testing.T) {
	ch := newTest()
	s := ch.Subscribe(ref("r"))
	defer s.Close()
	ch.Publish(ref("r"), event{Seq: 1})
	d, _ := s.Next(context.Background())
	if b, err := d.Encode(); err != nil || string(b) != `{"seq":1}` {
		t.Fatalf("Encode = %q, %v", b, err)
	}

	bad := New[room, chan int](nil, WithLogger(quietLogger()))
	bs := bad.Subscribe(ref("r"))
	defer bs.Close()
	bad.Publish(ref("r"), make(chan int))
	bd, _ := bs.Next(context.Background())
	if b, err := bd.Encode(); err == nil || b != nil || bd.Bytes() != nil {
		t.Fatalf("unencodable message: Encode = %q, %v", b, err)
	}
}

func TestEncoderPanicIsAnError(t *testing.T) {
	ch := newTestEnc(func([]byte, event) []byte { panic("boom") })
	s := ch.Subscribe(ref("r"))
	defer s.Close()
	ch.Publish(ref("r"), event{})
	d, _ := s.Next(context.Background())
	if _, err := d.Encode(); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("Encode = %v", err)
	}
}

func TestNewPanicsOnUnknownOverflow(t *testing.T) {
	for name, opt := range map[string]Option{
		"overflow": WithOverflow(Overflow(42)),
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("New did not panic")
				}
			}()
			New[room, event](nil, opt)
		})
	}
}

func TestHookFailuresAreContained(t *testing.T) {
	var buf syncBuffer
	ch := hooked(New[room, event](nil, WithLogger(slog.New(slog.NewTextHandler(&buf, nil)))), Hooks[event]{
		OnPublish:         func(string, *Delivery[event]) error { panic("publish hook") },
		OnFirstSubscriber: func(string) error { return errors.New("first hook") },
		OnLastUnsubscribe: func(string) error { panic("last hook") },
	})
	s := ch.Subscribe(ref("r"))
	ch.Publish(ref("r"), event{Seq: 1})
	if got := recv(t, s); got.Seq != 1 {
		t.Fatalf("got %+v", got)
	}
	_ = s.Close()
	if st := ch.Stats(); st.HookFailures != 3 {
		t.Fatalf("HookFailures = %d, want 3", st.HookFailures)
	}
	for _, want := range []string{"publish hook", "first hook", "last hook", "OnPublish", "OnFirstSubscriber", "OnLastUnsubscribe"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, buf.String())
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestOverflowPolicies(t *testing.T) {
	const size = 4
	tests := []struct {
		policy      Overflow
		wantSeqs    []int
		wantDropped uint64
		wantErr     error
		wantActive  bool
	}{
		{DropOldest, []int{6, 7, 8, 9}, 6, nil, true},
		{DropNewest, []int{0, 1, 2, 3}, 6, nil, true},
		// The 5th message overflows: 4 queued + 1 new are dropped, then the
		// subscriber is gone and later publishes are not its drops.
		{CloseSubscriber, nil, 5, ErrOverflow, false},
	}
	for _, tt := range tests {
		t.Run(tt.policy.String(), func(t *testing.T) {
			var log hookLog
			var logBuf syncBuffer
			ch := hooked(New[room, event](nil, WithQueueSize(size), WithOverflow(tt.policy), WithLogger(slog.New(slog.NewTextHandler(&logBuf, nil)))), log.hooks())
			slow := ch.Subscribe(ref("r"))
			defer slow.Close()
			for i := range 10 {
				ch.Publish(ref("r"), event{Seq: i})
			}
			if got := drain(slow); !slices.Equal(got, tt.wantSeqs) {
				t.Fatalf("read %v, want %v", got, tt.wantSeqs)
			}
			if slow.Dropped() != tt.wantDropped || ch.Stats().Dropped != tt.wantDropped {
				t.Fatalf("dropped: sub %d channel %d, want %d", slow.Dropped(), ch.Stats().Dropped, tt.wantDropped)
			}
			if !errors.Is(slow.Err(), tt.wantErr) || slow.Active() != tt.wantActive {
				t.Fatalf("Err=%v Active=%v", slow.Err(), slow.Active())
			}
			if !strings.Contains(logBuf.String(), "dropped") && !strings.Contains(logBuf.String(), "queue full") {
				t.Fatalf("drops not logged:\n%s", logBuf.String())
			}
			if tt.policy == CloseSubscriber {
				if st := ch.Stats(); st.OverflowClosed != 1 || st.Subscribers != 0 {
					t.Fatalf("stats = %+v", st)
				}
				if !slices.Contains(log.get(), "last r") {
					t.Fatalf("overflow close did not run OnLastUnsubscribe: %q", log.get())
				}
			}
		})
	}
}

func TestClosedChannelsBornClosedSubscriptions(t *testing.T) {
	var log hookLog
	ch := hooked(newTest(), log.hooks())
	_ = ch.Close()
	_ = ch.Close()
	s := ch.Subscribe(ref("r"))
	if !errors.Is(s.Err(), ErrChannelsClosed) || s.Active() {
		t.Fatalf("Err=%v", s.Err())
	}
	for range s.Messages() {
		t.Fatal("yielded")
	}
	_ = s.Close()
	if got := log.get(); len(got) != 0 {
		t.Fatalf("hooks ran: %q", got)
	}
}

func TestAddHooksCatchUpAndRemove(t *testing.T) {
	ch := newTest()
	a := ch.Subscribe(ref("a"))
	b := ch.Subscribe(ref("b"))
	var log hookLog
	remove := ch.AddHooks(log.hooks())
	got := log.get()
	slices.Sort(got)
	if !slices.Equal(got, []string{"first a", "first b"}) {
		t.Fatalf("catch-up ran %q", got)
	}
	_ = a.Close()
	remove()
	_ = b.Close()
	ch.Publish(ref("b"), event{})
	got = log.get()
	if !slices.Equal(got[2:], []string{"last a"}) {
		t.Fatalf("after removal hooks ran %q", got)
	}
}

func TestStatsCounts(t *testing.T) {
	ch := newTest()
	s1 := ch.Subscribe(ref("a"))
	s2 := ch.Subscribe(ref("a"))
	s3 := ch.Subscribe(ref("b"))
	defer s1.Close()
	defer s2.Close()
	defer s3.Close()
	ch.Publish(ref("a"), event{})
	ch.Publish(ref("b"), event{})
	ch.Publish(ref("c"), event{})
	want := Stats{Keys: 2, Subscribers: 3, Published: 3, Delivered: 3}
	if got := ch.Stats(); got != want {
		t.Fatalf("Stats = %+v, want %+v", got, want)
	}
	if !ch.HasSubscribers(ref("a")) || ch.HasSubscribers(ref("c")) || ch.Subscribers(ref("a")) != 2 {
		t.Fatal("HasSubscribers/Subscribers wrong")
	}
}
