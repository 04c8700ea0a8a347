package ws

import (
	"context"
	"errors"
	"log/slog"
	"net"
)

// Metrics receives the runtime's events. route is the Route's Pattern.
// Implementations must be safe for concurrent use and cheap: FramesOut and
// QueueBytes run once or twice per delivered frame.
type Metrics interface {
	// ConnOpened: an upgrade succeeded.
	ConnOpened(route string)
	// ConnClosed: a connection ended; code is the close code the server
	// sent (1002 and 1009 included), else the one the client
	// sent, else 1006 (abnormal: the TCP connection just ended).
	ConnClosed(route string, code int)
	// Refused: an upgrade was refused before it happened with HTTP status.
	Refused(route string, status int)
	// FrameIn: one inbound data message of the given size was read.
	FrameIn(route string, bytes int)
	// FrameOut: one outbound data frame of the given size was written.
	FrameOut(route string, bytes int)
	// Error: a failure with the given code (error frames sent to the client
	// and the Err* codes that close a connection).
	Error(route, code string)
	// Dropped: frames queued for a connection were discarded because it
	// closed before they could be written (reason: "slow_client",
	// "shutdown", "closed", "disconnected", ...). Never counted while the
	// connection stays open.
	Dropped(route, reason string, frames int)
	// SlowClient: a connection was disconnected because its outbound queue
	// would have exceeded MaxQueueBytes.
	SlowClient(route string)
	// QueueBytes: bytes queued and not yet written changed by delta.
	QueueBytes(route string, delta int)
}

type nopMetrics struct{}

func (nopMetrics) ConnOpened(string)           {}
func (nopMetrics) ConnClosed(string, int)      {}
func (nopMetrics) Refused(string, int)         {}
func (nopMetrics) FrameIn(string, int)         {}
func (nopMetrics) FrameOut(string, int)        {}
func (nopMetrics) Error(string, string)        {}
func (nopMetrics) Dropped(string, string, int) {}
func (nopMetrics) SlowClient(string)           {}
func (nopMetrics) QueueBytes(string, int)      {}

// connMetrics is a Conn seen as its writer's metrics: it reports the
// writer's events to the Server's Metrics and Logger, labelled with the
// connection's route and ID. (A view of the Conn, not a copy of its
// labels: an idle connection holds nothing extra for it.)
type connMetrics Conn

func (cm *connMetrics) FrameOut(n int)       { cm.srv.opts.Metrics.FrameOut(cm.route, n) }
func (cm *connMetrics) QueueBytes(delta int) { cm.srv.opts.Metrics.QueueBytes(cm.route, delta) }
func (cm *connMetrics) Dropped(reason string, n int) {
	cm.srv.opts.Metrics.Dropped(cm.route, reason, n)
}

// WriteFailed counts a write that timed out on an open connection as a
// slow client; other failures (the peer left) are only logged.
func (cm *connMetrics) WriteFailed(err error, closing bool) {
	m, log := cm.srv.opts.Metrics, cm.srv.opts.Logger
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() && !closing {
		m.Error(cm.route, ErrCodeTimeout)
		m.SlowClient(cm.route)
		logConn(log, cm.id, cm.route, slog.LevelInfo, "client too slow: write deadline passed", slog.Any("err", err))
		return
	}
	logConn(log, cm.id, cm.route, slog.LevelDebug, "write failed", slog.Any("err", err))
}

// logConn writes one record with a connection's ID and route.
func logConn(l *slog.Logger, id, route string, level slog.Level, msg string, attrs ...slog.Attr) {
	ctx := context.Background()
	if !l.Enabled(ctx, level) {
		return
	}
	attrs = append(attrs, slog.String("conn_id", id), slog.String("route", route))
	l.LogAttrs(ctx, level, "ws: "+msg, attrs...)
}
