package ws

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Prometheus is a Metrics implementation that serves its counters in the
// Prometheus text exposition format (version 0.0.4) as an http.Handler,
// typically mounted at /metrics. It is safe for concurrent use and costs a
// map lookup and an atomic add per event. Series:
//
//	jsgen_ws_connections_opened_total{route}
//	jsgen_ws_connections_closed_total{route,code}
//	jsgen_ws_connections_open{route}                 (gauge)
//	jsgen_ws_upgrades_refused_total{route,status}
//	jsgen_ws_frames_in_total{route}  jsgen_ws_bytes_in_total{route}
//	jsgen_ws_frames_out_total{route} jsgen_ws_bytes_out_total{route}
//	jsgen_ws_errors_total{route,code}
//	jsgen_ws_frames_dropped_total{route,reason}
//	jsgen_ws_slow_client_disconnects_total{route}
//	jsgen_ws_queue_bytes{route}                      (gauge)
type Prometheus struct {
	routes sync.Map // route → *promRoute
}

// NewPrometheus returns an empty Prometheus sink.
func NewPrometheus() *Prometheus { return &Prometheus{} }

type promRoute struct {
	opened, open, framesIn, bytesIn, framesOut, bytesOut, slow, queue atomic.Int64

	closed, refused, errors, dropped labeled
}

// labeled is a counter family keyed by one label value.
type labeled struct {
	m sync.Map // value → *atomic.Int64
}

func (l *labeled) add(value string, n int64) {
	if c, ok := l.m.Load(value); ok {
		c.(*atomic.Int64).Add(n)
		return
	}
	c, _ := l.m.LoadOrStore(value, new(atomic.Int64))
	c.(*atomic.Int64).Add(n)
}

func (l *labeled) sorted() (keys []string, vals []int64) {
	l.m.Range(func(k, v any) bool {
		keys = append(keys, k.(string))
		return true
	})
	slices.Sort(keys)
	for _, k := range keys {
		v, _ := l.m.Load(k)
		vals = append(vals, v.(*atomic.Int64).Load())
	}
	return keys, vals
}

func (p *Prometheus) route(name string) *promRoute {
	if r, ok := p.routes.Load(name); ok {
		return r.(*promRoute)
	}
	r, _ := p.routes.LoadOrStore(name, &promRoute{})
	return r.(*promRoute)
}

// ConnOpened implements Metrics.
func (p *Prometheus) ConnOpened(route string) {
	r := p.route(route)
	r.opened.Add(1)
	r.open.Add(1)
}

// ConnClosed implements Metrics.
func (p *Prometheus) ConnClosed(route string, code int) {
	r := p.route(route)
	r.open.Add(-1)
	r.closed.add(strconv.Itoa(code), 1)
}

// Refused implements Metrics.
func (p *Prometheus) Refused(route string, status int) {
	p.route(route).refused.add(strconv.Itoa(status), 1)
}

// FrameIn implements Metrics.
func (p *Prometheus) FrameIn(route string, bytes int) {
	r := p.route(route)
	r.framesIn.Add(1)
	r.bytesIn.Add(int64(bytes))
}

// FrameOut implements Metrics.
func (p *Prometheus) FrameOut(route string, bytes int) {
	r := p.route(route)
	r.framesOut.Add(1)
	r.bytesOut.Add(int64(bytes))
}

// Error implements Metrics.
func (p *Prometheus) Error(route, code string) { p.route(route).errors.add(code, 1) }

// Dropped implements Metrics.
func (p *Prometheus) Dropped(route, reason string, frames int) {
	p.route(route).dropped.add(reason, int64(frames))
}

// SlowClient implements Metrics.
func (p *Prometheus) SlowClient(route string) { p.route(route).slow.Add(1) }

// QueueBytes implements Metrics.
func (p *Prometheus) QueueBytes(route string, delta int) { p.route(route).queue.Add(int64(delta)) }

// ServeHTTP writes every series in the text exposition format, series and
// label values sorted so scrapes are stable.
func (p *Prometheus) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = w.Write(p.AppendText(nil))
}

