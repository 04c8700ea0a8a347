package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// config is one run's profile.
type config struct {
	Profile string
	Peers   []string // B1–B3 peers, in interleaving order
	Cases   map[string]bool
	Rounds  int

	Topo   topology // B1/B2
	Window int64    // B1: deliveries in flight at most
	Warm   time.Duration
	B1Dur  time.Duration
	B2Dur  time.Duration
	B2Rate float64 // deliveries/s
	// B2c: the latency curve, every peer at these fixed rates
	// (deliveries/s, ascending), each for B2cDur, after B2.
	B2cRates []float64
	B2cDur   time.Duration

	B3Conns, B3RoomSize int
	B3Peers             []string // B3 runs these of Peers (nil: all)

	B4Members []int
	B4Time    time.Duration

	B5Rounds int
	B5Buses  []string // of single, nats, redis
	B5Rate   float64  // deliveries/s of the latency phase
	B5Dur    time.Duration
	B5LatDur time.Duration

	PprofDir string // save a CPU profile of each jsgen B1 window here

	// ServerProcs, when above 0, is every server's GOMAXPROCS (servers
	// only: the load generator keeps its own).
	ServerProcs int
}

// profiles: quick (≈ 40 s) for CI and a first look, full (≈ 5 min).
func profile(quick bool) config {
	c := config{
		Profile:    "full",
		Peers:      []string{"jsgen", "melody-filter", "melody-index", "centrifuge"},
		Cases:      map[string]bool{"B1": true, "B2": true, "B2C": true, "B3": true, "B4": true, "B5": true},
		Rounds:     3,
		Topo:       topology{rooms: 100, members: 50, nodes: 1},
		Warm:       500 * time.Millisecond,
		B1Dur:      2500 * time.Millisecond,
		B2Dur:      1500 * time.Millisecond,
		B2Rate:     20000,
		B2cRates:   []float64{10000, 20000, 40000, 60000, 80000, 100000, 150000, 200000},
		B2cDur:     1500 * time.Millisecond,
		B3Conns:    10000,
		B3RoomSize: 10,
		B4Members:  []int{1, 100, 1000},
		B4Time:     time.Second,
		B5Rounds:   2,
		B5Rate:     10000,
		B5Dur:      2 * time.Second,
		B5LatDur:   1500 * time.Millisecond,
	}
	c.Window = 20 * int64(c.Topo.size())
	if quick {
		c.Profile = "quick"
		c.Rounds = 1
		c.Warm = 300 * time.Millisecond
		c.B2Dur = time.Second
		c.B1Dur = time.Second
		c.B3Conns = 2000
		c.B3Peers = []string{"jsgen", "melody-filter"}
		c.B4Time = 200 * time.Millisecond
		c.B2cRates = []float64{20000, 100000, 200000}
		c.B2cDur = 500 * time.Millisecond
		c.Cases["B5"] = false
	}
	return c
}

// harness is one run: its configuration, children and output.
type harness struct {
	cfg     config
	ps      *procs
	self    string // this binary, re-executed with -serve
	chatBin string // the jsgen chat example, built with the debug overlay
	out     io.Writer
}

func protoOf(peer string) protocol {
	switch {
	case peer == "jsgen":
		return protoJsgen
	case strings.HasPrefix(peer, "melody"):
		return protoMelody
	}
	return protoCentrifuge
}

// startServer starts peer in a child process; bus is the chat example's
// -bus argument ("" for a single node).
func (h *harness) startServer(ctx context.Context, peer, bus string) (*proc, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	debug, err := freeAddr()
	if err != nil {
		return nil, err
	}
	env := h.serverEnv(benchDebugEnv + "=" + debug)
	if peer == "jsgen" {
		args := []string{"-addr", addr, "-session-key", benchSessionKey}
		if bus != "" {
			args = append(args, "-bus", bus)
		}
		return h.ps.start(ctx, peer, h.chatBin, args, env, addr, debug)
	}
	return h.ps.start(ctx, peer, h.self, []string{"-serve", peer, "-addr", addr}, env, addr, debug)
}

// serverEnv returns the environment added to a server's: extra, and
// GOMAXPROCS when ServerProcs is set.
func (h *harness) serverEnv(extra ...string) []string {
	if h.cfg.ServerProcs > 0 {
		extra = append(extra, fmt.Sprintf("GOMAXPROCS=%d", h.cfg.ServerProcs))
	}
	return extra
}

