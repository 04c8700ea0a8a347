package room

import (
	"fmt"
	"hash/maphash"
	"log/slog"
	"time"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// Default limits (see Limits and PresenceOptions).
const (
	DefaultRoomsPerConn    = 100
	DefaultMembersPerRoom  = 10_000
	DefaultConnsPerMember  = 32
	DefaultMaxIDLength     = 255
	DefaultPresenceTTL     = 60 * time.Second
	DefaultMaxConnsPerUser = 32
	DefaultMaxEntries      = 1 << 20
)

// shardCount is the number of independently locked shards each index is
// split into (a power of two).
const shardCount = 32

// Limits bound what Members accepts from this node's own connections.
// Events applied from other nodes are not refused (their node accepted
// them), so a cluster-wide count can exceed MembersPerRoom by the number
// of concurrent joins on other nodes. Zero fields take the defaults.
type Limits struct {
	// RoomsPerConn is how many rooms one connection may be in at once.
	// Default DefaultRoomsPerConn (100).
	RoomsPerConn int
	// MembersPerRoom is how many distinct users one room may hold.
	// Default DefaultMembersPerRoom (10 000).
	MembersPerRoom int
	// ConnsPerMember is how many connections one user may have in one
	// room. Default DefaultConnsPerMember (32).
	ConnsPerMember int
	// MaxIDLength bounds room, user and connection identifiers, in bytes.
	// Default DefaultMaxIDLength (255, the runtime.Ref default).
	MaxIDLength int
}

func (l Limits) withDefaults() Limits {
	setDefault(&l.RoomsPerConn, DefaultRoomsPerConn)
	setDefault(&l.MembersPerRoom, DefaultMembersPerRoom)
	setDefault(&l.ConnsPerMember, DefaultConnsPerMember)
	setDefault(&l.MaxIDLength, DefaultMaxIDLength)
	return l
}

// MembersOptions configures NewMembers. Zero fields take their defaults.
type MembersOptions struct {
	// NodeID identifies this process in a cluster and is stamped on every
	// entry it owns and every event it produces: the process's one NodeID,
	// also given to ws.WithNodeID and channel.BridgeNodeID. Default
	// jsgenrt.NewNodeID().
	NodeID jsgenrt.NodeID
	// Limits bound rooms per connection, members per room, connections per
	// member and identifier lengths.
	Limits Limits
	// Clock supplies join and leave times. Default SystemClock.
	Clock Clock
	// Logger receives callback panics. Default slog.Default().
	Logger *slog.Logger
}

// PresenceOptions configures NewPresence. Zero fields take their defaults.
type PresenceOptions struct {
	// NodeID: see MembersOptions.NodeID.
	NodeID jsgenrt.NodeID
	// TTL is how long a connection's entry lives after its last Set or
	// Heartbeat. Default DefaultPresenceTTL (60 s); heartbeat every TTL/2
	// or more often.
	TTL time.Duration
	// MaxConnsPerUser bounds one user's connection entries. Default
	// DefaultMaxConnsPerUser (32).
	MaxConnsPerUser int
	// MaxEntries bounds the connection entries this node holds (its own
	// and other nodes'). Default DefaultMaxEntries (1 048 576).
	MaxEntries int
	// MaxIDLength bounds user and connection identifiers, in bytes.
	// Default DefaultMaxIDLength (255).
	MaxIDLength int
	// WatchQueue bounds each WatchUser / RoomPresence.Watch subscription's
	// queue; when it is full the oldest change is dropped (presence is
	// state: the newest change matters most). Default 64.
	WatchQueue int
	// Clock supplies times and the expiry timer. Default SystemClock.
	Clock Clock
	// Logger receives callback panics. Default slog.Default().
	Logger *slog.Logger
}

// common is the configuration shared by both services.
type common struct {
	node  string
	epoch uint64
	clock Clock
	log   *slog.Logger
	seed  maphash.Seed
}

func newCommon(id jsgenrt.NodeID, clock Clock, log *slog.Logger, component string) (common, error) {
	if id == "" {
		id = jsgenrt.NewNodeID()
	}
	node := string(id)
	if err := checkNodeID(node); err != nil {
		return common{}, fmt.Errorf("room: %s: %w", component, err)
	}
	if clock == nil {
		clock = SystemClock{}
	}
	if log == nil {
		log = slog.Default()
	}
	epoch := randomUint64()
	for epoch == 0 {
		epoch = randomUint64()
	}
	return common{
		node:  node,
		epoch: epoch,
		clock: clock,
		log:   log.With("component", component, "node", node),
		seed:  maphash.MakeSeed(),
	}, nil
}

func (c *common) shard(key string) int {
	return int(maphash.String(c.seed, key) & (shardCount - 1))
}

func setDefault[T int | time.Duration](p *T, def T) {
	if *p <= 0 {
		*p = def
	}
}
