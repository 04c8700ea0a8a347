package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
)

// peerSummary is one peer's medians over its rounds.
type peerSummary struct {
	Rate, PerCPU, Reach float64
	Writes              float64 // B1 write syscalls per delivery
	P50, P99, P999      time.Duration
	Idle                *idleResult
}

func summarize(res *results, peer string) peerSummary {
	var s peerSummary
	var rate, per, reach, writes, p50, p99, p999 []float64
	for _, r := range res.Rounds[peer] {
		writes = append(writes, r.B1.writesPerDelivery())
		rate = append(rate, r.B1.rate())
		per = append(per, r.B1.perCPU())
		reach = append(reach, r.B1.reach())
		p50 = append(p50, float64(r.B2.P50))
		p99 = append(p99, float64(r.B2.P99))
		p999 = append(p999, float64(r.B2.P999))
	}
	s.Rate, s.PerCPU, s.Reach, s.Writes = median(rate), median(per), median(reach), median(writes)
	s.P50, s.P99, s.P999 = time.Duration(median(p50)), time.Duration(median(p99)), time.Duration(median(p999))
	if r, ok := res.Idle[peer]; ok {
		s.Idle = &r
	}
	return s
}

// gate is one of the harness's targets, checked on this run's numbers.
type gate struct {
	Name   string
	Value  float64 // measured (a ratio or an absolute value)
	Target float64
	Higher bool   // true: Value must be ≥ Target; false: ≤ Target
	Unit   string // printed after Value and Target
}

