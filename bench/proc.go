package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat
// (100 on every Linux architecture Go supports).
const clockTicks = 100

// proc is one child process: a server under test or a bus.
type proc struct {
	name    string
	cmd     *exec.Cmd
	addr    string // its service address
	debug   string // its debug endpoints' address ("" if none)
	logPath string
	exited  chan struct{}
	waitErr error
}

// procs starts children and makes sure they die with the harness: each is
// started with Pdeathsig SIGKILL (so a crashing or killed harness takes
// them along) and killAll, deferred by main and run on signals, kills the
// rest explicitly.
type procs struct {
	dir string // logs
	mu  sync.Mutex
	all map[*proc]struct{}
	n   int
}

func newProcs(dir string) *procs { return &procs{dir: dir, all: map[*proc]struct{}{}} }

// start runs bin with args (and extra environment), waits until addr
// accepts TCP connections, and returns the child. Its output goes to a log
// file in the procs directory.
func (ps *procs) start(ctx context.Context, name, bin string, args, env []string, addr, debug string) (*proc, error) {
	ps.mu.Lock()
	ps.n++
	logPath := filepath.Join(ps.dir, fmt.Sprintf("%02d-%s.log", ps.n, name))
	ps.mu.Unlock()
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, addr: addr, debug: debug, logPath: logPath, exited: make(chan struct{})}
	ps.mu.Lock()
	ps.all[p] = struct{}{}
	ps.mu.Unlock()
	go func() {
		p.waitErr = cmd.Wait()
		logf.Close()
		close(p.exited)
	}()
	if err := p.waitListening(ctx, 30*time.Second); err != nil {
		ps.stop(p)
		return nil, err
	}
	return p, nil
}

// waitListening polls addr (and the debug address) until they accept.
func (p *proc) waitListening(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for _, a := range []string{p.addr, p.debug} {
		if a == "" {
			continue
		}
		for {
			c, err := net.DialTimeout("tcp", a, time.Second)
			if err == nil {
				c.Close()
				break
			}
			select {
			case <-p.exited:
				return fmt.Errorf("%s exited before listening on %s (%v); log %s:\n%s", p.name, a, p.waitErr, p.logPath, p.logTail())
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s not listening on %s after %v; log %s", p.name, a, limit, p.logPath)
			}
		}
	}
	return nil
}

// logTail returns the last lines of the child's log.
func (p *proc) logTail() string {
	b, _ := os.ReadFile(p.logPath)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// alive reports whether the child is still running.
func (p *proc) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// stop kills p and waits for it (bounded).
func (ps *procs) stop(p *proc) {
	if p == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
	}
	ps.mu.Lock()
	delete(ps.all, p)
	ps.mu.Unlock()
}

// killAll kills every child still running.
func (ps *procs) killAll() {
	ps.mu.Lock()
	list := make([]*proc, 0, len(ps.all))
	for p := range ps.all {
		list = append(list, p)
	}
	ps.mu.Unlock()
	for _, p := range list {
		ps.stop(p)
	}
}

// cpu returns the child's user+system CPU time from /proc/PID/stat.
func (p *proc) cpu() (time.Duration, error) {
	return procCPU(p.cmd.Process.Pid)
}

func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("cpu of %d: %w", pid, err)
	}
	// The command name (field 2) is parenthesised and may contain spaces:
	// fields are counted after its closing parenthesis.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("cpu of %d: malformed stat", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("cpu of %d: short stat", pid)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("cpu of %d: %w", pid, err)
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// sample is a reading of a server's counters.
type sample struct {
	CPU    time.Duration // user + system CPU time
	Writes int64         // write-family system calls (syscw in /proc/PID/io)
}

// sample reads the child's CPU time and write syscall count.
func (p *proc) sample() (sample, error) {
	var s sample
	var err error
	if s.CPU, err = p.cpu(); err != nil {
		return s, err
	}
	s.Writes, err = procWrites(p.cmd.Process.Pid)
	return s, err
}

// procWrites returns the write system calls pid made (write, writev, …:
// what a WebSocket server uses to send frames), from /proc/PID/io.
func procWrites(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return 0, fmt.Errorf("io of %d: %w", pid, err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "syscw:"); ok {
			return strconv.ParseInt(strings.TrimSpace(rest), 10, 64)
		}
	}
	return 0, fmt.Errorf("io of %d: no syscw", pid)
}

// rss returns the child's resident set size in bytes (VmRSS).
func (p *proc) rss() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("rss of %s: %w", p.name, err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("rss of %s: %w", p.name, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("rss of %s: no VmRSS", p.name)
}

// debugClient keeps no idle connections, so nothing outlives a request.
var debugClient = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

// gc forces a collection in the child (runtime.GC + FreeOSMemory through
// its debug endpoint) and returns its snapshot.
func (p *proc) gc(ctx context.Context) (benchDebugStats, error) {
	var s benchDebugStats
	body, err := httpGet(ctx, "http://"+p.debug+"/debug/gc")
	if err != nil {
		return s, fmt.Errorf("gc %s: %w", p.name, err)
	}
	if err := json.Unmarshal(body, &s); err != nil {
		return s, fmt.Errorf("gc %s: %w", p.name, err)
	}
	return s, nil
}

// httpGet fetches url's body (bounded by debugClient's timeout).
func httpGet(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := debugClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return b, nil
}

// freeAddr returns a free 127.0.0.1 TCP address.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// raiseNoFile raises the soft RLIMIT_NOFILE to the hard limit and returns
// the new soft limit.
func raiseNoFile() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("getrlimit: %w", err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, fmt.Errorf("setrlimit: %w", err)
		}
	}
	return lim.Cur, nil
}
