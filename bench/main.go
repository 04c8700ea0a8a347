// Command bench measures jsgen's chat example against the WebSocket servers
// Go developers use today — melody v1.3.0 (BroadcastFilter, and a room
// index with BroadcastMultiple) and Centrifuge v0.40.1 (memory broker) —
// in one run, and prints one table with the ratios jsgen/peer.
//
//	cd bench && go run .          # full profile, ≈ 5 min
//	cd bench && go run . -quick   # ≈ 40 s
//
// Every server runs in its own child process (this binary re-executed with
// -serve NAME, or the chat example built with a debug overlay), so its CPU
// time (/proc/PID/stat) and memory (/proc/PID/status) are its own; the load
// generator runs in this process. All traffic is on 127.0.0.1. See
// README.md for what each case measures.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	code, err := mainErr(os.Args[1:], os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
	}
	os.Exit(code)
}

// options are the command line's flags.
type options struct {
	quick    bool
	serve    string
	addr     string
	monitor  string
	cases    string
	peers    string
	rounds   int
	gate     bool
	logs     string
	pprofDir string
	b2Curve  string
	buses    string
	procs    int
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.BoolVar(&o.quick, "quick", false, "the short profile (≈ 40 s): one round, B2c at 3 rates, smaller B3, no B5")
	fs.StringVar(&o.serve, "serve", "", "internal: run the named server (melody-filter, melody-index, centrifuge, nats) on -addr")
	fs.StringVar(&o.addr, "addr", "127.0.0.1:0", "internal: listen address for -serve")
	fs.StringVar(&o.monitor, "monitor", "", "internal: NATS monitoring address for -serve nats")
	fs.StringVar(&o.cases, "cases", "", "comma-separated cases to run (default: the profile's, of B1,B2,B2c,B3,B4,B5)")
	fs.StringVar(&o.peers, "peers", "", "comma-separated peers (default: jsgen,melody-filter,melody-index,centrifuge)")
	fs.IntVar(&o.rounds, "rounds", 0, "B1/B2 rounds per peer (default: the profile's)")
	fs.BoolVar(&o.gate, "gate", false, "exit 1 when a target misses by more than 20%")
	fs.StringVar(&o.logs, "logs", "", "keep the servers' logs in this directory (default: a temporary one, removed)")
	fs.StringVar(&o.buses, "b5", "single,nats,redis", "B5 setups to run, of single, nats, redis")
	fs.StringVar(&o.b2Curve, "b2-curve", "", "comma-separated rates (deliveries/s) of the B2c latency curve instead of the profile's, e.g. 50000,100000")
	fs.IntVar(&o.procs, "server-procs", 0, "run every server with GOMAXPROCS set to this (as in a container limited to that many CPUs); the load generator keeps its own (default: the servers' own)")
	fs.StringVar(&o.pprofDir, "pprof", "", "save a CPU profile of the jsgen server's B1 window of every round in this directory")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return o, nil
}