// status returns PASS, or how far off the target the value is, and whether
// it is within CI's slack (20% of the target).
func (g gate) status() (text string, withinSlack bool) {
	if math.IsNaN(g.Value) || math.IsInf(g.Value, 0) {
		return "n/a", true
	}
	if g.Higher {
		if g.Value >= g.Target {
			return "PASS", true
		}
		return fmt.Sprintf("FAIL (%.0f%% short)", 100*(1-g.Value/g.Target)), g.Value >= 0.8*g.Target
	}
	if g.Value <= g.Target {
		return "PASS", true
	}
	if g.Value > 2*g.Target {
		return fmt.Sprintf("FAIL (%.1f× the target)", g.Value/g.Target), false
	}
	return fmt.Sprintf("FAIL (%.0f%% over)", 100*(g.Value/g.Target-1)), g.Value <= 1.2*g.Target
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

// report prints the results: the table, the ratios, the targets, then B3,
// B4 and B5 in detail. It returns false if a target missed beyond CI's
// slack.
func report(w io.Writer, cfg config, res *results) bool {
	sums := map[string]peerSummary{}
	for _, p := range cfg.Peers {
		sums[p] = summarize(res, p)
	}
	printTable(w, cfg, sums)
	printRatios(w, cfg, sums)
	curves := map[string][]curvePoint{}
	if cfg.Cases["B2C"] {
		for _, p := range cfg.Peers {
			if len(res.Rounds[p]) > 0 {
				curves[p] = summarizeCurve(res, p, cfg.B2cRates)
			}
		}
		printCurve(w, cfg, curves)
	}
	ok := printGates(w, append(collectGates(cfg, res, sums), curveGates(cfg, curves)...))
	printIdle(w, cfg, res)
	printAllocs(w, res)
	printB5(w, cfg, res)
	for _, n := range res.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	return ok
}

// printTable prints the one table: every peer's medians.
func printTable(w io.Writer, cfg config, sums map[string]peerSummary) {
	fmt.Fprintf(w, "\n## Results (%s profile; B1/B2 median of %d round(s), interleaved)\n\n", cfg.Profile, cfg.Rounds)
	fmt.Fprintf(w, "B1: %d rooms × %d members, closed loop (≤ %d deliveries in flight), %v measured after %v warm-up. "+
		"B2: same connections, open loop at %.0f deliveries/s for %v. B3: %d idle connections in rooms of %d.\n\n",
		cfg.Topo.rooms, cfg.Topo.members, cfg.Window, cfg.B1Dur, cfg.Warm, cfg.B2Rate, cfg.B2Dur, cfg.B3Conns, cfg.B3RoomSize)
	fmt.Fprintln(w, "| peer | B1 deliveries/s | B1 deliveries/server-CPU-s | B1 reach | B1 writes/delivery | B2 p50 | B2 p99 | B2 p99.9 | B3 RSS/conn | B3 goroutines/conn |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, p := range cfg.Peers {
		s := sums[p]
		kb, gor := "-", "-"
		if s.Idle != nil {
			kb, gor = fmt.Sprintf("%.1f KB", s.Idle.RSSPerConn/1024), fmt.Sprintf("%.2f", s.Idle.GoroutinesPerConn)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %.4f | %.3f | %s | %s | %s | %s | %s |\n", p, fmtRate(s.Rate), fmtRate(s.PerCPU), s.Reach, s.Writes,
			fmtDur(s.P50), fmtDur(s.P99), fmtDur(s.P999), kb, gor)
	}
}

// printRatios prints jsgen's medians divided by every other peer's.
func printRatios(w io.Writer, cfg config, sums map[string]peerSummary) {
	js, ok := sums["jsgen"]
	if !ok {
		return
	}
	fmt.Fprintln(w, "\n| jsgen / peer | deliveries/s | deliveries/CPU-s | B2 p99 (lower is better) | RSS/conn (lower is better) | goroutines/conn |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|")
	for _, p := range cfg.Peers {
		if p == "jsgen" {
			continue
		}
		s := sums[p]
		kb, gor := math.NaN(), math.NaN()
		if js.Idle != nil && s.Idle != nil {
			kb, gor = ratio(js.Idle.RSSPerConn, s.Idle.RSSPerConn), ratio(js.Idle.GoroutinesPerConn, s.Idle.GoroutinesPerConn)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", p, fmtRatio(ratio(js.Rate, s.Rate)), fmtRatio(ratio(js.PerCPU, s.PerCPU)),
			fmtRatio(ratio(float64(js.P99), float64(s.P99))), fmtRatio(kb), fmtRatio(gor))
	}
}

// printGates prints every target with its status; false if one missed
// beyond CI's slack.
func printGates(w io.Writer, gates []gate) bool {
	ok := true
	if len(gates) == 0 {
		return ok
	}
	fmt.Fprintln(w, "\nTargets, this run:")
	for _, g := range gates {
		st, slack := g.status()
		ok = ok && slack
		cmp := "≤"
		if g.Higher {
			cmp = "≥"
		}
		fmt.Fprintf(w, "  %-52s %10s  target %s %s  %s\n", g.Name, fmtGate(g.Value, g.Unit), cmp, fmtGate(g.Target, g.Unit), st)
	}
	return ok
}

// printIdle prints B3's breakdown per peer.
func printIdle(w io.Writer, cfg config, res *results) {
	if len(res.Idle) == 0 {
		return
	}
	fmt.Fprintln(w, "\nB3 detail (per idle connection, after runtime.GC + FreeOSMemory in the server):")
	fmt.Fprintln(w, "| peer | conns | RSS | Go heap | goroutine stacks | goroutines |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|")
	for _, p := range cfg.Peers {
		if r, ok := res.Idle[p]; ok {
			fmt.Fprintf(w, "| %s | %d | %.1f KB | %.1f KB | %.1f KB | %.2f |\n", p, r.Conns, r.RSSPerConn/1024, r.HeapPerConn/1024, r.StackPerConn/1024, r.GoroutinesPerConn)
		}
	}
}

// printAllocs prints B4.
func printAllocs(w io.Writer, res *results) {
	if len(res.Allocs) == 0 {
		return
	}
	fmt.Fprintln(w, "\nB4 (in process: generated Chat controller + RoomChannels.Publish + ws.Subscribe; one op = one publish read by every member):")
	fmt.Fprintln(w, "| members | ns/op | B/op | allocs/op | allocs/delivery |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|")
	for _, a := range res.Allocs {
		fmt.Fprintf(w, "| %d | %.0f | %.0f | %.1f | %.3f |\n", a.Members, a.NsPerOp, a.BytesPerOp, a.AllocsPerOp, a.AllocsPerDl)
	}
}

// printB5 prints B5's medians per setup.
func printB5(w io.Writer, cfg config, res *results) {
	if len(res.B5) == 0 {
		return
	}
	fmt.Fprintf(w, "\nB5 (jsgen chat, %d rooms × %d members; with a bus, half of every room's members on each of 2 nodes; the half on node 0 publishes, also single-node; median of %d round(s); latency at %.0f deliveries/s):\n",
		cfg.Topo.rooms, cfg.Topo.members, cfg.B5Rounds, cfg.B5Rate)
	fmt.Fprintln(w, "| setup | deliveries/s | vs single | deliveries/server-CPU-s | reach | writes/delivery | bus CPU | bus msgs/publish | local p50 | local p99 | remote p50 | remote p99 |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	single := median(b5Field(res.B5["single"], func(r b5Result) float64 { return r.B1.rate() }))
	for _, name := range []string{"single", "nats", "redis"} {
		rs := res.B5[name]
		if len(rs) == 0 {
			continue
		}
		med := func(f func(b5Result) float64) float64 { return median(b5Field(rs, f)) }
		rate := med(func(r b5Result) float64 { return r.B1.rate() })
		busMsgs := "-"
		if name == "nats" {
			busMsgs = fmt.Sprintf("%.2f", med(func(r b5Result) float64 { return ratio(float64(r.B1.BusMsgs), float64(r.B1.Published)) }))
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %.4f | %.3f | %.2fs | %s | %s | %s | %s | %s |\n", name, fmtRate(rate), fmtRatio(ratio(rate, single)),
			fmtRate(med(func(r b5Result) float64 { return r.B1.perCPU() })),
			med(func(r b5Result) float64 { return r.B1.reach() }),
			med(func(r b5Result) float64 { return r.B1.writesPerDelivery() }),
			med(func(r b5Result) float64 { return r.BusCPU.Seconds() }), busMsgs,
			fmtDurF(med(func(r b5Result) float64 { return float64(r.Local.P50) })),
			fmtDurF(med(func(r b5Result) float64 { return float64(r.Local.P99) })),
			fmtDurF(med(func(r b5Result) float64 { return float64(r.Remote.P50) })),
			fmtDurF(med(func(r b5Result) float64 { return float64(r.Remote.P99) })))
	}
}

func b5Field(rs []b5Result, f func(b5Result) float64) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = f(r)
	}
	return out
}

