package room

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/channel"

	"github.com/jsgen-dev/jsgen/runtime/room/internal/repl"
)

func TestManualClock(t *testing.T) {
	c := NewManualClock(t0)
	early := c.NewTimer(t0.Add(time.Second))
	late := c.NewTimer(t0.Add(time.Minute))
	past := c.NewTimer(t0.Add(-time.Second)) // fires at once
	select {
	case <-past.C():
	default:
		t.Fatal("a timer for a past deadline did not fire")
	}
	if c.Timers() != 2 {
		t.Fatalf("Timers = %d", c.Timers())
	}
	c.Advance(time.Second)
	select {
	case got := <-early.C():
		if !got.Equal(t0.Add(time.Second)) {
			t.Fatalf("fired with %v", got)
		}
	default:
		t.Fatal("early timer did not fire")
	}
	select {
	case <-late.C():
		t.Fatal("late timer fired early")
	default:
	}
	late.Reset(t0.Add(2 * time.Second))
	c.Set(t0) // backwards: ignored
	if !c.Now().Equal(t0.Add(time.Second)) {
		t.Fatalf("clock went back to %v", c.Now())
	}
	c.Advance(-time.Hour) // ignored
	c.Advance(time.Second)
	<-late.C()
	late.Reset(t0.Add(time.Hour))
	late.Stop()
	c.Advance(2 * time.Hour)
	select {
	case <-late.C():
		t.Fatal("stopped timer fired")
	default:
	}
	if c.Timers() != 0 {
		t.Fatalf("Timers = %d", c.Timers())
	}
}

func TestSystemClock(t *testing.T) {
	var c SystemClock
	tm := c.NewTimer(c.Now())
	<-tm.C()
	tm.Reset(c.Now().Add(time.Hour))
	tm.Stop()
}

func TestNodeIDs(t *testing.T) {
	for _, id := range []string{"A", "node_1", strings.Repeat("x", 32), string(jsgenrt.NewNodeID())} {
		if err := checkNodeID(id); err != nil {
			t.Errorf("%q: %v", id, err)
		}
	}
	for _, id := range []string{"", "a.b", "a-b", "a b", strings.Repeat("x", 33), "é"} {
		if err := checkNodeID(id); !errors.Is(err, ErrInvalidID) {
			t.Errorf("%q accepted: %v", id, err)
		}
	}
}

