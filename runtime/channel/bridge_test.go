package channel

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/bus"
	"github.com/jsgen-dev/jsgen/runtime/bus/membus"
)

func decodeEvent(b []byte) (event, error) {
	var e event
	err := json.Unmarshal(b, &e)
	return e, err
}

// checkEvent accepts what decodeEvent accepts.
func checkEvent(b []byte) error {
	_, err := decodeEvent(b)
	return err
}

// eventDecoder checks payloads on receipt and decodes them lazily, as the
// generated channels do.
var eventDecoder = Decoder[event]{Decode: decodeEvent, Check: checkEvent}

// node is one simulated cluster node: a Channels bridged onto a shared bus.
type node struct {
	ch   *Channels[room, event]
	link *Link
}

func newNode(t *testing.T, ctx context.Context, b bus.Bus, id jsgenrt.NodeID, opts ...Option) node {
	t.Helper()
	return newNodeEnc(t, ctx, b, id, appendEvent, opts...)
}

func newNodeEnc(t *testing.T, ctx context.Context, b bus.Bus, id jsgenrt.NodeID, enc Encoder[event], opts ...Option) node {
	t.Helper()
	ch := newTestEnc(enc, opts...)
	link, err := Bridge(ctx, ch, b, "test.", eventDecoder, BridgeNodeID(id), BridgeLogger(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := link.Close(); err != nil {
			t.Error(err)
		}
		_ = ch.Close()
	})
	return node{ch: ch, link: link}
}

// waitFor polls cond until it holds; the deadline only guards against a
// hang and is far above any expected latency.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func newBus(t *testing.T) *membus.Bus {
	b := membus.New(membus.WithLogger(quietLogger()))
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func TestBridgeDeliversExactlyOncePerNode(t *testing.T) {
	b := newBus(t)
	ctx := context.Background()
	a := newNode(t, ctx, b, "A")
	bn := newNode(t, ctx, b, "B")
	onA := a.ch.Subscribe(ref("r"))
	onB := bn.ch.Subscribe(ref("r"))
	defer onA.Close()
	defer onB.Close()

	a.ch.PublishWith(ref("r"), event{Seq: 1, From: "alice"}, PublishOptions{ID: "m1"})

	// Both nodes' bus subscriptions have handled the envelope once.
	waitFor(t, "bus handlers", func() bool { return b.Stats().Delivered == 2 })
	if got := recv(t, onA); got.Seq != 1 {
		t.Fatalf("A got %+v", got)
	}
	d, err := onB.Next(context.Background())
	if err != nil || d.Message() != (event{Seq: 1, From: "alice"}) || d.ID() != "m1" {
		t.Fatalf("B got %+v id=%q err=%v", d.Message(), d.ID(), err)
	}
	if string(d.Bytes()) != `{"seq":1,"from":"alice"}` {
		t.Fatalf("B's delivery bytes = %q (must be the wire payload)", d.Bytes())
	}
	if onA.Len() != 0 || onB.Len() != 0 {
		t.Fatalf("duplicates: A has %d more, B has %d more", onA.Len(), onB.Len())
	}
	sa, sb := a.link.Stats(), bn.link.Stats()
	if sa.Sent != 1 || sa.Own != 1 || sa.Delivered != 0 || sb.Delivered != 1 || sb.Sent != 0 {
		t.Fatalf("link stats A=%+v B=%+v", sa, sb)
	}
	// B's remote delivery ran no hook: nothing went back to the bus.
	if got := b.Stats().Published; got != 1 {
		t.Fatalf("bus published %d messages, want 1 (no echo)", got)
	}
}

func TestBridgeCarriesExcept(t *testing.T) {
	b := newBus(t)
	a := newNode(t, context.Background(), b, "A")
	bn := newNode(t, context.Background(), b, "B")
	b1 := bn.ch.SubscribeWith(ref("r"), SubscribeOptions{ID: "conn-1"})
	b2 := bn.ch.SubscribeWith(ref("r"), SubscribeOptions{ID: "conn-2"})
	defer b1.Close()
	defer b2.Close()
	a.ch.PublishWith(ref("r"), event{Seq: 5}, PublishOptions{Except: "conn-1"})
	if got := recv(t, b2); got.Seq != 5 {
		t.Fatalf("got %+v", got)
	}
	waitFor(t, "bus handler", func() bool { return b.Stats().Delivered == 1 })
	if b1.Len() != 0 {
		t.Fatal("the excluded subscriber on another node received the message")
	}
}

