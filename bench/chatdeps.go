//go:build tools

package main

// The jsgen server under test is the chat example, built from this module
// (through the replace in go.mod) by buildChat. These imports keep the
// modules its cluster mode needs (nats.go, go-redis) in go.mod and go.sum,
// so `go mod tidy` here does not drop them.
import (
	_ "github.com/jsgen-dev/jsgen/runtime/bus/natsbus"
	_ "github.com/jsgen-dev/jsgen/runtime/bus/redisbus"
	_ "github.com/jsgen-dev/jsgen/runtime/room/roomsync"
)
