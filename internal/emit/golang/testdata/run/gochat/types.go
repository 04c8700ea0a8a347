// Package gochat declares part of the chat app as annotated Go: jsgen emits
// only methods and helpers for these types.
package gochat

import (
	"time"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// Room is a chat room.
//
//jsgen:model idMaxLength=64
type Room struct {
	Name string `json:"name" jsgen:"maxLength=100"`
}

// ClientMessageType is the kind of a client frame.
type ClientMessageType string

// ClientMessage is a frame a client sends.
//
//jsgen:message
type ClientMessage struct {
	Type    ClientMessageType `json:"type" jsgen:"enum=message|typing"`
	Content *string           `json:"content,omitempty" jsgen:"maxLength=4000"`
}

// JoinEvent says someone joined.
//
//jsgen:message
type JoinEvent struct {
	Username  string            `json:"username"`
	Room      jsgenrt.Ref[Room] `json:"room"`
	Timestamp time.Time         `json:"timestamp"`
}

// RoomEvent is a frame the room sends.
//
//jsgen:union discriminator=type join=JoinEvent leave=LeaveEvent
type RoomEvent interface{ RoomEventTag() string }