func TestMessageIDs(t *testing.T) {
	g1, err := NewMessageIDs("A")
	if err != nil {
		t.Fatal(err)
	}
	g2, _ := NewMessageIDs("A") // same node, another process lifetime
	g3, _ := NewMessageIDs("B")
	if _, err := NewMessageIDs("a.b"); !errors.Is(err, ErrInvalidID) {
		t.Fatalf("bad node: %v", err)
	}
	seen := map[string]bool{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, g := range []*MessageIDs{g1, g2, g3} {
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 500 {
					id := g.Next()
					mu.Lock()
					if seen[id] {
						t.Errorf("duplicate ID %s", id)
					}
					seen[id] = true
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	if len(seen) != 6000 {
		t.Fatalf("%d IDs", len(seen))
	}
	id := g3.Next()
	if !strings.HasPrefix(id, "B-") || jsgenrt.CheckIdentifier(id, 64) != nil {
		t.Fatalf("ID %q is not a safe identifier with the node prefix", id)
	}
	if got := string(g3.AppendNext([]byte("x:"))); !strings.HasPrefix(got, "x:B-") {
		t.Fatalf("AppendNext = %q", got)
	}
}

type chatMsg struct {
	From, Text string
}

// Exclude-sender: the sending connection is skipped, the same user's other
// tab still receives, the message carries its ID, and the ID is returned
// for the "sent" acknowledgement.
func TestPublishExceptSameUserTwoTabs(t *testing.T) {
	rooms := channel.New[Room, chatMsg](nil)
	defer rooms.Close()
	ids, _ := NewMessageIDs("A")
	b := NewBroadcaster(rooms, ids)
	lobby := roomRef("lobby")
	tab1 := rooms.SubscribeWith(lobby, channel.SubscribeOptions{ID: "A-1"}) // alice, sender
	tab2 := rooms.SubscribeWith(lobby, channel.SubscribeOptions{ID: "A-2"}) // alice, other tab
	bob := rooms.SubscribeWith(lobby, channel.SubscribeOptions{ID: "A-3"})

	id := b.PublishExcept(lobby, chatMsg{From: "alice", Text: "hi"}, "A-1")
	for _, sub := range []*channel.Subscription[chatMsg]{tab2, bob} {
		ctx := t.Context()
		d, err := sub.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if d.Message().Text != "hi" || d.ID() != id || d.Except() != "A-1" {
			t.Fatalf("delivery: %+v id %q except %q", d.Message(), d.ID(), d.Except())
		}
	}
	none(t, tab1)
	// Echo mode: everyone, sender included, with an ID.
	id2 := b.Publish(lobby, chatMsg{From: "alice", Text: "again"})
	if id2 == id || id2 == "" {
		t.Fatalf("IDs %q %q", id, id2)
	}
	for _, sub := range []*channel.Subscription[chatMsg]{tab1, tab2, bob} {
		if m := next(t, sub); m.Text != "again" {
			t.Fatalf("got %+v", m)
		}
	}
}

type guardIdentity struct{ id string }

func (g guardIdentity) UserID() string { return g.id }

func TestDM(t *testing.T) {
	ch := channel.New[User, chatMsg](nil, channel.WithPrefix(DMPrefix))
	defer ch.Close()
	dm := NewDM(ch)
	if dm.Channels() != ch || ch.Key(userRef("bob")) != "user:bob" {
		t.Fatal("wrong channels")
	}
	bob := userRef("bob")
	phone, err := dm.Subscribe(bob, guardIdentity{"bob"}, "A-1")
	if err != nil {
		t.Fatal(err)
	}
	laptop, err := dm.Subscribe(bob, bob, "B-7") // identity as a Ref
	if err != nil {
		t.Fatal(err)
	}
	alice, err := dm.Subscribe(userRef("alice"), "alice", "A-2")
	if err != nil {
		t.Fatal(err)
	}
	dm.Send(bob, chatMsg{From: "alice", Text: "psst"})
	for _, sub := range []*channel.Subscription[chatMsg]{phone, laptop} {
		if m := next(t, sub); m.Text != "psst" {
			t.Fatalf("got %+v", m)
		}
	}
	none(t, alice)
	// Bob writes to himself from his phone: his laptop gets it, the phone does not.
	dm.SendWith(bob, chatMsg{From: "bob", Text: "note"}, channel.PublishOptions{Except: "A-1"})
	if m := next(t, laptop); m.Text != "note" {
		t.Fatalf("got %+v", m)
	}
	none(t, phone)
}

func TestDMAuthorization(t *testing.T) {
	ch := channel.New[User, chatMsg](nil, channel.WithPrefix(DMPrefix))
	defer ch.Close()
	dm := NewDM(ch)
	bob := userRef("bob")
	eve := userRef("eve")
	refused := []any{
		nil, guardIdentity{"eve"}, eve, &eve, "eve", "", guardIdentity{""},
		(*jsgenrt.Ref[User])(nil), 42, jsgenrt.UncheckedRef[Room]("bob"), // a ref to another model names no user
	}
	for _, id := range refused {
		sub, err := dm.Subscribe(bob, id, "c")
		if !errors.Is(err, ErrForbidden) || sub != nil {
			t.Errorf("identity %#v: %v", id, err)
		}
	}
	for _, id := range []any{bob, &bob, "bob", guardIdentity{"bob"}} {
		sub, err := dm.Subscribe(bob, id, "c")
		if err != nil {
			t.Errorf("identity %#v: %v", id, err)
			continue
		}
		sub.Close()
	}
	if _, err := dm.Subscribe(userRef(""), "", "c"); !errors.Is(err, ErrInvalidID) {
		t.Fatalf("empty user: %v", err)
	}
	if ch.Subscribers(bob) != 0 {
		t.Fatalf("refused subscriptions were registered: %d", ch.Subscribers(bob))
	}
	if err := Authorize(bob, guardIdentity{"eve"}); err == nil || !strings.Contains(err.Error(), `"eve" may not act as user "bob"`) {
		t.Fatalf("message: %v", err)
	}
}

func TestLimitErrorMessages(t *testing.T) {
	e := &LimitError{Kind: ErrPresenceFull, Limit: "PresenceLimits.MaxEntries", Max: 3}
	if got := e.Error(); got != "room: presence table is full (PresenceLimits.MaxEntries = 3)" {
		t.Fatalf("%q", got)
	}
	g := &repl.GapError{Node: "A", Want: 2, Got: 5}
	if !strings.Contains(g.Error(), "want seq 2, got 5") {
		t.Fatalf("%q", g.Error())
	}
	id := idError("room", strings.Repeat("x", 100), "too long")
	if !strings.Contains(id.Error(), fmt.Sprintf("%q", strings.Repeat("x", 64))) {
		t.Fatalf("%q", id.Error())
	}
}
