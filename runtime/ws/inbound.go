package ws

import (
	"context"
	"fmt"
	"iter"
	"log/slog"
	"runtime/debug"
	"time"
	"unicode/utf8"
)

// tokenBucket is the per-connection inbound rate limit. Only melody's read
// goroutine for the connection touches it, so it needs no lock.
type tokenBucket struct {
	rate   float64 // tokens per second; < 0: unlimited
	burst  float64
	tokens float64
	last   time.Time
}

func (b *tokenBucket) init(rate float64, burst int) {
	b.rate, b.burst, b.tokens = rate, float64(burst), float64(burst)
}

// allow takes a token if one is available at now.
func (b *tokenBucket) allow(now time.Time) bool {
	if b.rate < 0 {
		return true
	}
	if !b.last.IsZero() {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// deliverer decodes a route's inbound messages and hands them to its
// handler.
type deliverer interface {
	// deliver decodes data (valid UTF-8, within the read limit) and queues
	// it for the handler, or answers with an error frame.
	deliver(c *Conn, data []byte)
}

// inbox is a route's decoder plus the bounded queue between melody's read
// goroutine and the handler.
// answerInvalid answers an inbound frame that did not decode with an
// error frame (counted); the connection stays open.
func (c *Conn) answerInvalid(err error) {
	frame, code := errorFrameFor(err)
	c.srv.opts.Metrics.Error(c.route, code)
	_ = c.SendBytes(frame)
}

type inbox[In any] struct {
	decode func([]byte) (In, error)
	ch     chan In
}

func (b *inbox[In]) deliver(c *Conn, data []byte) {
	msg, err := b.decode(data)
	if err != nil {
		c.answerInvalid(err)
		return
	}
	select {
	case b.ch <- msg:
		return
	default:
	}
	t := time.NewTimer(c.srv.opts.InboundWait)
	defer t.Stop()
	select {
	case b.ch <- msg:
	case <-c.ctx.Done():
	case <-t.C:
		c.srv.opts.Metrics.Error(c.route, ErrCodeInboxFull)
		c.srv.log(c, slog.LevelWarn, "handler is not consuming messages; closing", slog.Duration("waited", c.srv.opts.InboundWait))
		c.closeWith(closeReq{code: CloseTryAgainLater, reason: "server busy: messages not consumed", mode: flushQueue, cause: ErrCodeInboxFull})
	}
}

// seq is the handler's view of the inbox: it yields decoded messages in
// arrival order until the connection's context is done.
func (b *inbox[In]) seq(ctx context.Context) iter.Seq[In] {
	return func(yield func(In) bool) {
		for ctx.Err() == nil {
			select {
			case msg := <-b.ch:
				if !yield(msg) {
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}
}

// onMessage handles one inbound data message on melody's read goroutine:
// rate limit, binary refusal, UTF-8 check, then the route's decoder.
func (c *Conn) onMessage(binary bool, data []byte) {
	if c.closing.Load() {
		c.ignore(len(data)) // closing: whatever the client still sends is discarded
		return
	}
	m := c.srv.opts.Metrics
	m.FrameIn(c.route, len(data))
	if !c.limiter.allow(time.Now()) {
		m.Error(c.route, CodeRateLimited)
		_ = c.SendBytes(AppendErrorFrame(nil, CodeRateLimited, "too many messages", nil))
		c.closeWith(closeReq{code: ClosePolicy, reason: "rate limit exceeded", mode: flushQueue, cause: CodeRateLimited})
		return
	}
	if binary {
		m.Error(c.route, CodeBinaryNotSupported)
		_ = c.SendBytes(AppendErrorFrame(nil, CodeBinaryNotSupported, "binary frames are not supported; send JSON text", nil))
		return
	}
	if !utf8.Valid(data) {
		m.Error(c.route, ErrCodeInvalidUTF8)
		c.closeWith(closeReq{code: CloseInvalidPayload, reason: "invalid UTF-8", mode: flushQueue, cause: ErrCodeInvalidUTF8})
		return
	}
	c.deliverSafely(data)
}

// deliverSafely runs the route's decoder, turning a panic (a decoder bug)
// into close 1011 for this connection only.
func (c *Conn) deliverSafely(data []byte) {
	defer func() {
		if r := recover(); r != nil {
			c.srv.opts.Metrics.Error(c.route, ErrCodeDecoderPanic)
			c.srv.log(c, slog.LevelError, "decoder panicked", slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
			c.closeWith(closeReq{code: CloseInternal, reason: "internal error", mode: flushQueue, cause: ErrCodeDecoderPanic})
		}
	}()
	c.in.deliver(c, data)
}

// runHandler runs the route's handler on its own goroutine and closes the
// connection when it returns: 1000 after flushing on nil, 1011 on an error
// or a panic (logged with the connection ID, counted). An error returned
// after the connection had already started closing is its consequence,
// not a failure, and is only logged at debug level.
//
// Its frame and callHandler's stay under the handler for the connection's
// lifetime, so they are kept small (see Server.session).
func (c *Conn) runHandler(run func(ctx context.Context, c *Conn) error) {
	c.handlerReturned(c.callHandler(run))
	c.srv.wg.Done()
}

// handlerReturned closes the connection as the handler's result says.
//
//go:noinline
func (c *Conn) handlerReturned(err error) {
	switch {
	case err == errOpened:
		// A callback route's Open succeeded: the connection stays open and
		// its callbacks run without this goroutine (see CallbackRoute).
	case err == nil:
		c.closeWith(closeReq{code: CloseNormal, mode: flushQueue, cause: "closed"})
	case c.ctx.Err() != nil && !isPanic(err):
		c.srv.log(c, slog.LevelDebug, "handler returned after the connection closed", slog.Any("err", err))
	default:
		code := ErrCodeHandlerError
		if isPanic(err) {
			code = ErrCodeHandlerPanic
		}
		c.srv.opts.Metrics.Error(c.route, code)
		c.srv.log(c, slog.LevelError, "handler failed", slog.String("code", code), slog.Any("err", err))
		c.closeWith(closeReq{code: CloseInternal, reason: "internal error", mode: flushQueue, cause: code})
	}
}

// panicError carries a recovered handler panic and its stack.
type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string {
	return fmt.Sprintf("ws: handler panicked: %v\n%s", p.value, p.stack)
}

func isPanic(err error) bool {
	_, ok := err.(*panicError)
	return ok
}

func (c *Conn) callHandler(run func(ctx context.Context, c *Conn) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{value: r, stack: debug.Stack()}
		}
	}()
	return run(c.ctx, c)
}
