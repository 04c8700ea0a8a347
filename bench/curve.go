package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"time"
)

// B2c, the latency curve: every peer, open loop at fixed rates on the B1
// connections, p50/p99/p99.9 and reach per rate. A rate is sustained when
// reach ≥ sustainReach and p99 ≤ sustainP99.
const (
	sustainReach = 0.999
	sustainP99   = 100 * time.Millisecond
	// fastP99 is the latency jsgen must keep up to twice the best peer's
	// highest sustained rate.
	fastP99 = 20 * time.Millisecond
	// curveGiveUp: a peer's curve stops after this many rates in a row that
	// were hopeless (reach < hopelessReach or p99 > hopelessP99): higher
	// rates would only queue more. A rate that is merely not sustained does
	// not stop it, because batching can bring latency down again at higher
	// rates.
	curveGiveUp   = 2
	hopelessReach = 0.99
	hopelessP99   = time.Second
)

// ratePoint is what one peer did at one fixed rate.
type ratePoint struct {
	Rate      float64 // offered deliveries/s
	Lat       latencies
	Published int64
	Reach     float64       // deliveries received ÷ published × members, after draining
	Lag       time.Duration // the load generator's largest publish delay
	CPU       time.Duration // the server's CPU time over the phase, drain included
	Elapsed   time.Duration // the phase's wall time, drain included
	Writes    int64         // the server's write syscalls over the phase
	Delivered int64
}

// sustained reports whether the rate counts as sustained.
func (p ratePoint) sustained() bool {
	return p.Lat.Count > 0 && p.Reach >= sustainReach && p.Lat.P99 <= sustainP99
}

// hopeless reports whether the peer was far from sustaining the rate.
func (p ratePoint) hopeless() bool {
	return p.Lat.Count == 0 || p.Reach < hopelessReach || p.Lat.P99 > hopelessP99
}

// cpuShare is the server's CPU time per wall second over the phase.
func (p ratePoint) cpuShare() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return p.CPU.Seconds() / p.Elapsed.Seconds()
}

// writesPerDelivery is the server's write syscalls per delivery: 1 when
// every frame costs one, less when writes are batched.
func (p ratePoint) writesPerDelivery() float64 {
	if p.Delivered == 0 {
		return 0
	}
	return float64(p.Writes) / float64(p.Delivered)
}

// runCurve measures B2c on f's connections to the server p: each rate of
// B2cRates in ascending order for B2cDur, draining in between, until
// curveGiveUp rates in a row were hopeless for the peer.
func (h *harness) runCurve(ctx context.Context, f *fleet, p *proc, pubs []*member) ([]ratePoint, error) {
	var pts []ratePoint
	misses := 0
	for _, rate := range h.cfg.B2cRates {
		if misses >= curveGiveUp {
			break
		}
		sleepCtx(ctx, 200*time.Millisecond)
		pt, err := h.ratePoint(ctx, f, p, pubs, rate)
		if err != nil {
			return pts, fmt.Errorf("at %.0f deliveries/s: %w", rate, err)
		}
		pts = append(pts, pt)
		if pt.hopeless() {
			misses++
		} else {
			misses = 0
		}
	}
	return pts, nil
}

// ratePoint runs one open-loop phase at rate deliveries/s.
func (h *harness) ratePoint(ctx context.Context, f *fleet, p *proc, pubs []*member, rate float64) (ratePoint, error) {
	pt := ratePoint{Rate: rate}
	s0, err := p.sample()
	if err != nil {
		return pt, err
	}
	t0 := time.Now()
	before := f.delivered.Load()
	if pt.Published, pt.Lag, err = f.openLoop(ctx, pubs, rate/float64(h.cfg.Topo.members), h.cfg.B2cDur); err != nil {
		return pt, err
	}
	pt.Elapsed = time.Since(t0)
	pt.Delivered = f.delivered.Load() - before
	s1, err := p.sample()
	if err != nil {
		return pt, err
	}
	pt.CPU, pt.Writes = s1.CPU-s0.CPU, s1.Writes-s0.Writes
	pt.Lat = f.hist[0].summary()
	if exp := pt.Published * int64(h.cfg.Topo.members); exp > 0 {
		pt.Reach = float64(pt.Delivered) / float64(exp)
	}
	return pt, nil
}

// printCurveRound prints one round's curve for one peer.
func printCurveRound(w io.Writer, round int, peer string, pts []ratePoint) {
	fmt.Fprintf(w, "round %d %-13s B2c", round, peer)
	for _, pt := range pts {
		mark := ""
		if !pt.sustained() {
			mark = " ✗"
		}
		fmt.Fprintf(w, " | %s: p50 %s p99 %s p99.9 %s reach %.4f cpu %.2f %.3f w/d%s", fmtRate(pt.Rate),
			fmtDur(pt.Lat.P50), fmtDur(pt.Lat.P99), fmtDur(pt.Lat.P999), pt.Reach, pt.cpuShare(), pt.writesPerDelivery(), mark)
		if pt.Lag > 10*time.Millisecond {
			fmt.Fprintf(w, " (harness lagged %s)", fmtDur(pt.Lag))
		}
	}
	fmt.Fprintln(w)
}

// curvePoint is one peer's medians at one rate over the rounds that
// measured it.
type curvePoint struct {
	Rate           float64
	Rounds         int
	P50, P99, P999 time.Duration
	Reach          float64
	CPUShare       float64
	Writes         float64 // write syscalls per delivery
}

func (c curvePoint) sustained() bool {
	return c.Rounds > 0 && c.Reach >= sustainReach && c.P99 <= sustainP99
}

