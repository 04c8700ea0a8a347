package main

import (
	"net/http"
	"testing"

	"github.com/jsgen-dev/jsgen/runtime/bus"
	"github.com/jsgen-dev/jsgen/runtime/bus/bustest"
	"github.com/jsgen-dev/jsgen/runtime/bus/membus"
)

// clusterOf starts n nodes sharing b.
func clusterOf(t *testing.T, b bus.Bus, n int) []*node {
	t.Helper()
	nodes := make([]*node, n)
	for i := range nodes {
		nodes[i] = startNode(t, appConfig{SharedBus: b})
	}
	return nodes
}

// testCluster checks the cluster behaviour of the wire contract on nodes
// that share a bus: rooms, members, exclude-sender, DMs and presence span
// the nodes.
func testCluster(t *testing.T, nodes []*node) {
	a, b := nodes[0], nodes[len(nodes)-1]
	alice := a.dial("/chat/room/ops?username=alice")
	alice.expect("join")
	bob := b.dial("/chat/room/ops?username=bob&echo=false")
	if j := alice.expect("join"); j["username"] != "bob" {
		t.Fatalf("alice on node A saw %v", j)
	}
	// A message from node B reaches node A once; the sender gets "sent".
	bob.send(`{"type":"message","content":"from B"}`)
	if m := alice.expect("message"); m["content"] != "from B" || m["username"] != "bob" {
		t.Fatalf("cross-node message: %v", m)
	}
	bob.expect("sent")
	alice.send(`{"type":"message","content":"from A"}`)
	if m := alice.expect("message"); m["content"] != "from A" {
		t.Fatalf("echo on A: %v", m)
	}
	// Exactly once: the next frame alice sees is bob's next message, not a
	// duplicate of her own.
	bob.send(`{"type":"message","content":"second"}`)
	if m := alice.next(); m["content"] != "second" {
		t.Fatalf("duplicate or stray frame on A: %v", m)
	}
	if m := bob.expect("message"); m["content"] != "from A" {
		t.Fatalf("bob got %v", m)
	}

	// Members agree on every node.
	for _, n := range nodes {
		waitFor(t, func() bool {
			var members []map[string]any
			return n.getJSON("/chat/room/ops/members", &members) == 200 && len(members) == 2
		})
	}

	// DMs reach a user connected to another node; presence is cluster-wide.
	carol := b.dial("/chat/dm?username=carol")
	for _, n := range nodes {
		waitFor(t, func() bool { return n.getJSON("/chat/presence/carol", nil) == http.StatusOK })
	}
	dave := a.dial("/chat/dm?username=dave")
	dave.send(`{"to":"carol","content":"across nodes"}`)
	if m := carol.next(); m["from"] != "dave" || m["content"] != "across nodes" {
		t.Fatalf("cross-node DM: %v", m)
	}
	carol.conn.Close()
	for _, n := range nodes {
		waitFor(t, func() bool { return n.getJSON("/chat/presence/carol", nil) == http.StatusNotFound })
	}

	// A leave on node B is seen on node A, and the member lists shrink.
	bob.conn.Close()
	if m := alice.expect("leave"); m["username"] != "bob" {
		t.Fatalf("leave: %v", m)
	}
	for _, n := range nodes {
		waitFor(t, func() bool {
			var members []map[string]any
			return n.getJSON("/chat/room/ops/members", &members) == 200 && len(members) == 1
		})
	}
}

func TestClusterOnMemoryBus(t *testing.T) {
	b := membus.New()
	t.Cleanup(func() { b.Close() }) // after the nodes' own clean-ups
	nodes := clusterOf(t, b, 3)
	testCluster(t, nodes)
	// Interest routing: the middle node never had a member in any room, so
	// its room bridge received nothing from the bus; the others did.
	roomLink := func(n *node) uint64 { return n.app.cluster.links[0].Stats().Received }
	if got := roomLink(nodes[1]); got != 0 {
		t.Errorf("a node without members received %d room messages from the bus", got)
	}
	if roomLink(nodes[0]) == 0 || roomLink(nodes[2]) == 0 {
		t.Errorf("nodes with members received no room messages: %d, %d", roomLink(nodes[0]), roomLink(nodes[2]))
	}
}

// Three nodes in one process, each with its own listener and its own bus
// connection to a real server.
func TestClusterThreeNodesOnNATS(t *testing.T) {
	url := bustest.StartNATS(t).URL()
	testCluster(t, []*node{startNode(t, appConfig{Bus: url}), startNode(t, appConfig{Bus: url}), startNode(t, appConfig{Bus: url})})
}

func TestClusterThreeNodesOnRedis(t *testing.T) {
	url := bustest.StartRedis(t).URL()
	testCluster(t, []*node{startNode(t, appConfig{Bus: url}), startNode(t, appConfig{Bus: url}), startNode(t, appConfig{Bus: url})})
}

// TestOneNodeIDPerNode: a node gives one ID to its WebSocket server (the
// prefix of its connection IDs), its channel bridges and its room
// services, so a connection ID names the node that owns it everywhere.
func TestOneNodeIDPerNode(t *testing.T) {
	b := membus.New()
	t.Cleanup(func() { b.Close() })
	n := startNode(t, appConfig{SharedBus: b})
	a := n.app
	node := string(a.ws.NodeID())
	for what, id := range map[string]string{
		"members":     a.members.NodeID(),
		"presence":    a.presence.NodeID(),
		"room bridge": a.cluster.links[0].NodeID(),
		"user bridge": a.cluster.links[1].NodeID(),
	} {
		if id != node {
			t.Errorf("%s node ID %q, WebSocket server's %q", what, id, node)
		}
	}
}
