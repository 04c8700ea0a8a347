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
	"github.com/jsgen-dev/jsgen/runtime/room"
	"github.com/jsgen-dev/jsgen/runtime/room/roomsync"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
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
	syncs  []*roomsync.Sync // members first, then presence and sessions
	stop   func()           // stops announcing dead nodes' leaves
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
func joinCluster(ctx context.Context, a *app, b bus.Bus, owned bool, node jsgenrt.NodeID) (*cluster, error) {
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
	}{{"jsgen.chat.members", a.members}, {"jsgen.chat.presence", a.presence}, {"jsgen.chat.sessions", a.sessions.reg}} {
		s, err := roomsync.Start(life, b, rep.prefix, rep.r, roomsync.Options{Logger: a.log})
		if err != nil {
			c.close()
			return nil, fmt.Errorf("replicate %s: %w", rep.prefix, err)
		}
		c.syncs = append(c.syncs, s)
	}
	c.stop = a.members.OnChange(func(ch room.MemberChange[chatapi.Room, chatapi.User]) {
		if ch.Kind == room.MemberLeft && (ch.Reason == room.ReasonNodeDown || ch.Reason == room.ReasonNodeRestart) && c.announcesForDeadNodes(string(node)) {
			a.rooms.Publish(ch.Room, chatapi.LeaveEvent{Username: ch.User, Timestamp: ch.At.UTC()})
		}
	})
	return c, nil
}

// announcesForDeadNodes reports whether this node is the one that publishes
// the leave frames of a dead node's members: the live node with the
// smallest ID, so that each leave is announced once. (Nodes that disagree
// about who is alive for a moment may announce a leave twice; at-most-once
// delivery applies to these frames like to any other.)
func (c *cluster) announcesForDeadNodes(self string) bool {
	for _, p := range c.syncs[0].Peers() {
		if p < self {
			return false
		}
	}
	return true
}

func (c *cluster) close() error {
	if c.stop != nil {
		c.stop()
	}
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