// roundResult is one peer's B1 and B2 measurements in one round.
type roundResult struct {
	B1      closedResult
	B2      latencies
	B2Pub   int64
	B2Reach float64
	B2Lag   time.Duration // the load generator's largest publish delay
	// B2 for jsgen also at half of the round's B1 rate (0 when not run).
	HalfRate  float64
	Half      latencies
	Curve     []ratePoint // B2c: at B2cRates, up to where the peer gave up
	ErrFrames int64
	Ended     int64         // connections the server closed during the round
	EndErr    string        // the first reason
	Setup     time.Duration // server start + connecting every member
}

// runB12 starts peer, connects the B1 topology, runs the closed loop (B1)
// and then the fixed-rate phase (B2) on the same connections.
func (h *harness) runB12(ctx context.Context, peer string, round int) (roundResult, error) {
	var rr roundResult
	t0 := time.Now()
	p, err := h.startServer(ctx, peer, "")
	if err != nil {
		return rr, err
	}
	defer h.ps.stop(p)
	f, err := connectFleet(ctx, protoOf(peer), h.cfg.Topo, []string{p.addr})
	if err != nil {
		return rr, fmt.Errorf("%s: %w", peer, err)
	}
	rr.Setup = time.Since(t0)
	defer f.close()
	defer h.ps.stop(p) // the server goes first, so its side of the sockets ends first
	pubs := f.publishers(false)
	if h.cfg.Cases["B1"] {
		if peer == "jsgen" && h.cfg.PprofDir != "" {
			go h.saveProfile(ctx, p, h.cfg.Warm, h.cfg.B1Dur, fmt.Sprintf("jsgen-b1-r%d.pprof", round))
		}
		if rr.B1, err = f.closedLoop(ctx, pubs, h.cfg.Warm, h.cfg.B1Dur, h.cfg.Window, probe{server: p.sample}); err != nil {
			return rr, fmt.Errorf("%s B1: %w", peer, err)
		}
	}
	if h.cfg.Cases["B2"] {
		sleepCtx(ctx, 200*time.Millisecond)
		before := f.delivered.Load()
		rate := h.cfg.B2Rate / float64(h.cfg.Topo.members)
		if rr.B2Pub, rr.B2Lag, err = f.openLoop(ctx, pubs, rate, h.cfg.B2Dur); err != nil {
			return rr, fmt.Errorf("%s B2: %w", peer, err)
		}
		rr.B2 = f.hist[0].summary()
		if exp := rr.B2Pub * int64(h.cfg.Topo.members); exp > 0 {
			rr.B2Reach = float64(f.delivered.Load()-before) / float64(exp)
		}
		if peer == "jsgen" && rr.B1.Delivered > 0 {
			rr.HalfRate = rr.B1.rate() / 2
			sleepCtx(ctx, 200*time.Millisecond)
			if _, _, err = f.openLoop(ctx, pubs, rr.HalfRate/float64(h.cfg.Topo.members), h.cfg.B2Dur); err != nil {
				return rr, fmt.Errorf("%s B2 at half its maximum: %w", peer, err)
			}
			rr.Half = f.hist[0].summary()
		}
	}
	if h.cfg.Cases["B2C"] {
		if rr.Curve, err = h.runCurve(ctx, f, p, pubs); err != nil {
			return rr, fmt.Errorf("%s B2c: %w", peer, err)
		}
	}
	rr.ErrFrames = f.errFrames.Load()
	if rr.Ended = f.ended.Load(); rr.Ended > 0 {
		if err := f.lastErr.get(); err != nil {
			rr.EndErr = err.Error()
		}
	}
	if !p.alive() {
		return rr, fmt.Errorf("%s exited during the round; log %s", peer, p.logPath)
	}
	return rr, nil
}

