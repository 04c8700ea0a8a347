package bustest

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// RequireServicesEnv names the environment variable that turns a missing
// service binary (redis-server) from a skipped test into a failed one. CI
// sets it to 1 after installing the services.
const RequireServicesEnv = "JSGEN_REQUIRE_SERVICES"

// RedisServer is a redis-server process on a loopback port, for tests. It
// runs without persistence in a temporary directory and can be killed and
// started again on the same port to simulate a crash.
type RedisServer struct {
	bin  string
	dir  string
	port int
	args []string // extra configuration
	tls  *TLSFiles

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has been waited for
	logs *bytes.Buffer
}

// RedisOption configures StartRedis.
type RedisOption func(*RedisServer)

// RedisPassword makes the server require password (requirepass) for the
// default user.
func RedisPassword(password string) RedisOption {
	return func(r *RedisServer) { r.args = append(r.args, "--requirepass", password) }
}

// RedisTLS makes the server accept only TLS connections, with files from
// NewTLS. Clients are not asked for certificates.
func RedisTLS(files *TLSFiles) RedisOption {
	return func(r *RedisServer) { r.tls = files }
}

// RedisBinary returns the path of redis-server. When it is missing it skips
// t with a message, or fails t if RequireServicesEnv is "1".
func RedisBinary(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err == nil {
		return bin
	}
	msg := "bustest: redis-server not found in PATH (install it, e.g. apt-get install redis-server)"
	if os.Getenv(RequireServicesEnv) == "1" {
		t.Fatalf("%s; %s=1 requires it", msg, RequireServicesEnv)
	}
	t.Skip(msg)
	return ""
}

// StartRedis starts redis-server on a free loopback port (skipping the test
// if the binary is missing, see RedisBinary) and kills it when the test
// ends.
func StartRedis(t testing.TB, opts ...RedisOption) *RedisServer {
	t.Helper()
	r := &RedisServer{bin: RedisBinary(t), dir: t.TempDir()}
	for _, o := range opts {
		o(r)
	}
	var err error
	for range 5 { // a free port can be taken between probe and bind: retry
		if r.port, err = freePort(); err != nil {
			break
		}
		if err = r.start(); err == nil {
			t.Cleanup(r.Kill)
			return r
		}
	}
	t.Fatalf("bustest: start redis-server: %v", err)
	return nil
}

// Start starts the server again (after Kill) on the port it had before.
func (r *RedisServer) Start(t testing.TB) {
	t.Helper()
	var err error
	// The old process's port may linger for a moment: retry briefly.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if err = r.start(); err == nil {
			return
		}
	}
	t.Fatalf("bustest: restart redis-server: %v", err)
}

func (r *RedisServer) start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd != nil {
		return nil
	}
	args := []string{
		"--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", r.dir, "--daemonize", "no", "--loglevel", "warning",
	}
	if r.tls != nil {
		args = append(args, "--port", "0", "--tls-port", strconv.Itoa(r.port),
			"--tls-cert-file", r.tls.CertFile, "--tls-key-file", r.tls.KeyFile,
			"--tls-ca-cert-file", r.tls.CAFile, "--tls-auth-clients", "no")
	} else {
		args = append(args, "--port", strconv.Itoa(r.port))
	}
	args = append(args, r.args...)
	cmd := exec.Command(r.bin, args...)
	logs := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.Dir = r.dir
	setParentDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("exec %s: %w", r.bin, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	if err := r.waitReady(done); err != nil {
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("%w (output: %s)", err, strings.TrimSpace(logs.String()))
	}
	r.cmd, r.done, r.logs = cmd, done, logs
	return nil
}

// waitReady polls the port until the server answers (or exits).
func (r *RedisServer) waitReady(exited <-chan struct{}) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := r.ping()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return errors.New("redis-server exited")
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready on %s: %w", r.Addr(), err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ping sends PING and accepts any well-formed reply (an authentication
// error also proves the server is serving).
func (r *RedisServer) ping() error {
	var conn net.Conn
	var err error
	d := net.Dialer{Timeout: time.Second}
	if r.tls != nil {
		conn, err = tls.DialWithDialer(&d, "tcp", r.Addr(), r.tls.Client.Clone())
	} else {
		conn, err = d.Dial("tcp", r.Addr())
	}
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+") && !strings.HasPrefix(line, "-") {
		return fmt.Errorf("unexpected reply %q", line)
	}
	if strings.HasPrefix(line, "-LOADING") {
		return errors.New("loading")
	}
	return nil
}

// Kill stops the server with SIGKILL (no shutdown, like a crash) and waits
// for the process to exit. It is idempotent.
func (r *RedisServer) Kill() {
	r.mu.Lock()
	cmd, done := r.cmd, r.done
	r.cmd, r.done = nil, nil
	r.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-done
}

// Port returns the server's port.
func (r *RedisServer) Port() int { return r.port }

// Addr returns host:port.
func (r *RedisServer) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port)) }

// URL returns the client URL, redis://host:port/0 (rediss:// when the
// server uses TLS), without credentials.
func (r *RedisServer) URL() string {
	scheme := "redis"
	if r.tls != nil {
		scheme = "rediss"
	}
	return scheme + "://" + r.Addr() + "/0"
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
