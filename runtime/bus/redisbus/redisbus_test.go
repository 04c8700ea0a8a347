package redisbus_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jsgen-dev/jsgen/runtime/bus"
	"github.com/jsgen-dev/jsgen/runtime/bus/bustest"
	"github.com/jsgen-dev/jsgen/runtime/bus/redisbus"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func quiet() redisbus.Option {
	return redisbus.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// open connects a bus to url and closes it when the test ends.
func open(t *testing.T, url string, opts ...redisbus.Option) *redisbus.Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := redisbus.New(ctx, url, append([]redisbus.Option{quiet()}, opts...)...)
	if err != nil {
		t.Fatalf("New(%s): %v", url, err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// numSub asks the server how many subscribers each channel has.
func numSub(t *testing.T, url string, channels ...string) map[string]int64 {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	defer c.Close()
	n, err := c.PubSubNumSub(context.Background(), channels...).Result()
	if err != nil {
		t.Fatalf("PUBSUB NUMSUB: %v", err)
	}
	return n
}

func TestConformance(t *testing.T) {
	srv := bustest.StartRedis(t)
	bustest.RunConformance(t, bustest.Target{
		Open: func(t *testing.T, queueSize int) (bus.Bus, bus.Bus) {
			var opts []redisbus.Option
			if queueSize > 0 {
				opts = append(opts, redisbus.WithQueueSize(queueSize))
			}
			return open(t, srv.URL(), opts...), open(t, srv.URL(), opts...)
		},
		RefusesWildcards: true,
	})
}

func TestInvalidSubjects(t *testing.T) {
	srv := bustest.StartRedis(t)
	b := open(t, srv.URL())
	ctx := context.Background()
	for _, s := range []string{"*", ">", "a.*", "a.>", "*.a", "a..b", ".a", "a.", "a b", "a\nb",
		strings.Repeat("x", redisbus.MaxSubjectLen+1)} {
		if err := b.Publish(ctx, s, nil); !errors.Is(err, redisbus.ErrInvalidSubject) {
			t.Errorf("Publish(%q) = %v", s, err)
		}
		if _, err := b.Subscribe(ctx, s, func(string, []byte) {}); !errors.Is(err, redisbus.ErrInvalidSubject) {
			t.Errorf("Subscribe(%q) = %v", s, err)
		}
	}
	if st := b.Stats(); st.Dropped != 0 || st.Published != 0 {
		t.Fatalf("refused publishes were counted: %+v", st)
	}
}

// TestInterest checks the node subscribes a channel on Redis once however
// many local subscriptions it has, and unsubscribes it with the last.
func TestInterest(t *testing.T) {
	srv := bustest.StartRedis(t)
	b := open(t, srv.URL())
	ctx := context.Background()
	var subs []bus.Subscription
	for _, s := range []string{"room.a", "room.a", "room.a", "room.b"} {
		sub, err := b.Subscribe(ctx, s, func(string, []byte) {})
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub)
	}
	if n := numSub(t, srv.URL(), "room.a", "room.b", "room"); n["room.a"] != 1 || n["room.b"] != 1 || n["room"] != 0 {
		t.Fatalf("PUBSUB NUMSUB = %v", n)
	}
	if n := b.ConnStats().Subjects; n != 2 {
		t.Fatalf("ConnStats.Subjects = %d", n)
	}
	for _, s := range subs {
		if err := s.Unsubscribe(); err != nil {
			t.Fatal(err)
		}
	}
	bustest.WaitFor(t, "server-side unsubscribe", func() bool {
		n := numSub(t, srv.URL(), "room.a", "room.b")
		return n["room.a"] == 0 && n["room.b"] == 0
	})
}

func TestURLs(t *testing.T) {
	srv := bustest.StartRedis(t, bustest.RedisPassword("s3cr:t"))
	ctx := context.Background()
	good := "redis://default:s3cr%3At@" + srv.Addr() + "/0"
	b := open(t, good, redisbus.WithName("test-node"))
	c := bustest.NewCollector()
	if _, err := b.Subscribe(ctx, "x", c.Handle); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, "x", []byte("authenticated")); err != nil {
		t.Fatal(err)
	}
	c.WaitN(t, 1)

	for _, bad := range []string{
		"redis://default:wrong@" + srv.Addr(),
		"redis://" + srv.Addr(),
	} {
		_, err := redisbus.New(ctx, bad, quiet())
		if err == nil {
			t.Fatalf("New(%s) connected without the right credentials", bad)
		}
		if strings.Contains(err.Error(), "wrong") {
			t.Fatalf("error leaks the password: %v", err)
		}
	}
	for _, bad := range []string{"", "http://" + srv.Addr(), "nats://x:1", "unix:///tmp/redis.sock",
		"redis://u:secretpw@%zz", "redis://" + srv.Addr() + "/notadb"} {
		_, err := redisbus.New(ctx, bad, quiet())
		if !errors.Is(err, redisbus.ErrURL) {
			t.Errorf("New(%q) = %v, want ErrURL", bad, err)
		}
		if err != nil && strings.Contains(err.Error(), "secretpw") {
			t.Errorf("error leaks the password: %v", err)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := redisbus.New(cancelled, good, quiet()); !errors.Is(err, context.Canceled) {
		t.Errorf("New with a cancelled context: %v", err)
	}
}

func TestTLS(t *testing.T) {
	files := bustest.NewTLS(t)
	srv := bustest.StartRedis(t, bustest.RedisTLS(files))
	if !strings.HasPrefix(srv.URL(), "rediss://") {
		t.Fatalf("URL %s", srv.URL())
	}
	b := open(t, srv.URL(), redisbus.WithTLSConfig(files.Client))
	c := bustest.NewCollector()
	ctx := context.Background()
	if _, err := b.Subscribe(ctx, "x", c.Handle); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, "x", []byte("over tls")); err != nil {
		t.Fatal(err)
	}
	c.WaitN(t, 1)
	// Without the test CA the server's certificate is refused, and a
	// plain-text client gets nowhere.
	short, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := redisbus.New(short, srv.URL(), quiet()); err == nil {
		t.Fatal("connected to a server with an untrusted certificate")
	}
	if _, err := redisbus.New(short, "redis://"+srv.Addr(), quiet()); err == nil {
		t.Fatal("connected in plain text to a TLS server")
	}
}

// stateLog records state-handler calls.
type stateLog struct {
	mu     sync.Mutex
	states []bus.State
}

func (l *stateLog) record(s bus.State, _ error) {
	l.mu.Lock()
	l.states = append(l.states, s)
	l.mu.Unlock()
}

func (l *stateLog) get() []bus.State {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]bus.State(nil), l.states...)
}

func TestServerDownAtStart(t *testing.T) {
	srv := bustest.StartRedis(t)
	srv.Kill()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := redisbus.New(ctx, srv.URL(), quiet()); err == nil {
		t.Fatal("New succeeded without a server")
	}
}
