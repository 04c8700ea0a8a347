package room

import (
	"errors"
	"strings"
	"testing"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/channel"
)

// nilIdentity is an Identity whose nil pointer must not be called.
type nilIdentity struct{ id string }

func (n *nilIdentity) UserID() string { return n.id }

// TestAuthorizeRefusesMissingIdentity: a connection with no identity (no
// guard ran, or a guard returned a zero value) may act as nobody, and the
// error says what to fix.
func TestAuthorizeRefusesMissingIdentity(t *testing.T) {
	bob := userRef("bob")
	missing := map[string]any{
		"nil":                nil,
		"zero ref":           jsgenrt.Ref[User]{},
		"pointer to zero":    &jsgenrt.Ref[User]{},
		"nil ref pointer":    (*jsgenrt.Ref[User])(nil),
		"empty string":       "",
		"empty Identity":     guardIdentity{""},
		"nil Identity value": (*nilIdentity)(nil),
	}
	for name, id := range missing {
		err := Authorize(bob, id)
		if !errors.Is(err, ErrNoIdentity) || !errors.Is(err, ErrForbidden) {
			t.Errorf("%s: %v, want ErrNoIdentity and ErrForbidden", name, err)
			continue
		}
		if !strings.Contains(err.Error(), "no identity") || !strings.Contains(err.Error(), `"bob"`) {
			t.Errorf("%s: message does not say what is missing: %v", name, err)
		}
	}
	if err := Authorize(bob, guardIdentity{"eve"}); !errors.Is(err, ErrForbidden) || errors.Is(err, ErrNoIdentity) {
		t.Errorf("another user: %v, want ErrForbidden only", err)
	}
	if err := Authorize(bob, &nilIdentity{"bob"}); err != nil {
		t.Errorf("bob himself: %v", err)
	}
}

// TestDMSubscribeRefusesMissingIdentity: nobody reads a user's direct
// messages without an identity naming that user.
func TestDMSubscribeRefusesMissingIdentity(t *testing.T) {
	ch := channel.New[User, chatMsg](nil, channel.WithPrefix(DMPrefix))
	defer ch.Close()
	dm := NewDM(ch)
	bob := userRef("bob")
	if sub, err := dm.Subscribe(bob, nil, "c"); !errors.Is(err, ErrNoIdentity) || sub != nil {
		t.Fatalf("nil identity: %v", err)
	}
	if ch.Subscribers(bob) != 0 {
		t.Fatalf("a refused subscription was registered")
	}
}

// TestPresenceSetAsOnlyForOneself: SetAs sets the caller's own status and
// refuses another user's, or a caller without an identity, changing nothing.
func TestPresenceSetAsOnlyForOneself(t *testing.T) {
	p, _ := newPresence(t)
	alice, bob := userRef("alice"), userRef("bob")
	if err := p.SetAs(bob, bob, "b1", StatusOnline); err != nil {
		t.Fatal(err)
	}
	refusals := []struct {
		identity any
		want     error
	}{
		{alice, ErrForbidden},
		{guardIdentity{"alice"}, ErrForbidden},
		{nil, ErrNoIdentity},
		{jsgenrt.Ref[User]{}, ErrNoIdentity},
	}
	for _, r := range refusals {
		err := p.SetAs(r.identity, bob, "a1", StatusAway)
		if !errors.Is(err, r.want) {
			t.Errorf("identity %#v: %v, want %v", r.identity, err, r.want)
		}
		if err != nil && !strings.Contains(err.Error(), "presence") {
			t.Errorf("identity %#v: the error does not name presence: %v", r.identity, err)
		}
	}
	got, ok := p.Get(bob)
	if !ok || got.Status != StatusOnline || len(got.Conns) != 1 {
		t.Fatalf("a refused SetAs changed bob's presence: %+v %v", got, ok)
	}
	if err := p.SetAs(guardIdentity{"bob"}, bob, "b1", StatusBusy); err != nil {
		t.Fatal(err)
	}
	if got, _ := p.Get(bob); got.Status != StatusBusy {
		t.Fatalf("bob's own SetAs: %+v", got)
	}
}
