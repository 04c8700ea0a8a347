package redisbus

import (
	"context"
	"errors"

	"github.com/jsgen-dev/jsgen/runtime/bus/internal/fanout"
	"github.com/redis/go-redis/v9"
)

// errUnsentAtClose is the loss cause of messages Close could not flush
// within the publish timeout.
var errUnsentAtClose = errors.New("redisbus: closed before the message was sent")

// Publish queues data for subject on every node and returns without
// waiting for Redis. A nil error means the message was accepted into the
// bus's publish queue (Stats.Published): the bus's writer goroutine sends
// it, in publish order with every other message accepted by this Bus,
// batched with them in pipelines. Delivery is at most once: an accepted
// message that cannot be sent (the connection fails first, or Close cannot
// flush it in time) is counted as lost (Stats.Dropped, ConnStats.PublishLost)
// and logged, never retried.
//
// Publish copies data; the caller may reuse it once Publish returns. ctx is
// only checked on entry: Publish never waits. It fails, counting the
// message as lost, with an error wrapping ErrDisconnected while the
// connection is known to be down, and with one wrapping ErrQueueFull when
// the queue is at its bound (WithPublishQueue). After Close it fails with
// bus.ErrClosed.
func (b *Bus) Publish(ctx context.Context, subject string, data []byte) error {
	if err := fanout.CheckPublish(ctx, "redisbus", subject, b.closed.Load); err != nil {
		return err
	}
	if !b.conn.Up() {
		return b.publishFailed(subject, ErrDisconnected)
	}
	if err := b.out.push(subject, data); err != nil {
		return b.publishFailed(subject, err)
	}
	b.conn.Published()
	return nil
}

// publishFailed counts a refused publish as lost and wraps err, or reports
// bus.ErrClosed once the bus is closed.
func (b *Bus) publishFailed(subject string, err error) error {
	return b.conn.PublishLost(subject, err, b.closed.Load)
}

// writeLoop is the bus's only PUBLISH writer. Each time messages are
// queued it takes all of them and sends them in pipelines of up to
// maxBatch, so one round trip carries whatever accumulated during the
// previous one. It returns after its take following Close, having sent or
// counted as lost everything that was accepted.
func (b *Bus) writeLoop() {
	defer close(b.writerDone)
	pipe := b.client.Pipeline()
	var spare batch
	for range b.out.wake {
		cur, last := b.out.take(spare)
		b.flush(pipe, &cur)
		spare = cur.recycle()
		if last {
			return
		}
	}
}

// flush sends every message of cur, pipeline by pipeline, releasing each
// pipeline's messages from the queue's bounds once settled.
func (b *Bus) flush(pipe redis.Pipeliner, cur *batch) {
	for i := 0; i < len(cur.msgs); {
		end, bytes := cur.chunk(i)
		b.send(pipe, cur, cur.msgs[i:end])
		b.out.settle(end-i, bytes)
		i = end
	}
}

// send makes one pipelined round trip with msgs, counting as lost those
// Redis did not acknowledge. While the connection is known to be down, or
// once Close has given up flushing, it counts them all as lost without
// trying.
func (b *Bus) send(pipe redis.Pipeliner, cur *batch, msgs []message) {
	if b.cfg.sendHook != nil {
		b.cfg.sendHook()
	}
	if !b.conn.Up() {
		b.lose(msgs, ErrDisconnected)
		return
	}
	if err := context.Cause(b.sendCtx); err != nil {
		b.lose(msgs, err)
		return
	}
	ctx, cancel := context.WithTimeout(b.sendCtx, b.cfg.publishTimeout)
	defer cancel()
	for _, m := range msgs {
		pipe.Publish(ctx, m.subject, cur.payload(m))
	}
	cmds, _ := pipe.Exec(ctx) // failures are per command
	b.pipelines.Add(1)
	for i, cmd := range cmds {
		if err := cmd.Err(); err != nil {
			b.conn.Loss.Add(msgs[i].subject, err)
		}
	}
}

// lose counts msgs as lost to err (logged rate-limited by b.conn.Loss).
func (b *Bus) lose(msgs []message, err error) {
	for _, m := range msgs {
		b.conn.Loss.Add(m.subject, err)
	}
}
