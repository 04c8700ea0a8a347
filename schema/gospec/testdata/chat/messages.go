package chat

import (
	"time"

	jsgenrt "github.com/jsgen-dev/jsgen/runtime"
)

// A frame a client sends on the room socket.
//
//jsgen:message
type ClientMessage struct {
	Type    ClientMessageType `json:"type" jsgen:"enum=message|typing"`
	Content *string           `json:"content,omitempty" jsgen:"maxLength=4000"`
}

// ClientMessageType is the kind of a client frame.
type ClientMessageType string

//jsgen:message
type RoomQuery struct {
	Username string `json:"username" jsgen:"default=Anonymous,minLength=1,maxLength=50,pattern='^[^<>]+$'"`
	Echo     bool   `json:"echo" jsgen:"default=true"`
}

//jsgen:message
type DMQuery struct {
	Username string `json:"username" jsgen:"default=Anonymous,minLength=1,maxLength=50"`
}

//jsgen:message
type JoinEvent struct {
	Username  string    `json:"username"`
	Timestamp time.Time `json:"timestamp"`
}

//jsgen:message
type LeaveEvent struct {
	Username  string    `json:"username"`
	Timestamp time.Time `json:"timestamp"`
}

// A message or typing notice, sent to the whole room.
//
//jsgen:message
type ChatEvent struct {
	Username  string    `json:"username"`
	Content   *string   `json:"content,omitempty"`
	Timestamp time.Time `json:"timestamp"`
}

//jsgen:message
type TypingEvent struct {
	Username  string    `json:"username"`
	Timestamp time.Time `json:"timestamp"`
}

//jsgen:message
type SentEvent struct {
	// The server-assigned identifier of the message.
	MessageID string `json:"messageId"`
}

//jsgen:message
type FieldError struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

//jsgen:message
type ErrorEvent struct {
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Errors  []FieldError `json:"errors,omitempty" jsgen:"optional,maxItems=100"`
}

//jsgen:message
type DirectMessage struct {
	To        *jsgenrt.Ref[User] `json:"to,omitempty"`
	From      *jsgenrt.Ref[User] `json:"from,omitempty"`
	Content   string             `json:"content" jsgen:"minLength=1,maxLength=4000"`
	Timestamp *time.Time         `json:"timestamp,omitzero"`
}

//jsgen:message
type PresenceUpdate struct {
	Status PresenceStatus `json:"status" jsgen:"enum=online|away|busy"`
}

// PresenceStatus is what a user shows to others.
type PresenceStatus string

//jsgen:message
type RoomPayload struct {
	Room      jsgenrt.Ref[Room] `json:"room"`
	Username  string            `json:"username"`
	Content   string            `json:"content" jsgen:"default='',maxLength=4000"`
	Timestamp time.Time         `json:"timestamp"`
	Score     float64           `json:"score" jsgen:"min=0,max=1.5"`
	Attempts  int64             `json:"attempts" jsgen:"min=-1,default='0'"`
	Labels    map[string]string `json:"labels,omitempty" jsgen:"optional,maxLength=20"`
}