// AppendText appends the exposition of every series to b.
func (p *Prometheus) AppendText(b []byte) []byte {
	var names []string
	p.routes.Range(func(k, _ any) bool {
		names = append(names, k.(string))
		return true
	})
	slices.Sort(names)
	routes := make([]*promRoute, len(names))
	for i, n := range names {
		routes[i] = p.route(n)
	}
	gauge := func(name, help string, get func(r *promRoute) int64) {
		b = appendHeader(b, name, help, "gauge")
		for i, r := range routes {
			b = appendSample(b, name, names[i], "", "", get(r))
		}
	}
	counter := func(name, help string, get func(r *promRoute) int64) {
		b = appendHeader(b, name, help, "counter")
		for i, r := range routes {
			b = appendSample(b, name, names[i], "", "", get(r))
		}
	}
	family := func(name, help, label string, get func(r *promRoute) *labeled) {
		b = appendHeader(b, name, help, "counter")
		for i, r := range routes {
			keys, vals := get(r).sorted()
			for j, k := range keys {
				b = appendSample(b, name, names[i], label, k, vals[j])
			}
		}
	}
	counter("jsgen_ws_connections_opened_total", "WebSocket connections upgraded.", func(r *promRoute) int64 { return r.opened.Load() })
	family("jsgen_ws_connections_closed_total", "WebSocket connections ended, by close code.", "code", func(r *promRoute) *labeled { return &r.closed })
	gauge("jsgen_ws_connections_open", "WebSocket connections open now.", func(r *promRoute) int64 { return r.open.Load() })
	family("jsgen_ws_upgrades_refused_total", "Upgrades refused before the handshake, by HTTP status.", "status", func(r *promRoute) *labeled { return &r.refused })
	counter("jsgen_ws_frames_in_total", "Inbound data messages.", func(r *promRoute) int64 { return r.framesIn.Load() })
	counter("jsgen_ws_bytes_in_total", "Inbound data message bytes.", func(r *promRoute) int64 { return r.bytesIn.Load() })
	counter("jsgen_ws_frames_out_total", "Outbound data frames written.", func(r *promRoute) int64 { return r.framesOut.Load() })
	counter("jsgen_ws_bytes_out_total", "Outbound data frame bytes written.", func(r *promRoute) int64 { return r.bytesOut.Load() })
	family("jsgen_ws_errors_total", "Errors, by code.", "code", func(r *promRoute) *labeled { return &r.errors })
	family("jsgen_ws_frames_dropped_total", "Queued frames discarded because their connection closed, by reason.", "reason", func(r *promRoute) *labeled { return &r.dropped })
	counter("jsgen_ws_slow_client_disconnects_total", "Connections closed because the client could not keep up.", func(r *promRoute) int64 { return r.slow.Load() })
	gauge("jsgen_ws_queue_bytes", "Outbound bytes queued and not yet written.", func(r *promRoute) int64 { return r.queue.Load() })
	return b
}

func appendHeader(b []byte, name, help, typ string) []byte {
	b = append(b, "# HELP "...)
	b = append(b, name...)
	b = append(b, ' ')
	b = append(b, help...)
	b = append(b, "\n# TYPE "...)
	b = append(b, name...)
	b = append(b, ' ')
	b = append(b, typ...)
	return append(b, '\n')
}

func appendSample(b []byte, name, route, label, value string, v int64) []byte {
	b = append(b, name...)
	b = append(b, `{route="`...)
	b = appendLabelValue(b, route)
	b = append(b, '"')
	if label != "" {
		b = append(b, ',')
		b = append(b, label...)
		b = append(b, `="`...)
		b = appendLabelValue(b, value)
		b = append(b, '"')
	}
	b = append(b, "} "...)
	b = strconv.AppendInt(b, v, 10)
	return append(b, '\n')
}

// appendLabelValue escapes backslash, double quote and newline as the
// exposition format requires.
func appendLabelValue(b []byte, s string) []byte {
	if !strings.ContainsAny(s, "\\\"\n") {
		return append(b, s...)
	}
	var buf bytes.Buffer
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			buf.WriteString(`\\`)
		case '"':
			buf.WriteString(`\"`)
		case '\n':
			buf.WriteString(`\n`)
		default:
			buf.WriteByte(s[i])
		}
	}
	return append(b, buf.Bytes()...)
}