func TestBridgeInterestFollowsSubscribers(t *testing.T) {
	b := newBus(t)
	ctx := context.Background()
	a := newNode(t, ctx, b, "A")
	bn := newNode(t, ctx, b, "B")
	if n := bn.link.Stats().Subjects; n != 0 {
		t.Fatalf("subjects before any subscriber = %d", n)
	}
	s1 := bn.ch.Subscribe(ref("r"))
	s2 := bn.ch.Subscribe(ref("r"))
	if n := bn.link.Stats().Subjects; n != 1 {
		t.Fatalf("subjects with two subscribers on one key = %d", n)
	}
	_ = s1.Close()
	_ = s2.Close()
	if n := bn.link.Stats().Subjects; n != 0 {
		t.Fatalf("subjects after the last unsubscribe = %d", n)
	}
	// A message to a key B has no interest in is not delivered to B's bus
	// subscriptions at all.
	a.ch.Publish(ref("r"), event{})
	if st := b.Stats(); st.Published != 1 || st.Delivered != 0 {
		t.Fatalf("bus stats = %+v", st)
	}
}

func TestBridgeAttachedAfterSubscribersCatchesUp(t *testing.T) {
	b := newBus(t)
	a := newNode(t, context.Background(), b, "A")
	late := newTestEnc(appendEvent)
	defer late.Close()
	sub := late.Subscribe(ref("r"))
	defer sub.Close()
	link, err := Bridge(context.Background(), late, b, "test.", eventDecoder, BridgeLogger(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	defer link.Close()
	if jsgenrt.NodeID(link.NodeID()).Check() != nil || link.Stats().Subjects != 1 {
		t.Fatalf("node %q subjects %d", link.NodeID(), link.Stats().Subjects)
	}
	var idErr *jsgenrt.NodeIDError
	if _, err := Bridge(context.Background(), late, b, "test.", eventDecoder, BridgeNodeID("a.b")); !errors.As(err, &idErr) {
		t.Fatalf("Bridge with node ID \"a.b\": %v, want a *jsgenrt.NodeIDError", err)
	}
	a.ch.Publish(ref("r"), event{Seq: 9})
	if got := recv(t, sub); got.Seq != 9 {
		t.Fatalf("got %+v", got)
	}
}

func TestBridgePrefixIsolation(t *testing.T) {
	b := newBus(t)
	ctx := context.Background()
	usersA := newNode(t, ctx, b, "A", WithPrefix("user:"))
	roomsB := newNode(t, ctx, b, "B", WithPrefix("room:"))
	usersB := newNode(t, ctx, b, "B", WithPrefix("user:"))
	roomSub := roomsB.ch.Subscribe(ref("42"))
	userSub := usersB.ch.Subscribe(ref("42"))
	defer roomSub.Close()
	defer userSub.Close()

	usersA.ch.Publish(ref("42"), event{Seq: 1})
	if got := recv(t, userSub); got.Seq != 1 {
		t.Fatalf("got %+v", got)
	}
	waitFor(t, "bus handler", func() bool { return b.Stats().Delivered == 1 })
	if roomSub.Len() != 0 || roomsB.link.Stats().Received != 0 {
		t.Fatal("user:42 was delivered to room:42")
	}
}

func TestBridgeDropsInvalidEnvelopes(t *testing.T) {
	b := newBus(t)
	bn := newNode(t, context.Background(), b, "B")
	sub := bn.ch.Subscribe(ref("r"))
	defer sub.Close()
	ctx := context.Background()
	bad := [][]byte{
		[]byte("garbage"),
		appendEnvelope(nil, envelope{origin: "A", key: "other"}, []byte(`{"seq":1}`)),
		appendEnvelope(nil, envelope{origin: "A", key: "r"}, []byte(`not json`)),
	}
	for _, m := range bad {
		if err := b.Publish(ctx, "test.r", m); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Publish(ctx, "test.r", appendEnvelope(nil, envelope{origin: "A", key: "r"}, []byte(`{"seq":2}`))); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, sub); got.Seq != 2 {
		t.Fatalf("got %+v", got)
	}
	waitFor(t, "bus handlers", func() bool { return b.Stats().Delivered == 4 })
	if st := bn.link.Stats(); st.Invalid != 3 || st.Delivered != 1 {
		t.Fatalf("link stats = %+v", st)
	}
}

func TestBridgeStopsWithContext(t *testing.T) {
	b := newBus(t)
	ctx, cancel := context.WithCancel(context.Background())
	n := newNode(t, ctx, b, "A")
	sub := n.ch.Subscribe(ref("r"))
	defer sub.Close()
	cancel()
	waitFor(t, "link to unsubscribe", func() bool { return n.link.Stats().Subjects == 0 })
	n.ch.Publish(ref("r"), event{})
	if st := b.Stats(); st.Published != 0 {
		t.Fatalf("a stopped link still forwards: %+v", st)
	}
}

func TestBridgeReportsBusFailures(t *testing.T) {
	b := membus.New(membus.WithLogger(quietLogger()))
	n := newNode(t, context.Background(), b, "A")
	_ = b.Close()
	n.ch.Publish(ref("r"), event{})
	sub := n.ch.Subscribe(ref("r")) // subscribing the bus fails
	defer sub.Close()
	st := n.ch.Stats()
	if st.HookFailures != 2 || n.link.Stats().SendFailed != 1 {
		t.Fatalf("channel stats %+v link stats %+v", st, n.link.Stats())
	}
}

func TestBridgeArguments(t *testing.T) {
	b := newBus(t)
	ch := newTest()
	if _, err := Bridge(context.Background(), ch, b, "x.", Decoder[event]{Check: checkEvent}); err == nil {
		t.Fatal("nil decoder accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Bridge(ctx, ch, b, "x.", eventDecoder); !errors.Is(err, context.Canceled) {
		t.Fatalf("done context: %v", err)
	}
}

func TestEnvelopeRoundTrip(t *testing.T) {
	e := envelope{origin: "node-1", key: "r42", except: "conn-7", id: "m-9"}
	data := appendEnvelope([]byte{}, e, []byte(`{"x":1}`))
	got, payload, err := decodeEnvelope(data)
	if err != nil || got != e || string(payload) != `{"x":1}` {
		t.Fatalf("decode = %+v %q %v", got, payload, err)
	}
	for i := range len(data) - len(payload) {
		if _, _, err := decodeEnvelope(data[:i]); err == nil {
			t.Fatalf("truncated envelope (%d bytes) accepted", i)
		}
	}
}

func FuzzDecodeEnvelope(f *testing.F) {
	f.Add(appendEnvelope(nil, envelope{origin: "A", key: "r"}, nil))
	f.Add(appendEnvelope(nil, envelope{origin: "node", key: "room:1", except: "c", id: "i"}, []byte(`{"seq":1}`)))
	f.Add([]byte{envelopeVersion, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte{envelopeVersion, 1, 'A', 200})
	f.Add([]byte{})
	f.Add([]byte{2, 1, 'A', 1, 'k', 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		e, payload, err := decodeEnvelope(data)
		if err != nil {
			return
		}
		if e.origin == "" || e.key == "" {
			t.Fatalf("accepted empty origin or key: %+v", e)
		}
		again := appendEnvelope(nil, e, payload)
		e2, p2, err := decodeEnvelope(again)
		if err != nil || e2 != e || !slices.Equal(p2, payload) {
			t.Fatalf("re-encoding %+v %q does not round-trip: %+v %q %v", e, payload, e2, p2, err)
		}
	})
}

// countingDecoder is eventDecoder counting its Check and Decode calls.
func countingDecoder(checks, decodes *atomic.Int64) Decoder[event] {
	return Decoder[event]{
		Check: func(p []byte) error {
			checks.Add(1)
			return checkEvent(p)
		},
		Decode: func(p []byte) (event, error) {
			decodes.Add(1)
			return decodeEvent(p)
		},
	}
}

// bridgeNode is a Channels bridged onto b with dec.
func bridgeNode(t *testing.T, b bus.Bus, id jsgenrt.NodeID, dec Decoder[event]) *Channels[room, event] {
	t.Helper()
	ch := newTestEnc(appendEvent)
	link, err := Bridge(context.Background(), ch, b, "test.", dec, BridgeNodeID(id), BridgeLogger(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = link.Close()
		_ = ch.Close()
	})
	return ch
}

// A node whose subscribers only relay the wire form never decodes another
// node's message: the payload is checked once on receipt and handed on as
// the bytes it arrived in.
func TestBridgeRelayNeverDecodes(t *testing.T) {
	b := newBus(t)
	a := newNode(t, context.Background(), b, "A")
	var checks, decodes atomic.Int64
	ch := bridgeNode(t, b, "B", countingDecoder(&checks, &decodes))
	relayed := make(chan []byte, 64)
	for range 3 {
		s := ch.SubscribeFunc(ref("r"), SubscribeOptions{}, func(d *Delivery[event]) error {
			relayed <- d.Bytes()
			return nil
		})
		defer s.Close()
	}
	const msgs = 5
	for i := range msgs {
		a.ch.Publish(ref("r"), event{Seq: i, From: "a"})
	}
	for i := range 3 * msgs {
		select {
		case got := <-relayed:
			if !strings.HasPrefix(string(got), `{"seq":`) {
				t.Fatalf("relayed %q", got)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%d of %d deliveries arrived", i, 3*msgs)
		}
	}
	if n := decodes.Load(); n != 0 {
		t.Errorf("relay-only node decoded %d times, want 0", n)
	}
	if n := checks.Load(); n != msgs {
		t.Errorf("%d payloads checked %d times, want once each", msgs, n)
	}
}

// However many subscribers ask for the message of a delivery from another
// node, concurrently, it is decoded once.
func TestBridgeDecodesOncePerDelivery(t *testing.T) {
	b := newBus(t)
	a := newNode(t, context.Background(), b, "A")
	var checks, decodes atomic.Int64
	ch := bridgeNode(t, b, "B", countingDecoder(&checks, &decodes))
	const msgs, queued, funcs = 20, 4, 3
	got := make(chan event, msgs*(queued+funcs))
	var wg sync.WaitGroup
	for range queued {
		s := ch.Subscribe(ref("r"))
		defer s.Close()
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for range msgs {
				d, err := s.Next(ctx)
				if err != nil {
					t.Errorf("Next: %v", err)
					return
				}
				got <- d.Message()
			}
		})
	}
	for range funcs {
		s := ch.SubscribeFunc(ref("r"), SubscribeOptions{}, func(d *Delivery[event]) error {
			got <- d.Message()
			return nil
		})
		defer s.Close()
	}
	for i := range msgs {
		a.ch.Publish(ref("r"), event{Seq: i + 1, From: "a"})
	}
	wg.Wait()
	seen := map[int]int{}
	for range msgs * (queued + funcs) {
		select {
		case e := <-got:
			seen[e.Seq]++
		case <-time.After(10 * time.Second):
			t.Fatal("a delivery is missing")
		}
	}
	for i := range msgs {
		if seen[i+1] != queued+funcs {
			t.Fatalf("message %d reached %d subscribers, want %d (%v)", i+1, seen[i+1], queued+funcs, seen)
		}
	}
	if n := decodes.Load(); n != msgs {
		t.Errorf("%d deliveries decoded %d times, want once each", msgs, n)
	}
	if n := checks.Load(); n != msgs {
		t.Errorf("%d payloads checked %d times, want once each", msgs, n)
	}
}

// A payload the Check refuses is dropped and counted, never decoded nor
// delivered; without a Check the payload is decoded on receipt.
func TestBridgeCheckRefusesInvalidPayload(t *testing.T) {
	b := newBus(t)
	var checks, decodes atomic.Int64
	ch := bridgeNode(t, b, "B", countingDecoder(&checks, &decodes))
	sub := ch.Subscribe(ref("r"))
	defer sub.Close()
	ctx := context.Background()
	for _, p := range []string{`{"seq":"one"}`, `{"seq":2}`} {
		if err := b.Publish(ctx, "test.r", appendEnvelope(nil, envelope{origin: "A", key: "r"}, []byte(p))); err != nil {
			t.Fatal(err)
		}
	}
	if got := recv(t, sub); got.Seq != 2 {
		t.Fatalf("got %+v, want the valid message only", got)
	}
	if checks.Load() != 2 || decodes.Load() != 1 {
		t.Fatalf("checks %d decodes %d, want 2 and 1", checks.Load(), decodes.Load())
	}

	var eager atomic.Int64
	ch2 := newTestEnc(appendEvent)
	defer ch2.Close()
	link, err := Bridge(ctx, ch2, b, "test2.", Decoder[event]{Decode: func(p []byte) (event, error) {
		eager.Add(1)
		return decodeEvent(p)
	}}, BridgeNodeID("C"), BridgeLogger(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	defer link.Close()
	relayed := make(chan string, 1)
	s := ch2.SubscribeFunc(ref("r"), SubscribeOptions{}, func(d *Delivery[event]) error {
		relayed <- string(d.Bytes())
		return nil
	})
	defer s.Close()
	if err := b.Publish(ctx, "test2.r", appendEnvelope(nil, envelope{origin: "A", key: "r"}, []byte(`{"seq":3}`))); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-relayed:
		if got != `{"seq":3}` || eager.Load() != 1 {
			t.Fatalf("relayed %q after %d decodes, want the payload as sent after 1", got, eager.Load())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nothing delivered")
	}
}

// A delivery from another node whose Decode fails although its Check
// passed yields the zero message and says why; a local one has no error.
func TestDeliveryMessageErr(t *testing.T) {
	d := newEncodedDelivery[event]("r", []byte(`{"seq":"x"}`), PublishOptions{}, decodeEvent)
	if got := d.Message(); got != (event{}) {
		t.Fatalf("Message = %+v, want the zero event", got)
	}
	if err := d.MessageErr(); err == nil || !strings.Contains(err.Error(), `key "r"`) {
		t.Fatalf("MessageErr = %v", err)
	}
	if string(d.Bytes()) != `{"seq":"x"}` {
		t.Fatalf("Bytes = %q", d.Bytes())
	}
	p := newEncodedDelivery[event]("r", []byte(`{}`), PublishOptions{}, func([]byte) (event, error) { panic("boom") })
	if err := p.MessageErr(); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("panicking decoder: MessageErr = %v", err)
	}
	if err := newDelivery("r", event{Seq: 1}, PublishOptions{}, nil).MessageErr(); err != nil {
		t.Fatalf("local delivery: MessageErr = %v", err)
	}
}