// collectGates evaluates the harness's targets on what was measured.
func collectGates(cfg config, res *results, sums map[string]peerSummary) []gate {
	var gs []gate
	js, ok := sums["jsgen"]
	has := func(p string) bool { _, ok := sums[p]; return ok && len(res.Rounds[p]) > 0 }
	if ok && cfg.Cases["B1"] && len(res.Rounds["jsgen"]) > 0 {
		for _, t := range []struct {
			peer   string
			target float64
		}{{"melody-filter", 3}, {"melody-index", 1.5}, {"centrifuge", 1}} {
			if has(t.peer) {
				gs = append(gs, gate{Name: "B1 deliveries/CPU-s jsgen/" + t.peer, Value: ratio(js.PerCPU, sums[t.peer].PerCPU), Target: t.target, Higher: true, Unit: "×"})
			}
		}
		gs = append(gs, gate{Name: "B1 jsgen reach", Value: js.Reach, Target: 0.999, Higher: true})
	}
	if ok && cfg.Cases["B2"] && len(res.Rounds["jsgen"]) > 0 {
		gs = append(gs, gate{Name: fmt.Sprintf("B2 jsgen p99 at %.0f deliveries/s", cfg.B2Rate), Value: float64(js.P99) / 1e6, Target: 5, Unit: "ms"})
		best := math.Inf(1)
		for p, s := range sums {
			if p != "jsgen" && has(p) && s.P99 > 0 {
				best = min(best, float64(s.P99))
			}
		}
		if !math.IsInf(best, 1) {
			gs = append(gs, gate{Name: "B2 jsgen p99 / best peer p99", Value: float64(js.P99) / best, Target: 1, Unit: "×"})
		}
		var half []float64
		for _, r := range res.Rounds["jsgen"] {
			if r.HalfRate > 0 {
				half = append(half, float64(r.Half.P99))
			}
		}
		if len(half) > 0 {
			gs = append(gs, gate{Name: "B2 jsgen p99 at half its B1 rate", Value: median(half) / 1e6, Target: 20, Unit: "ms"})
		}
	}
	if jr, ok := res.Idle["jsgen"]; ok {
		gs = append(gs, gate{Name: "B3 jsgen RSS per idle connection", Value: jr.RSSPerConn / 1024, Target: 10, Unit: "KB"})
		if mr, ok := res.Idle["melody-filter"]; ok {
			gs = append(gs, gate{Name: "B3 RSS/conn jsgen/melody", Value: ratio(jr.RSSPerConn, mr.RSSPerConn), Target: 0.4, Unit: "×"})
		}
	}
	if n := len(res.Allocs); n >= 2 {
		lo, hi := res.Allocs[0], res.Allocs[n-1]
		gs = append(gs, gate{Name: fmt.Sprintf("B4 allocs/publish at %d members − at %d", hi.Members, lo.Members),
			Value: hi.AllocsPerOp - lo.AllocsPerOp, Target: 2})
	}
	if single := median(b5Field(res.B5["single"], func(r b5Result) float64 { return r.B1.rate() })); single > 0 {
		for _, bus := range []string{"nats", "redis"} {
			if rs := res.B5[bus]; len(rs) > 0 {
				rate := median(b5Field(rs, func(r b5Result) float64 { return r.B1.rate() }))
				gs = append(gs, gate{Name: "B5 cross-node/single-node deliveries/s over " + bus, Value: rate / single, Target: 0.5, Higher: true, Unit: "×"})
			}
		}
	}
	return gs
}

