package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jsgen-dev/jsgen/examples/chat/chatapi"
	"github.com/jsgen-dev/jsgen/runtime/bus"
	"github.com/jsgen-dev/jsgen/runtime/bus/natsbus"
	"github.com/jsgen-dev/jsgen/runtime/bus/redisbus"
	"github.com/jsgen-dev/jsgen/runtime/channel"
	"github.com/jsgen-dev/jsgen/runtime/room/roomsync"
)

// cluster connects a node to the others through a bus: the room and user
// channels are bridged (messages, exclude-sender and message IDs reach every
// node, once), and members and presence are replicated (cluster-wide lists;
// a dead node's entries expire within roomsync's documented bound).
type cluster struct {
	bus    bus.Bus
	owned  bool // the node dialled the bus and closes it
	cancel context.CancelFunc
	links  []*channel.Link
	syncs  []*roomsync.Sync
}

// dialBus connects to the bus named by url.
func dialBus(ctx context.Context, url string) (bus.Bus, error) {
	switch {
	case strings.HasPrefix(url, "nats://"), strings.HasPrefix(url, "tls://"):
		return natsbus.New(ctx, url)
	case strings.HasPrefix(url, "redis://"), strings.HasPrefix(url, "rediss://"):
		return redisbus.New(ctx, url)
	}
	return nil, fmt.Errorf("unknown bus %q: want memory, nats://HOST:PORT or redis://HOST:PORT", url)
}

// joinCluster bridges a's channels and replicates its members and presence
// over b. The links live until close, not until ctx (which only bounds the
// set-up).
func joinCluster(ctx context.Context, a *app, b bus.Bus, owned bool, node string) (*cluster, error) {
	life, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c := &cluster{bus: b, owned: owned, cancel: cancel}
	bridge := []channel.BridgeOption{channel.BridgeNodeID(node), channel.BridgeLogger(a.log)}
	rooms, err := chatapi.BridgeRoomChannels(life, a.rooms, b, bridge...)
	if err != nil {
		c.close()
		return nil, fmt.Errorf("bridge room channels: %w", err)
	}
	c.links = append(c.links, rooms)
	users, err := chatapi.BridgeUserChannels(life, a.users, b, bridge...)
	if err != nil {
		c.close()
		return nil, fmt.Errorf("bridge user channels: %w", err)
	}
	c.links = append(c.links, users)
	for _, rep := range []struct {
		prefix string
		r      roomsync.Replica
	}{{"jsgen.chat.members", a.members}, {"jsgen.chat.presence", a.presence}} {
		s, err := roomsync.Start(life, b, rep.prefix, rep.r, roomsync.Options{Logger: a.log})
		if err != nil {
			c.close()
			return nil, fmt.Errorf("replicate %s: %w", rep.prefix, err)
		}
		c.syncs = append(c.syncs, s)
	}
	return c, nil
}

func (c *cluster) close() error {
	var errs []error
	for _, s := range c.syncs {
		errs = append(errs, s.Close())
	}
	for _, l := range c.links {
		errs = append(errs, l.Close())
	}
	c.cancel()
	if c.owned {
		errs = append(errs, c.bus.Close())
	}
	return errors.Join(errs...)
}
