package bustest

import (
	"bufio"
	"io"
	"net"
	"testing"
	"time"
)

func TestNATSServerRestart(t *testing.T) {
	s := StartNATS(t)
	addr := s.Addr()
	if s.Server() == nil || s.URL() != "nats://"+addr {
		t.Fatalf("server %v, URL %s", s.Server(), s.URL())
	}
	s.Stop()
	if s.Server() != nil {
		t.Fatal("Server() after Stop")
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Fatal("port still accepting after Stop")
	}
	s.Stop() // idempotent
	s.Start(t)
	if s.Addr() != addr {
		t.Fatalf("restarted on %s, want %s", s.Addr(), addr)
	}
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || line[:4] != "INFO" {
		t.Fatalf("greeting %q, %v", line, err)
	}
}

func TestRedisServerRestart(t *testing.T) {
	r := StartRedis(t)
	if err := r.ping(); err != nil {
		t.Fatal(err)
	}
	r.Kill()
	if err := r.ping(); err == nil {
		t.Fatal("answering after Kill")
	}
	r.Kill() // idempotent
	r.Start(t)
	if err := r.ping(); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}

// echoServer echoes every connection until the test ends.
func echoServer(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		_ = l.Close()
		<-done
	})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return l.Addr().String()
}

func roundTrip(c net.Conn, msg string, wait time.Duration) (string, error) {
	_ = c.SetDeadline(time.Now().Add(wait))
	if _, err := c.Write([]byte(msg)); err != nil {
		return "", err
	}
	buf := make([]byte, len(msg))
	_, err := io.ReadFull(c, buf)
	return string(buf), err
}

func TestProxy(t *testing.T) {
	p := StartProxy(t, echoServer(t))
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got, err := roundTrip(c, "hello", 5*time.Second); err != nil || got != "hello" {
		t.Fatalf("through the proxy: %q, %v", got, err)
	}
	p.Freeze()
	if got, err := roundTrip(c, "lost", 100*time.Millisecond); err == nil {
		t.Fatalf("frozen proxy forwarded %q", got)
	}
	p.Unfreeze()
	c2, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if got, err := roundTrip(c2, "again", 5*time.Second); err != nil || got != "again" {
		t.Fatalf("after Unfreeze: %q, %v", got, err)
	}
	p.Cut()
	_ = c2.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c2.Read(make([]byte, 1)); err == nil {
		t.Fatal("connection still open after Cut")
	}
}