func fmtGate(v float64, unit string) string {
	switch unit {
	case "×":
		return fmt.Sprintf("%.2f×", v)
	case "":
		return fmt.Sprintf("%.4g", v)
	}
	return fmt.Sprintf("%.2f %s", v, unit)
}

func fmtRate(v float64) string {
	if v >= 1e6 {
		return fmt.Sprintf("%.2fM", v/1e6)
	}
	return fmt.Sprintf("%.1fk", v/1e3)
}

func fmtRatio(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "-"
	}
	return fmt.Sprintf("%.2f×", v)
}

func fmtDurF(ns float64) string { return fmtDur(time.Duration(ns)) }

// printHeader prints the machine, the versions and the load average.
func printHeader(w io.Writer, cfg config, cmdline string) {
	fmt.Fprintf(w, "# jsgen bench — %s profile, %s\n\n", cfg.Profile, time.Now().UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "command: %s\n", cmdline)
	fmt.Fprintf(w, "machine: %s, nproc %d, GOMAXPROCS %d, %s %s/%s\n", cpuModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if cfg.ServerProcs > 0 {
		fmt.Fprintf(w, "servers: GOMAXPROCS=%d (the load generator keeps %d)\n", cfg.ServerProcs, runtime.GOMAXPROCS(0))
	}
	fmt.Fprintf(w, "versions: jsgen %s; %s\n", gitRev(), depVersions("github.com/olahol/melody", "github.com/centrifugal/centrifuge", "github.com/gorilla/websocket", "github.com/nats-io/nats-server/v2"))
	fmt.Fprintf(w, "load average at start: %s\n\n", loadAvg())
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func gitRev() string {
	out, err := exec.Command("git", "describe", "--always", "--dirty").Output()
	if err != nil {
		return "(no git)"
	}
	return strings.TrimSpace(string(out))
}

func depVersions(paths ...string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var parts []string
	for _, p := range paths {
		for _, d := range bi.Deps {
			if d.Path == p {
				parts = append(parts, strings.TrimPrefix(p, "github.com/")+" "+d.Version)
			}
		}
	}
	return strings.Join(parts, ", ")
}
