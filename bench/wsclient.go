package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// The load generator's WebSocket client: a hand-written RFC 6455 client over
// raw TCP, so that the client side costs as little CPU as possible and
// allocates nothing per frame. One goroutine reads each connection; writes
// (publishes, pongs, application pings) are serialized by a mutex.

// WebSocket opcodes.
const (
	opCont  = 0x0
	opText  = 0x1
	opBin   = 0x2
	opClose = 0x8
	opPing  = 0x9
	opPong  = 0xA
)

// maxMessage bounds one inbound message (a Centrifuge frame batches up to
// 16 pushes; 1 MiB is far above anything the benchmark receives).
const maxMessage = 1 << 20

var (
	errFrame       = errors.New("malformed frame")
	errTooLarge    = errors.New("message too large")
	errHandshake   = errors.New("websocket handshake refused")
	errServerClose = errors.New("server sent close")
)

// wsConn is one client connection.
type wsConn struct {
	nc   net.Conn
	br   *bufio.Reader
	mask [4]byte

	wmu  sync.Mutex
	wbuf []byte

	msg []byte // reassembly buffer for fragmented messages
}

// dialWS connects to addr, performs the opening handshake for path and
// returns the connection. Refused or reset connects (a full accept queue)
// are retried with backoff until ctx ends.
func dialWS(ctx context.Context, addr, path string) (*wsConn, error) {
	backoff := 5 * time.Millisecond
	for {
		c, err := dialOnce(ctx, addr, path)
		if err == nil {
			return c, nil
		}
		if !retryable(err) || ctx.Err() != nil {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("dial %s%s: %w (last: %v)", addr, path, ctx.Err(), err)
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 200*time.Millisecond)
	}
}

func retryable(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ETIMEDOUT) ||
		errors.Is(err, syscall.EPIPE)
}

func dialOnce(ctx context.Context, addr, path string) (*wsConn, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	c, err := handshake(nc, addr, path)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("handshake %s%s: %w", addr, path, err)
	}
	return c, nil
}

func handshake(nc net.Conn, host, path string) (*wsConn, error) {
	var key [16]byte
	if _, err := rand.Read(key[:]); err != nil {
		return nil, err
	}
	k := base64.StdEncoding.EncodeToString(key[:])
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	req := "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + k + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := io.WriteString(nc, req); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(nc, 4096)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return nil, fmt.Errorf("%w: status %s", errHandshake, resp.Status)
	}
	if got, want := resp.Header.Get("Sec-WebSocket-Accept"), acceptKey(k); got != want {
		return nil, fmt.Errorf("%w: Sec-WebSocket-Accept %q, want %q", errHandshake, got, want)
	}
	_ = nc.SetDeadline(time.Time{})
	c := &wsConn{nc: nc, br: br, wbuf: make([]byte, 0, 256)}
	if _, err := rand.Read(c.mask[:]); err != nil {
		return nil, err
	}
	return c, nil
}