// mainErr runs the command and returns its exit code.
func mainErr(args []string, stdout io.Writer) (int, error) {
	o, err := parseFlags(args)
	if err != nil {
		return 2, err
	}
	if _, err := raiseNoFile(); err != nil {
		return 1, err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.serve != "" {
		if err := serve(ctx, o.serve, o.addr, o.monitor); err != nil {
			return 1, err
		}
		return 0, nil
	}
	cfg, err := configure(o)
	if err != nil {
		return 2, err
	}
	// The whole run is bounded too (the full profile takes about 5 min).
	ctx, cancel := context.WithTimeout(ctx, 20*time.Minute)
	defer cancel()
	_, ok, err := runHarness(ctx, cfg, o.logs, stdout, "go run . "+strings.Join(args, " "))
	switch {
	case err != nil:
		return 1, err
	case !ok && o.gate:
		return 1, errors.New("a target missed by more than 20%")
	}
	return 0, nil
}

// configure applies the flags to the chosen profile.
func configure(o options) (config, error) {
	cfg := profile(o.quick)
	cfg.PprofDir = o.pprofDir
	if o.procs < 0 {
		return cfg, fmt.Errorf("-server-procs: %d is not a CPU count", o.procs)
	}
	cfg.ServerProcs = o.procs
	if o.b2Curve != "" {
		cfg.B2cRates = nil
	}
	for r := range strings.SplitSeq(o.b2Curve, ",") {
		if r = strings.TrimSpace(r); r == "" {
			continue
		}
		v, err := strconv.ParseFloat(r, 64)
		if err != nil || v <= 0 {
			return cfg, fmt.Errorf("-b2-curve: %q is not a positive rate", r)
		}
		cfg.B2cRates = append(cfg.B2cRates, v)
	}
	slices.Sort(cfg.B2cRates)
	if o.rounds > 0 {
		cfg.Rounds = o.rounds
		cfg.B5Rounds = o.rounds
	}
	for b := range strings.SplitSeq(o.buses, ",") {
		switch b = strings.TrimSpace(b); b {
		case "single", "nats", "redis":
			cfg.B5Buses = append(cfg.B5Buses, b)
		default:
			return cfg, fmt.Errorf("unknown B5 setup %q", b)
		}
	}
	if o.cases != "" {
		cfg.Cases = map[string]bool{}
		for c := range strings.SplitSeq(o.cases, ",") {
			c = strings.ToUpper(strings.TrimSpace(c))
			switch c {
			case "B1", "B2", "B2C", "B3", "B4", "B5":
				cfg.Cases[c] = true
			default:
				return cfg, fmt.Errorf("unknown case %q (want B1, B2, B2c, B3, B4 or B5)", c)
			}
		}
	}
	if o.peers != "" {
		cfg.Peers = nil
		for p := range strings.SplitSeq(o.peers, ",") {
			p = strings.TrimSpace(p)
			switch p {
			case "jsgen", "melody-filter", "melody-index", "centrifuge":
				cfg.Peers = append(cfg.Peers, p)
			default:
				return cfg, fmt.Errorf("unknown peer %q", p)
			}
		}
	}
	return cfg, nil
}

// runHarness builds the jsgen server, runs the cases and prints the
// report. ok is false when a target missed beyond CI's slack.
func runHarness(ctx context.Context, cfg config, logs string, w io.Writer, cmdline string) (res *results, ok bool, err error) {
	tmp, err := os.MkdirTemp("", "jsgen-bench-")
	if err != nil {
		return nil, false, err
	}
	defer os.RemoveAll(tmp)
	if logs == "" {
		logs = tmp
	} else if err := os.MkdirAll(logs, 0o755); err != nil {
		return nil, false, err
	}
	if cfg.PprofDir != "" {
		if err := os.MkdirAll(cfg.PprofDir, 0o755); err != nil {
			return nil, false, err
		}
	}
	self, err := os.Executable()
	if err != nil {
		return nil, false, err
	}
	ps := newProcs(logs)
	defer ps.killAll()
	defer func() {
		if r := recover(); r != nil {
			ps.killAll()
			panic(r)
		}
	}()
	printHeader(w, cfg, cmdline)
	start := time.Now()
	h := &harness{cfg: cfg, ps: ps, self: self, out: w}
	if needsChat(cfg) {
		if h.chatBin, err = buildChat(ctx, tmp); err != nil {
			return nil, false, err
		}
		fmt.Fprintf(w, "built the jsgen chat example in %v\n", time.Since(start).Round(time.Millisecond))
	}
	if res, err = h.run(ctx); err != nil {
		return res, false, err
	}
	ok = report(w, cfg, res)
	fmt.Fprintf(w, "\nload average at end: %s; run took %v\n", loadAvg(), time.Since(start).Round(time.Second))
	return res, ok, nil
}

func needsChat(cfg config) bool {
	for _, p := range cfg.Peers {
		if p == "jsgen" && (cfg.Cases["B1"] || cfg.Cases["B2"] || cfg.Cases["B2C"] || cfg.Cases["B3"]) {
			return true
		}
	}
	return cfg.Cases["B5"]
}
