//go:build !linux

package ws

import "net"

// rawWriter is Linux-only; elsewhere every frame goes through the
// connection's writer goroutine.
type rawWriter struct{}

func newRawWriter(net.Conn) *rawWriter { return nil }

func (*rawWriter) writev(net.Buffers) (int, error) { panic("ws: rawWriter is Linux-only") }
