package room

import (
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

const (
	benchMembers = 100_000
	benchRooms   = 1_000
)

// benchIDs pre-builds identifiers so that building them is not measured
// (applications hold them in refs already).
type benchIDs struct {
	rooms []string
	users []string
	conns []string
}

func newBenchIDs(n int, prefix string) benchIDs {
	ids := benchIDs{rooms: make([]string, benchRooms), users: make([]string, n), conns: make([]string, n)}
	for i := range ids.rooms {
		ids.rooms[i] = "room" + strconv.Itoa(i)
	}
	for i := range n {
		ids.users[i] = prefix + "user" + strconv.Itoa(i)
		ids.conns[i] = prefix + "n1-" + strconv.FormatInt(int64(i), 36)
	}
	return ids
}

// populate joins n members, one connection each, spread over benchRooms
// rooms (n/benchRooms per room).
func populate(b testing.TB, m *Members[Room, User], ids benchIDs) {
	for i := range ids.users {
		if _, err := m.Join(roomRef(ids.rooms[i%benchRooms]), userRef(ids.users[i]), ids.conns[i]); err != nil {
			b.Fatal(err)
		}
	}
}

func benchMembersSet(b *testing.B) (*Members[Room, User], benchIDs) {
	m, err := NewMembers[Room, User](WithNodeID("n1"))
	if err != nil {
		b.Fatal(err)
	}
	ids := newBenchIDs(benchMembers, "")
	populate(b, m, ids)
	return m, ids
}

// BenchmarkJoinLeave: one new member joins a room of 100 and leaves again,
// among 100k members in 1k rooms.
func BenchmarkJoinLeave(b *testing.B) {
	m, ids := benchMembersSet(b)
	users := make([]string, 4096)
	conns := make([]string, 4096)
	for i := range users {
		users[i], conns[i] = "extra"+strconv.Itoa(i), "n1_x"+strconv.Itoa(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		h, err := m.Join(roomRef(ids.rooms[i%benchRooms]), userRef(users[i%len(users)]), conns[i%len(conns)])
		if err != nil {
			b.Fatal(err)
		}
		_ = h.Close()
	}
}

// BenchmarkJoin: members join (then leave untimed) on top of 100k.
func BenchmarkJoin(b *testing.B) {
	m, ids := benchMembersSet(b)
	more := newBenchIDs(benchMembers, "x_")
	hs := make([]*Membership[Room, User], 0, benchMembers)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if len(hs) == benchMembers { // keep the set near 100k-200k members
			b.StopTimer()
			for _, h := range hs {
				_ = h.Close()
			}
			hs = hs[:0]
			b.StartTimer()
		}
		j := len(hs)
		h, err := m.Join(roomRef(ids.rooms[j%benchRooms]), userRef(more.users[j]), more.conns[j])
		if err != nil {
			b.Fatal(err)
		}
		hs = append(hs, h)
	}
}

// BenchmarkLeave: members leave (having joined untimed) among 100k.
func BenchmarkLeave(b *testing.B) {
	m, ids := benchMembersSet(b)
	more := newBenchIDs(benchMembers, "x_")
	var hs []*Membership[Room, User]
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if len(hs) == 0 {
			b.StopTimer()
			for j := range 10_000 {
				h, err := m.Join(roomRef(ids.rooms[j%benchRooms]), userRef(more.users[j]), more.conns[j])
				if err != nil {
					b.Fatal(err)
				}
				hs = append(hs, h)
			}
			b.StartTimer()
		}
		_ = hs[len(hs)-1].Close()
		hs = hs[:len(hs)-1]
	}
}

// BenchmarkJoinLeaveParallel: JoinLeave from all Ps at once.
func BenchmarkJoinLeaveParallel(b *testing.B) {
	m, ids := benchMembersSet(b)
	var worker atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := worker.Add(1)
		user := userRef("par" + strconv.FormatInt(w, 10))
		conn := "n1-par" + strconv.FormatInt(w, 10)
		for i := 0; pb.Next(); i++ {
			h, err := m.Join(roomRef(ids.rooms[i%benchRooms]), user, conn)
			if err != nil {
				b.Error(err)
				return
			}
			_ = h.Close()
		}
	})
}

// BenchmarkMembers lists a room of 100 among 100k members.
func BenchmarkMembers(b *testing.B) {
	m, ids := benchMembersSet(b)
	b.Run("alloc", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if got := m.Members(roomRef(ids.rooms[i%benchRooms])); len(got) != benchMembers/benchRooms {
				b.Fatal(len(got))
			}
		}
	})
	b.Run("reuse", func(b *testing.B) {
		b.ReportAllocs()
		var buf []Member[User]
		for i := 0; b.Loop(); i++ {
			buf = m.AppendMembers(buf[:0], roomRef(ids.rooms[i%benchRooms]))
		}
	})
	b.Run("count", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if m.Count(roomRef(ids.rooms[i%benchRooms])) != benchMembers/benchRooms {
				b.Fatal("count")
			}
		}
	})
}

// BenchmarkMemoryPerMember populates 100k members over 1k rooms and
// reports the heap growth per member, the Membership handles the
// application holds included (identifier strings excluded: they are built
// before the first measurement, as an application holds them in refs).
func BenchmarkMemoryPerMember(b *testing.B) {
	for b.Loop() {
		ids := newBenchIDs(benchMembers, "")
		m, err := NewMembers[Room, User](WithNodeID("n1"))
		if err != nil {
			b.Fatal(err)
		}
		hs := make([]*Membership[Room, User], 0, benchMembers)
		before := heapInUse()
		for i := range ids.users {
			h, err := m.Join(roomRef(ids.rooms[i%benchRooms]), userRef(ids.users[i]), ids.conns[i])
			if err != nil {
				b.Fatal(err)
			}
			hs = append(hs, h)
		}
		after := heapInUse()
		b.ReportMetric(float64(after-before)/benchMembers, "B/member")
		runtime.KeepAlive(hs)
		runtime.KeepAlive(m)
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkPresenceSetHeartbeat: Set then Heartbeat on one of 100k entries.
func BenchmarkPresenceSetHeartbeat(b *testing.B) {
	p, err := NewPresence[User](WithNodeID("n1"), WithTTL(time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	ids := newBenchIDs(benchMembers, "")
	for i := range ids.users {
		if err := p.Set(userRef(ids.users[i]), ids.conns[i], StatusOnline); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("heartbeat", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			j := i % benchMembers
			if err := p.Heartbeat(userRef(ids.users[j]), ids.conns[j]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("set", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			j := i % benchMembers
			if err := p.Set(userRef(ids.users[j]), ids.conns[j], Status(1+i%3)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("get", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			j := i % benchMembers
			if _, ok := p.Get(userRef(ids.users[j])); !ok {
				b.Fatal(fmt.Sprint("missing ", j))
			}
		}
	})
}