// summarizeCurve returns peer's medians at every rate of rates (Rounds 0
// where no round reached it).
func summarizeCurve(res *results, peer string, rates []float64) []curvePoint {
	out := make([]curvePoint, len(rates))
	for i, rate := range rates {
		var p50, p99, p999, reach, cpu, writes []float64
		for _, r := range res.Rounds[peer] {
			for _, pt := range r.Curve {
				if pt.Rate != rate {
					continue
				}
				p50 = append(p50, float64(pt.Lat.P50))
				p99 = append(p99, float64(pt.Lat.P99))
				p999 = append(p999, float64(pt.Lat.P999))
				reach = append(reach, pt.Reach)
				cpu = append(cpu, pt.cpuShare())
				writes = append(writes, pt.writesPerDelivery())
			}
		}
		out[i] = curvePoint{Rate: rate, Rounds: len(p99), P50: time.Duration(median(p50)), P99: time.Duration(median(p99)),
			P999: time.Duration(median(p999)), Reach: median(reach), CPUShare: median(cpu), Writes: median(writes)}
	}
	return out
}

// maxSustained returns the highest rate of the curve that is sustained
// with p99 ≤ limit, counting only rates up to the first one that is not
// (0: none).
func maxSustained(pts []curvePoint, limit time.Duration) float64 {
	best := 0.0
	for _, pt := range pts {
		if !pt.sustained() || pt.P99 > limit {
			break
		}
		best = pt.Rate
	}
	return best
}

// printCurve prints the B2c tables: latency and reach per rate and peer,
// then the servers' CPU and write syscalls per delivery.
func printCurve(w io.Writer, cfg config, curves map[string][]curvePoint) {
	if len(curves) == 0 {
		return
	}
	fmt.Fprintf(w, "\nB2c latency curve (open loop on the B1 connections, %v per rate, median of the rounds): p50 / p99 / p99.9, reach; "+
		"✗ = not sustained (reach < %.3f or p99 > %v), - = not run (two rates in a row with reach < %.2f or p99 > %v before).\n\n",
		cfg.B2cDur, sustainReach, sustainP99, hopelessReach, hopelessP99)
	head, rule := "| deliveries/s |", "|---:|"
	for _, p := range cfg.Peers {
		if curves[p] != nil {
			head += " " + p + " |"
			rule += "---|"
		}
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, rule)
	for i, rate := range cfg.B2cRates {
		row := "| " + fmtRate(rate) + " |"
		for _, p := range cfg.Peers {
			c, ok := curves[p]
			if !ok || c == nil {
				continue
			}
			pt := c[i]
			if pt.Rounds == 0 {
				row += " - |"
				continue
			}
			mark := ""
			if !pt.sustained() {
				mark = " ✗"
			}
			row += fmt.Sprintf(" %s / %s / %s, %.4f%s |", fmtDur(pt.P50), fmtDur(pt.P99), fmtDur(pt.P999), pt.Reach, mark)
		}
		fmt.Fprintln(w, row)
	}
	fmt.Fprintln(w, "\nB2c server cost per rate: CPU-seconds per second, write syscalls per delivery.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, rule)
	for i, rate := range cfg.B2cRates {
		row := "| " + fmtRate(rate) + " |"
		for _, p := range cfg.Peers {
			c, ok := curves[p]
			if !ok || c == nil {
				continue
			}
			if pt := c[i]; pt.Rounds > 0 {
				row += fmt.Sprintf(" %.2f CPU, %.3f w/d |", pt.CPUShare, pt.Writes)
			} else {
				row += " - |"
			}
		}
		fmt.Fprintln(w, row)
	}
	fmt.Fprintln(w)
	for _, p := range cfg.Peers {
		if c := curves[p]; c != nil {
			fmt.Fprintf(w, "B2c %-13s highest sustained rate %s, with p99 ≤ %v %s\n", p,
				fmtMaxRate(maxSustained(c, sustainP99)), fastP99, fmtMaxRate(maxSustained(c, fastP99)))
		}
	}
}

// curveGates are B2c's targets: at every rate some peer sustains, jsgen's
// p99 is no higher than that peer's; and jsgen keeps p99 ≤ fastP99 up to at
// least twice the best peer's highest sustained rate.
func curveGates(cfg config, curves map[string][]curvePoint) []gate {
	js, ok := curves["jsgen"]
	if !ok || js == nil {
		return nil
	}
	var gs []gate
	bestPeer := 0.0
	for p, c := range curves {
		if p != "jsgen" && c != nil {
			bestPeer = max(bestPeer, maxSustained(c, sustainP99))
		}
	}
	for i, rate := range cfg.B2cRates {
		best := math.Inf(1)
		for p, c := range curves {
			if p != "jsgen" && c != nil && c[i].sustained() {
				best = min(best, float64(c[i].P99))
			}
		}
		if math.IsInf(best, 1) {
			continue
		}
		name := fmt.Sprintf("B2c jsgen p99 / best sustaining peer's at %s/s", fmtRate(rate))
		v := 99.0 // jsgen had given up before this rate
		if js[i].Rounds > 0 {
			v = float64(js[i].P99) / best
		} else {
			name += " (jsgen gave up)"
		}
		gs = append(gs, gate{Name: name, Value: v, Target: 1, Unit: "×"})
	}
	if bestPeer > 0 {
		gs = append(gs, gate{Name: fmt.Sprintf("B2c jsgen rate at p99 ≤ %v / best peer's max", fastP99),
			Value: maxSustained(js, fastP99) / bestPeer, Target: 2, Higher: true, Unit: "×"})
	}
	return gs
}

// fmtMaxRate formats a highest sustained rate ("none" for 0).
func fmtMaxRate(v float64) string {
	if v == 0 {
		return "none"
	}
	return fmtRate(v) + "/s"
}
