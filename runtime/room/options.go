package room

import (
	"fmt"
	"hash/maphash"
	"log/slog"
	"time"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// Default limits (see Limits and PresenceLimits).
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

// Option configures both services: NewMembers and NewPresence accept it.
type Option func(*shared)

// MembersOption configures NewMembers: an Option or WithLimits.
type MembersOption interface{ applyMembers(*membersConfig) }

// PresenceOption configures NewPresence: an Option, WithTTL,
// WithPresenceLimits or WithWatchQueue.
type PresenceOption interface{ applyPresence(*presenceConfig) }

func (o Option) applyMembers(c *membersConfig)   { o(&c.shared) }
func (o Option) applyPresence(c *presenceConfig) { o(&c.shared) }

type membersOption func(*membersConfig)

func (o membersOption) applyMembers(c *membersConfig) { o(c) }

type presenceOption func(*presenceConfig)

func (o presenceOption) applyPresence(c *presenceConfig) { o(c) }

// WithNodeID sets the ID that identifies this process in a cluster,
// stamped on every entry the service owns and every event it produces:
// the process's one NodeID, also given to ws.WithNodeID and
// channel.BridgeNodeID. Default jsgenrt.NewNodeID(); the service refuses
// an invalid one.
func WithNodeID(id jsgenrt.NodeID) Option { return func(c *shared) { c.NodeID = id } }

// WithClock sets the clock that supplies join, leave and presence times
// and the presence expiry timer. Default SystemClock.
func WithClock(clock Clock) Option { return func(c *shared) { c.Clock = clock } }

// WithLogger sets the logger for callback panics. Default slog.Default().
func WithLogger(l *slog.Logger) Option { return func(c *shared) { c.Logger = l } }

// WithLimits bounds what Members accepts from this node's connections
// (see Limits; zero fields take their defaults).
func WithLimits(l Limits) MembersOption {
	return membersOption(func(c *membersConfig) { c.Limits = l })
}

// PresenceLimits bound what Presence holds. Zero fields take the defaults.
type PresenceLimits struct {
	// MaxConnsPerUser bounds one user's connection entries. Default
	// DefaultMaxConnsPerUser (32).
	MaxConnsPerUser int
	// MaxEntries bounds the connection entries this node holds (its own
	// and other nodes'). Default DefaultMaxEntries (1 048 576).
	MaxEntries int
	// MaxIDLength bounds user and connection identifiers, in bytes.
	// Default DefaultMaxIDLength (255).
	MaxIDLength int
}

// WithPresenceLimits bounds what Presence holds (see PresenceLimits).
func WithPresenceLimits(l PresenceLimits) PresenceOption {
	return presenceOption(func(c *presenceConfig) {
		c.MaxConnsPerUser, c.MaxEntries, c.MaxIDLength = l.MaxConnsPerUser, l.MaxEntries, l.MaxIDLength
	})
}

// WithTTL sets how long a connection's presence entry lives after its last
// Set or Heartbeat. Default DefaultPresenceTTL (60 s); heartbeat every
// TTL/2 or more often.
func WithTTL(ttl time.Duration) PresenceOption {
	return presenceOption(func(c *presenceConfig) { c.TTL = ttl })
}

// WithWatchQueue bounds each WatchUser / RoomPresence.Watch subscription's
// queue; when it is full the oldest change is dropped (presence is state:
// the newest change matters most). Default 64.
func WithWatchQueue(n int) PresenceOption {
	return presenceOption(func(c *presenceConfig) { c.WatchQueue = n })
}

// shared is what both services are configured with. Zero fields take
// their defaults.
type shared struct {
	NodeID jsgenrt.NodeID
	Clock  Clock
	Logger *slog.Logger
}

// membersConfig is what NewMembers is configured with.
type membersConfig struct {
	shared
	Limits Limits
}

// presenceConfig is what NewPresence is configured with.
type presenceConfig struct {
	shared
	TTL             time.Duration
	MaxConnsPerUser int
	MaxEntries      int
	MaxIDLength     int
	WatchQueue      int
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
