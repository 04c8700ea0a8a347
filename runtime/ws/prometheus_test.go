package ws

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func TestPrometheusExposition(t *testing.T) {
	p := NewPrometheus()
	p.ConnOpened("GET /a")
	p.ConnOpened("GET /a")
	p.ConnClosed("GET /a", 1000)
	p.Refused("GET /a", 403)
	p.FrameIn("GET /a", 10)
	p.FrameOut("GET /a", 7)
	p.FrameOut("GET /a", 3)
	p.Error("GET /a", "invalid_json")
	p.Dropped("GET /a", "slow_client", 4)
	p.SlowClient("GET /a")
	p.QueueBytes("GET /a", 100)
	p.QueueBytes("GET /a", -40)
	p.Error(`we"ird\route`+"\n", "x")

	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if ct := rec.Header().Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8" {
		t.Fatalf("content type %q", ct)
	}
	out := rec.Body.String()
	for _, want := range []string{
		"# TYPE jsgen_ws_connections_opened_total counter\n",
		`jsgen_ws_connections_opened_total{route="GET /a"} 2` + "\n",
		`jsgen_ws_connections_closed_total{route="GET /a",code="1000"} 1` + "\n",
		`jsgen_ws_connections_open{route="GET /a"} 1` + "\n",
		`jsgen_ws_upgrades_refused_total{route="GET /a",status="403"} 1` + "\n",
		`jsgen_ws_frames_in_total{route="GET /a"} 1` + "\n",
		`jsgen_ws_bytes_in_total{route="GET /a"} 10` + "\n",
		`jsgen_ws_frames_out_total{route="GET /a"} 2` + "\n",
		`jsgen_ws_bytes_out_total{route="GET /a"} 10` + "\n",
		`jsgen_ws_errors_total{route="GET /a",code="invalid_json"} 1` + "\n",
		`jsgen_ws_frames_dropped_total{route="GET /a",reason="slow_client"} 4` + "\n",
		`jsgen_ws_slow_client_disconnects_total{route="GET /a"} 1` + "\n",
		"# TYPE jsgen_ws_queue_bytes gauge\n",
		`jsgen_ws_queue_bytes{route="GET /a"} 60` + "\n",
		`jsgen_ws_errors_total{route="we\"ird\\route\n",code="x"} 1` + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	checkExposition(t, out)
}

// checkExposition checks every line is a comment or a well-formed sample
// and that each family has exactly one HELP and TYPE.
func checkExposition(t *testing.T, out string) {
	t.Helper()
	sample := regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\} -?[0-9]+$`)
	types := map[string]int{}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "# TYPE "):
			types[strings.Fields(line)[2]]++
		case strings.HasPrefix(line, "# HELP "):
		case !sample.MatchString(line):
			t.Errorf("malformed line %q", line)
		}
	}
	for name, n := range types {
		if n != 1 {
			t.Errorf("family %s declared %d times", name, n)
		}
	}
}

func TestPrometheusEndToEnd(t *testing.T) {
	p := NewPrometheus()
	rec := newRecMetrics()
	e := newEnv(t, envConfig{opts: []Option{WithMetrics(teeMetrics{p, rec})}})
	c := e.dial(t, "lobby", nil)
	send(t, c, `{"type":"echo","text":"x"}`)
	read(t, c)
	send(t, c, `nope`)
	read(t, c)
	rec.waitFor(t, "both frames reported written", func(m *recMetrics) bool { return m.out == 2 })
	metrics := httptest.NewServer(p)
	defer metrics.Close()
	resp, err := http.Get(metrics.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := string(b)
	for _, want := range []string{
		`jsgen_ws_connections_open{route="GET /room/{room}"} 1`,
		`jsgen_ws_frames_in_total{route="GET /room/{room}"} 2`,
		`jsgen_ws_frames_out_total{route="GET /room/{room}"} 2`,
		`jsgen_ws_errors_total{route="GET /room/{room}",code="invalid_json"} 1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	checkExposition(t, out)
}

// teeMetrics sends every event to two sinks.
type teeMetrics [2]Metrics

func (t teeMetrics) ConnOpened(r string)        { t[0].ConnOpened(r); t[1].ConnOpened(r) }
func (t teeMetrics) ConnClosed(r string, c int) { t[0].ConnClosed(r, c); t[1].ConnClosed(r, c) }
func (t teeMetrics) Refused(r string, s int)    { t[0].Refused(r, s); t[1].Refused(r, s) }
func (t teeMetrics) FrameIn(r string, n int)    { t[0].FrameIn(r, n); t[1].FrameIn(r, n) }
func (t teeMetrics) FrameOut(r string, n int)   { t[0].FrameOut(r, n); t[1].FrameOut(r, n) }
func (t teeMetrics) Error(r, c string)          { t[0].Error(r, c); t[1].Error(r, c) }
func (t teeMetrics) Dropped(r, c string, n int) { t[0].Dropped(r, c, n); t[1].Dropped(r, c, n) }
func (t teeMetrics) SlowClient(r string)        { t[0].SlowClient(r); t[1].SlowClient(r) }
func (t teeMetrics) QueueBytes(r string, d int) { t[0].QueueBytes(r, d); t[1].QueueBytes(r, d) }
