package room

import (
	"testing"

	"go.uber.org/goleak"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Test models.
type (
	Room struct{}
	User struct{}
)

func roomRef(id string) jsgenrt.Ref[Room] { return jsgenrt.UncheckedRef[Room](id) }
func userRef(id string) jsgenrt.Ref[User] { return jsgenrt.UncheckedRef[User](id) }

var t0 = mustTime("2026-01-02T03:04:05Z")
