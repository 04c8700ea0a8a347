//go:build linux

package ws

import (
	"net"
	"syscall"
	"unsafe"
)

// rawWriter writes a frame with one writev(2) that never waits: whatever
// the socket buffer takes goes out, and the caller queues the rest for the
// connection's writer goroutine. It lets a broadcast write straight from
// the publisher's goroutine (no goroutine hand-off, no allocation) while
// a slow client still cannot block it.
//
// Its fields are used only by the holder of the sockConn's mu.
type rawWriter struct {
	rc  syscall.RawConn
	fn  func(fd uintptr) bool // w.do, bound once so a write allocates nothing
	hdr [maxHeader]byte
	iov [2]syscall.Iovec
	cnt int
	n   int
	err error
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

// write writes the text frame of payload p without blocking and returns
// how many bytes of it (header first) the socket took, possibly 0.
func (w *rawWriter) write(p []byte) (int, error) {
	h := appendFrameHeader(w.hdr[:0], len(p))
	w.iov[0] = syscall.Iovec{Base: &h[0]}
	w.iov[0].SetLen(len(h))
	w.cnt = 1
	if len(p) > 0 {
		w.iov[1] = syscall.Iovec{Base: &p[0]}
		w.iov[1].SetLen(len(p))
		w.cnt = 2
	}
	err := w.rc.Write(w.fn)
	n, werr := w.n, w.err
	w.iov, w.n, w.err = [2]syscall.Iovec{}, 0, nil // hold no payload
	if err != nil {
		return 0, err
	}
	return n, werr
}

// do runs with the descriptor locked by the net package: one writev, and
// true whatever happened, so RawConn.Write never waits for writability.
func (w *rawWriter) do(fd uintptr) bool {
	for {
		r, _, e := syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&w.iov[0])), uintptr(w.cnt))
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
