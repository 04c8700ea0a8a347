package ws

import (
	"context"
	"errors"
	"fmt"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/runtime/channel"
)

// Subscribe subscribes c to ref's key on ch, with c's ID as the
// subscriber ID (exclude-sender), and sends every delivery to c from the
// publisher's goroutine (channel.Channels.SubscribeFunc): each frame is
// the delivery's shared encoding, and no goroutine or queue is spent on
// the subscription. It is Forward without the goroutine, and what a
// handler that only relays a channel to its connection should use:
//
//	sub := ws.Subscribe(rooms, roomID, c)
//	defer sub.Close()
//
// The subscription ends when its owner closes it, when the Channels is
// closed (channel.ErrChannelsClosed), and when c closes or its queue
// overflows (Err then wraps ErrClosed or ErrSlowClient; c is closing with
// 1013 in the latter case). Close it before leaving any broadcast room
// (room.Members), so that the connection does not receive its own leave
// announcement.
func Subscribe[K, M any](ch *channel.Channels[K, M], ref jsgenrt.Ref[K], c *Conn) *channel.Subscription[M] {
	sub := ch.SubscribeFunc(ref, channel.SubscribeOptions{ID: c.ID()}, func(d *channel.Delivery[M]) error {
		b, err := d.Encode()
		if err != nil {
			return fmt.Errorf("ws: subscribe %q for %s: %w", d.Key(), c.ID(), err)
		}
		if err := c.SendBytes(b); err != nil {
			return fmt.Errorf("ws: subscribe %q for %s: %w", d.Key(), c.ID(), err)
		}
		return nil
	})
	c.afterDone(func() { _ = sub.Close() })
	return sub
}

// Forward sends every delivery of sub to c, in order, until either side
// ends; run it beside the loop that reads the client's frames when the
// handler needs its own goroutine per subscription (Subscribe needs none).
// Each
// frame is the delivery's shared encoding (Delivery.Encode: encoded once
// per publish however many connections forward it, never per recipient).
// A delivery whose Except equals c.ID() is skipped (exclude-sender, also
// for subscriptions made without SubscribeOptions.ID).
//
// It returns nil when ctx is done, when c closes, or when sub was closed by
// its owner (channel.ErrClosed). It returns an error wrapping the reason
// when sub ended otherwise (channel.ErrOverflow, channel.ErrChannelsClosed),
// wrapping ErrSlowClient when c's queue overflowed (c is then closing with
// 1013), or when a delivery could not be encoded.
//
// Forward does not close sub: its owner does, then leaves any broadcast
// room, in that order (as for Subscribe):
//
//	sub := Rooms.SubscribeWith(room, channel.SubscribeOptions{ID: c.ID()})
//	defer sub.Close()
//	return ws.Forward(ctx, c, sub)
func Forward[M any](ctx context.Context, c *Conn, sub *channel.Subscription[M]) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(c.Context(), cancel)
	defer stop()
	id := c.ID()
	for {
		d, err := sub.Next(ctx)
		switch {
		case err == nil:
		case ctx.Err() != nil, errors.Is(err, channel.ErrClosed):
			return nil
		default:
			return fmt.Errorf("ws: forward %q to %s: %w", sub.Key(), id, err)
		}
		if d.Except() != "" && d.Except() == id {
			continue
		}
		b, err := d.Encode()
		if err != nil {
			return fmt.Errorf("ws: forward %q to %s: %w", sub.Key(), id, err)
		}
		switch err := c.SendBytes(b); {
		case err == nil:
		case errors.Is(err, ErrClosed):
			return nil
		default:
			return fmt.Errorf("ws: forward %q to %s: %w", sub.Key(), id, err)
		}
	}
}
