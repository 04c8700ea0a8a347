//go:build linux

package ws

import (
	"net"
	"syscall"
	"unsafe"
)

// rawWriter writes with one writev(2) that never waits: whatever the
// socket buffer takes goes out, and the caller hands the rest to the
// connection's writer goroutine. It lets a flusher write for many
// connections in turn without a slow client holding it up, with no
// allocation per write.
//
// Its fields are used only by the goroutine that owns the writer's write
// side.
type rawWriter struct {
	rc   syscall.RawConn
	fn   func(fd uintptr) bool // w.do, bound once so a write allocates nothing
	iovs []syscall.Iovec
	n    int
	err  error
}

// newRawWriter returns a rawWriter for nc, or nil if nc does not expose
// its file descriptor (TLS).
func newRawWriter(nc net.Conn) *rawWriter {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	w := &rawWriter{rc: rc}
	w.fn = w.do
	return w
}

// writev writes bufs (at most maxIovecs, none empty) without blocking and
// returns how many bytes the socket took, possibly 0.
func (w *rawWriter) writev(bufs net.Buffers) (int, error) {
	for _, b := range bufs {
		v := syscall.Iovec{Base: &b[0]}
		v.SetLen(len(b))
		w.iovs = append(w.iovs, v)
	}
	err := w.rc.Write(w.fn)
	n, werr := w.n, w.err
	clear(w.iovs) // hold no payload
	w.iovs, w.n, w.err = w.iovs[:0], 0, nil
	if cap(w.iovs) > 16 {
		w.iovs = nil // an idle connection keeps a small array at most
	}
	if err != nil {
		return 0, err
	}
	return n, werr
}

// do runs with the descriptor locked by the net package: one writev, and
// true whatever happened, so RawConn.Write never waits for writability.
func (w *rawWriter) do(fd uintptr) bool {
	for {
		r, _, e := syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&w.iovs[0])), uintptr(len(w.iovs)))
		switch e {
		case 0:
			w.n = int(r)
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			w.n = 0
		default:
			w.err = e
		}
		return true
	}
}
