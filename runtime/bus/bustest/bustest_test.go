package bustest

import (
	"io"
	"log/slog"
	"testing"

	"github.com/jsgen-dev/jsgen/runtime/bus"
	"github.com/jsgen-dev/jsgen/runtime/bus/membus"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestMembusConformance runs the suite against the in-memory bus: both
// "nodes" share one bus, and it refuses the subjects the networked buses
// refuse (wildcards among them), so code that works on it works on them.
func TestMembusConformance(t *testing.T) {
	RunConformance(t, Target{
		Open: func(t *testing.T, queueSize int) (bus.Bus, bus.Bus) {
			opts := []membus.Option{membus.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))}
			if queueSize > 0 {
				opts = append(opts, membus.WithQueueSize(queueSize))
			}
			b := membus.New(opts...)
			t.Cleanup(func() { _ = b.Close() })
			return b, b
		},
		RefusesWildcards: true,
	})
}