// saveProfile fetches a CPU profile of p covering [after, after+dur).
func (h *harness) saveProfile(ctx context.Context, p *proc, after, dur time.Duration, name string) {
	if !sleepCtx(ctx, after) {
		return
	}
	secs := max(1, int(dur/time.Second))
	b, err := httpGet(ctx, fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", p.debug, secs))
	if err != nil {
		fmt.Fprintf(h.out, "  (pprof of %s failed: %v)\n", p.name, err)
		return
	}
	path := filepath.Join(h.cfg.PprofDir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		fmt.Fprintf(h.out, "  (pprof of %s not saved: %v)\n", p.name, err)
	}
}

// saveDebug saves one debug endpoint's response in PprofDir.
func (h *harness) saveDebug(ctx context.Context, p *proc, path, name string) {
	b, err := httpGet(ctx, "http://"+p.debug+path)
	if err == nil {
		err = os.WriteFile(filepath.Join(h.cfg.PprofDir, name), b, 0o644)
	}
	if err != nil {
		fmt.Fprintf(h.out, "  (%s of %s not saved: %v)\n", path, p.name, err)
	}
}

// idleResult is B3 for one peer.
type idleResult struct {
	Conns                int
	RSSPerConn           float64 // bytes
	HeapPerConn          float64
	StackPerConn         float64
	GoroutinesPerConn    float64
	RSSBefore, RSSAfter  int64
	GoroutinesBeforeConn int
}

// runB3 measures peer's memory per idle connection: forced GC and RSS
// before and after connecting B3Conns members (rooms of B3RoomSize) that
// then stay idle.
func (h *harness) runB3(ctx context.Context, peer string) (idleResult, error) {
	r := idleResult{Conns: h.cfg.B3Conns}
	p, err := h.startServer(ctx, peer, "")
	if err != nil {
		return r, err
	}
	defer h.ps.stop(p)
	s0, err := p.gc(ctx)
	if err != nil {
		return r, err
	}
	if r.RSSBefore, err = p.rss(); err != nil {
		return r, err
	}
	topo := topology{rooms: h.cfg.B3Conns / h.cfg.B3RoomSize, members: h.cfg.B3RoomSize, nodes: 1}
	f, err := connectFleet(ctx, protoOf(peer), topo, []string{p.addr})
	if err != nil {
		return r, fmt.Errorf("%s: %w", peer, err)
	}
	defer f.close()
	defer h.ps.stop(p)
	sleepCtx(ctx, time.Second) // idle
	s1, err := p.gc(ctx)
	if err == nil && peer == "jsgen" && h.cfg.PprofDir != "" {
		h.saveDebug(ctx, p, "/debug/pprof/goroutine?debug=1", "jsgen-b3-goroutines.txt")
		h.saveDebug(ctx, p, "/debug/pprof/heap", "jsgen-b3-heap.pprof")
	}
	if err != nil {
		return r, err
	}
	if r.RSSAfter, err = p.rss(); err != nil {
		return r, err
	}
	n := float64(topo.size())
	r.Conns = topo.size()
	r.RSSPerConn = float64(r.RSSAfter-r.RSSBefore) / n
	r.HeapPerConn = (float64(s1.HeapInuse) - float64(s0.HeapInuse)) / n
	r.StackPerConn = (float64(s1.StackInuse) - float64(s0.StackInuse)) / n
	r.GoroutinesPerConn = float64(s1.Goroutines-s0.Goroutines) / n
	r.GoroutinesBeforeConn = s0.Goroutines
	return r, nil
}

// b5Result is one B5 configuration in one round.
type b5Result struct {
	B1            closedResult
	Local, Remote latencies
	Lag           time.Duration // the load generator's largest publish delay
	BusCPU        time.Duration
}

// runB5 runs the chat example as one node (bus "") or two nodes joined by
// bus ("nats" or "redis"). Members of every room are split over the nodes
// and the first half of every room's members (node 0's) publish: B1's
// closed loop, then a fixed-rate phase whose latencies are split by the
// recipient's node.
func (h *harness) runB5(ctx context.Context, bus string) (b5Result, error) {
	var r b5Result
	busProc, busURL, busCount, err := h.startBus(ctx, bus)
	if err != nil {
		return r, err
	}
	defer h.ps.stop(busProc)
	nodes := 1
	if bus != "" {
		nodes = 2
	}
	var servers []*proc
	var addrs []string
	for range nodes {
		p, err := h.startServer(ctx, "jsgen", busURL)
		if err != nil {
			return r, err
		}
		defer h.ps.stop(p)
		servers = append(servers, p)
		addrs = append(addrs, p.addr)
	}
	topo := h.cfg.Topo
	topo.nodes = nodes
	f, err := connectFleet(ctx, protoJsgen, topo, addrs)
	if err != nil {
		return r, fmt.Errorf("B5 %s: %w", busName(bus), err)
	}
	defer f.close()
	for _, p := range servers {
		defer h.ps.stop(p) // the servers go first, then the clients
	}
	sleepCtx(ctx, 300*time.Millisecond) // let bus subscriptions settle
	var busCPU0 time.Duration
	if busProc != nil {
		busCPU0, _ = busProc.cpu()
	}
	pubs := f.publishers(true)
	if r.B1, err = f.closedLoop(ctx, pubs, h.cfg.Warm, h.cfg.B5Dur, h.cfg.Window, probe{server: sumSamples(servers), busN: busCount}); err != nil {
		return r, fmt.Errorf("B5 %s: %w", busName(bus), err)
	}
	if busProc != nil {
		c, _ := busProc.cpu()
		r.BusCPU = c - busCPU0
	}
	sleepCtx(ctx, 200*time.Millisecond)
	if _, r.Lag, err = f.openLoop(ctx, pubs, h.cfg.B5Rate/float64(topo.members), h.cfg.B5LatDur); err != nil {
		return r, fmt.Errorf("B5 %s latency: %w", busName(bus), err)
	}
	r.Local, r.Remote = f.hist[0].summary(), f.hist[1].summary()
	return r, nil
}

// startBus starts the bus server of a B5 setup ("" for none) and returns
// it, the chat example's -bus URL, and a counter of the messages it
// received (nil when it cannot be read).
func (h *harness) startBus(ctx context.Context, bus string) (p *proc, url string, count func() (int64, error), err error) {
	if bus == "" {
		return nil, "", nil, nil
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, "", nil, err
	}
	switch bus {
	case "nats":
		mon, err := freeAddr()
		if err != nil {
			return nil, "", nil, err
		}
		if p, err = h.ps.start(ctx, "nats", h.self, []string{"-serve", "nats", "-addr", addr, "-monitor", mon}, h.serverEnv(), addr, mon); err != nil {
			return nil, "", nil, err
		}
		return p, "nats://" + addr, func() (int64, error) { return natsInMsgs(ctx, mon) }, nil
	case "redis":
		_, port, _ := splitHostPort(addr)
		args := []string{"--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"}
		if p, err = h.ps.start(ctx, "redis", "redis-server", args, nil, addr, ""); err != nil {
			return nil, "", nil, err
		}
		return p, "redis://" + addr, nil, nil
	}
	return nil, "", nil, fmt.Errorf("unknown bus %q", bus)
}

// sumSamples reads the servers' counters and adds them up.
func sumSamples(servers []*proc) func() (sample, error) {
	return func() (sample, error) {
		var total sample
		for _, p := range servers {
			s, err := p.sample()
			if err != nil {
				return total, err
			}
			total.CPU += s.CPU
			total.Writes += s.Writes
		}
		return total, nil
	}
}

func busName(bus string) string {
	if bus == "" {
		return "single"
	}
	return bus
}

// natsInMsgs reads the NATS server's in_msgs counter from /varz.
func natsInMsgs(ctx context.Context, monitor string) (int64, error) {
	b, err := httpGet(ctx, "http://"+monitor+"/varz")
	if err != nil {
		return 0, err
	}
	var v struct {
		InMsgs int64 `json:"in_msgs"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return 0, err
	}
	return v.InMsgs, nil
}

// redisAvailable reports whether redis-server is on PATH.
func redisAvailable() bool {
	_, err := exec.LookPath("redis-server")
	return err == nil
}

// results is everything a run measured.
type results struct {
	Rounds map[string][]roundResult // peer → rounds
	Idle   map[string]idleResult
	Allocs []allocResult
	B5     map[string][]b5Result // single/nats/redis → rounds
	Notes  []string
}

// run executes the configured cases, interleaving peers round by round.
func (h *harness) run(ctx context.Context) (*results, error) {
	res := &results{Rounds: map[string][]roundResult{}, Idle: map[string]idleResult{}, B5: map[string][]b5Result{}}
	steps := []struct {
		on  bool
		run func(context.Context, *results) error
	}{
		{h.cfg.Cases["B1"] || h.cfg.Cases["B2"] || h.cfg.Cases["B2C"], h.runRounds},
		{h.cfg.Cases["B3"], h.runIdle},
		{h.cfg.Cases["B4"], h.runB4},
		{h.cfg.Cases["B5"], h.runB5Rounds},
	}
	for _, s := range steps {
		if !s.on {
			continue
		}
		if err := s.run(ctx, res); err != nil {
			return res, err
		}
	}
	return res, nil
}

// runRounds runs B1 and B2 for every peer, round after round.
func (h *harness) runRounds(ctx context.Context, res *results) error {
	for round := 1; round <= h.cfg.Rounds; round++ {
		for _, peer := range h.cfg.Peers {
			rr, err := h.runB12(ctx, peer, round)
			if err != nil {
				return err
			}
			res.Rounds[peer] = append(res.Rounds[peer], rr)
			h.printRound(round, peer, rr)
		}
	}
	return nil
}

// runIdle runs B3 for every B3 peer.
func (h *harness) runIdle(ctx context.Context, res *results) error {
	for _, peer := range h.cfg.Peers {
		if h.cfg.B3Peers != nil && !slices.Contains(h.cfg.B3Peers, peer) {
			continue
		}
		r, err := h.runB3(ctx, peer)
		if err != nil {
			return err
		}
		res.Idle[peer] = r
		fmt.Fprintf(h.out, "B3 %-13s %d idle conns: RSS %+.1f KB/conn (heap %.1f, stacks %.1f), %.2f goroutines/conn\n",
			peer, r.Conns, r.RSSPerConn/1024, r.HeapPerConn/1024, r.StackPerConn/1024, r.GoroutinesPerConn)
	}
	return nil
}

// runB4 measures allocations per publish in this process.
func (h *harness) runB4(ctx context.Context, res *results) error {
	allocs, err := runAllocs(ctx, h.cfg.B4Members, h.cfg.B4Time)
	if err != nil {
		return fmt.Errorf("B4: %w", err)
	}
	res.Allocs = allocs
	for _, a := range allocs {
		fmt.Fprintf(h.out, "B4 members=%-5d %10.0f ns/op %8.0f B/op %6.1f allocs/op\n", a.Members, a.NsPerOp, a.BytesPerOp, a.AllocsPerOp)
	}
	return nil
}

// runB5Rounds runs the B5 setups, round after round; Redis is skipped with
// a note when redis-server is not installed.
func (h *harness) runB5Rounds(ctx context.Context, res *results) error {
	var buses []string
	for _, b := range h.cfg.B5Buses {
		switch {
		case b == "single":
			buses = append(buses, "")
		case b == "redis" && !redisAvailable():
			res.Notes = append(res.Notes, "B5-redis skipped: redis-server is not on PATH")
			fmt.Fprintln(h.out, "B5-redis skipped: redis-server is not on PATH")
		default:
			buses = append(buses, b)
		}
	}
	for round := 1; round <= h.cfg.B5Rounds; round++ {
		for _, bus := range buses {
			r, err := h.runB5(ctx, bus)
			if err != nil {
				return err
			}
			res.B5[busName(bus)] = append(res.B5[busName(bus)], r)
			h.printB5Round(round, bus, r)
		}
	}
	return nil
}

func (h *harness) printB5Round(round int, bus string, r b5Result) {
	fmt.Fprintf(h.out, "B5 round %d %-6s %9.0f deliv/s %9.0f deliv/CPU-s reach %.4f (%.3f writes/delivery)  local p50 %s p99 %s  remote p50 %s p99 %s",
		round, busName(bus), r.B1.rate(), r.B1.perCPU(), r.B1.reach(), r.B1.writesPerDelivery(),
		fmtDur(r.Local.P50), fmtDur(r.Local.P99), fmtDur(r.Remote.P50), fmtDur(r.Remote.P99))
	if r.Lag > 10*time.Millisecond {
		fmt.Fprintf(h.out, " (harness lagged %s)", fmtDur(r.Lag))
	}
	if r.B1.Stalled != "" {
		fmt.Fprintf(h.out, " | %s", r.B1.Stalled)
	}
	fmt.Fprintln(h.out)
}

func (h *harness) printRound(round int, peer string, rr roundResult) {
	fmt.Fprintf(h.out, "round %d %-13s B1 %9.0f deliv/s %9.0f deliv/CPU-s reach %.4f (cpu %.2fs, %.3f writes/delivery) | B2 p50 %s p99 %s p99.9 %s reach %.4f",
		round, peer, rr.B1.rate(), rr.B1.perCPU(), rr.B1.reach(), rr.B1.ServerCPU.Seconds(), rr.B1.writesPerDelivery(),
		fmtDur(rr.B2.P50), fmtDur(rr.B2.P99), fmtDur(rr.B2.P999), rr.B2Reach)
	if rr.B2Lag > 10*time.Millisecond {
		fmt.Fprintf(h.out, " (harness lagged %s)", fmtDur(rr.B2Lag))
	}
	if rr.HalfRate > 0 {
		fmt.Fprintf(h.out, " | at %.0f deliv/s p50 %s p99 %s", rr.HalfRate, fmtDur(rr.Half.P50), fmtDur(rr.Half.P99))
	}
	if rr.ErrFrames > 0 {
		fmt.Fprintf(h.out, " | %d error frames", rr.ErrFrames)
	}
	fmt.Fprintf(h.out, " | setup %v", rr.Setup.Round(10*time.Millisecond))
	if rr.B1.Stalled != "" {
		fmt.Fprintf(h.out, " | B1 %s", rr.B1.Stalled)
	}
	if rr.Ended > 0 {
		fmt.Fprintf(h.out, " | %d connections closed by the server (%s)", rr.Ended, rr.EndErr)
	}
	fmt.Fprintln(h.out)
	if len(rr.Curve) > 0 {
		printCurveRound(h.out, round, peer, rr.Curve)
	}
}

// median returns the median of xs (the mean of the middle two for an even
// count), 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

func fmtDur(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < time.Millisecond:
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	default:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	}
}