func acceptKey(k string) string {
	h := sha1.Sum([]byte(k + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}

// appendClientFrame appends one final, masked client frame to b.
func appendClientFrame(b []byte, op byte, payload []byte, mask [4]byte) []byte {
	b = append(b, 0x80|op)
	switch n := len(payload); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n <= 0xFFFF:
		b = append(b, 0x80|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	b = append(b, mask[:]...)
	start := len(b)
	b = append(b, payload...)
	for i := range payload {
		b[start+i] ^= mask[i&3]
	}
	return b
}

// writeFrame sends one frame; build appends the payload to the buffer it
// is given (so callers format straight into the write buffer).
func (c *wsConn) writeFrame(op byte, build func([]byte) []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	// Format the payload at the end of the buffer, then frame it in front.
	raw := build(c.wbuf[:0])
	c.wbuf = raw[:0]
	frame := appendClientFrame(raw[len(raw):], op, raw, c.mask)
	if cap(frame) > cap(c.wbuf) {
		c.wbuf = frame[:0]
	}
	_, err := c.nc.Write(frame)
	return err
}

// writeText sends payload as one text frame.
func (c *wsConn) writeText(payload []byte) error {
	return c.writeFrame(opText, func(b []byte) []byte { return append(b, payload...) })
}

// frameHeader is a parsed server frame header.
type frameHeader struct {
	fin    bool
	op     byte
	masked bool
	length uint64
	mask   [4]byte
}

// readHeader reads one frame header from br.
func readHeader(br *bufio.Reader) (frameHeader, error) {
	var h frameHeader
	b0, err := br.ReadByte()
	if err != nil {
		return h, err
	}
	b1, err := br.ReadByte()
	if err != nil {
		return h, unexpected(err)
	}
	if b0&0x70 != 0 {
		return h, fmt.Errorf("%w: reserved bits set", errFrame)
	}
	h.fin, h.op, h.masked = b0&0x80 != 0, b0&0x0F, b1&0x80 != 0
	h.length = uint64(b1 & 0x7F)
	// Bytes are read one at a time from the buffered reader: handing a
	// local array to io.ReadFull would make it escape (an allocation per
	// frame).
	switch h.length {
	case 126:
		if h.length, err = readBE(br, 2); err != nil {
			return h, err
		}
	case 127:
		if h.length, err = readBE(br, 8); err != nil {
			return h, err
		}
	}
	if h.masked {
		for i := range h.mask {
			if h.mask[i], err = br.ReadByte(); err != nil {
				return h, unexpected(err)
			}
		}
	}
	switch {
	case h.op >= opClose && (!h.fin || h.length > 125):
		return h, fmt.Errorf("%w: bad control frame", errFrame)
	case h.op > opBin && h.op < opClose, h.op > opPong:
		return h, fmt.Errorf("%w: reserved opcode %d", errFrame, h.op)
	}
	return h, nil
}

// readBE reads an n-byte big-endian unsigned integer.
func readBE(br *bufio.Reader, n int) (uint64, error) {
	var v uint64
	for range n {
		b, err := br.ReadByte()
		if err != nil {
			return 0, unexpected(err)
		}
		v = v<<8 | uint64(b)
	}
	return v, nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// messageReader reassembles messages from a stream of frames.
type messageReader struct {
	br        *bufio.Reader
	buf       []byte // current message
	inMessage bool   // a fragmented data message is being assembled
	msgOp     byte   // the fragmented message's opcode
	ctrl      [125]byte
}

// next returns the next complete data message or control frame. The
// returned slice is valid until the next call. Control frames may arrive
// between the fragments of a data message and are returned as they come.
func (r *messageReader) next() (op byte, payload []byte, err error) {
	for {
		h, err := readHeader(r.br)
		if err != nil {
			return 0, nil, err
		}
		if h.op >= opClose {
			p := r.ctrl[:h.length]
			if _, err := io.ReadFull(r.br, p); err != nil {
				return 0, nil, unexpected(err)
			}
			unmask(p, h.mask, h.masked)
			return h.op, p, nil
		}
		switch {
		case h.op == opCont && !r.inMessage:
			return 0, nil, fmt.Errorf("%w: continuation without a message", errFrame)
		case h.op != opCont && r.inMessage:
			return 0, nil, fmt.Errorf("%w: new message inside a fragmented one", errFrame)
		case h.op != opCont:
			r.buf = r.buf[:0]
			op = h.op
		}
		if uint64(len(r.buf))+h.length > maxMessage {
			return 0, nil, errTooLarge
		}
		start := len(r.buf)
		r.buf = grow(r.buf, int(h.length))
		if _, err := io.ReadFull(r.br, r.buf[start:]); err != nil {
			return 0, nil, unexpected(err)
		}
		unmask(r.buf[start:], h.mask, h.masked)
		if !h.fin {
			if h.op != opCont {
				r.inMessage = true
				r.msgOp = op
			}
			continue
		}
		if r.inMessage {
			op = r.msgOp
			r.inMessage = false
		}
		return op, r.buf, nil
	}
}

// grow extends b by n bytes, reallocating only when capacity runs out.
func grow(b []byte, n int) []byte {
	if need := len(b) + n; need > cap(b) {
		nb := make([]byte, len(b), max(need, 2*cap(b), 512))
		copy(nb, b)
		b = nb
	}
	return b[:len(b)+n]
}

func unmask(p []byte, mask [4]byte, masked bool) {
	if !masked {
		return
	}
	for i := range p {
		p[i] ^= mask[i&3]
	}
}

// run reads messages until the connection fails or ends, passing each data
// message to onMessage, answering pings and the server's close.
func (c *wsConn) run(onMessage func(msg []byte)) error {
	r := messageReader{br: c.br}
	for {
		op, p, err := r.next()
		if err != nil {
			return err
		}
		switch op {
		case opText, opBin:
			onMessage(p)
		case opPing:
			if err := c.writeFrame(opPong, func(b []byte) []byte { return append(b, p...) }); err != nil {
				return err
			}
		case opClose:
			_ = c.writeFrame(opClose, func(b []byte) []byte { return append(b, p...) })
			if len(p) >= 2 {
				return fmt.Errorf("%w: code %d %q", errServerClose, binary.BigEndian.Uint16(p), p[2:])
			}
			return errServerClose
		}
	}
}

// close closes the TCP connection.
func (c *wsConn) close() error { return c.nc.Close() }
