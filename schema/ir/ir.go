// Package ir is jsgen's intermediate representation: one validated, immutable
// description of an app, built from the raw declarations of either front-end
// (jsgen.yaml or annotated Go) by Build.
//
// The IR is what emitters read. It is a pure value: slices in declaration or
// name order, never maps, so that everything derived from it is deterministic.
// Every identifier jsgen generates for a declaration is computed by Build
// (names.go holds the rules) and stored on the node, in its Names field or
// similar; emitters read them and never derive a name themselves.
//
// Its JSON form (jsgen describe --json) leaves out source positions and
// generated names, so the YAML and the Go form of the same app describe identically.
package ir

import (
	"encoding/json"

	"github.com/jsgen-dev/jsgen/schema/diag"
)

// DefaultIDMaxLength bounds a Ref identifier, in bytes, when a model sets no bound.
const DefaultIDMaxLength = 255

// Program is a whole app.
type Program struct {
	Package     string        `json:"package"`
	Models      []*Model      `json:"models"`
	Messages    []*Message    `json:"messages"`
	Enums       []*Enum       `json:"enums"`
	Unions      []*Union      `json:"unions"`
	Channels    []*Channel    `json:"channels"`
	EventBuses  []*EventBus   `json:"eventBuses"`
	Controllers []*Controller `json:"controllers"`
}

// Model is a domain entity. Its values are referred to by Ref[Model].
type Model struct {
	Name        string   `json:"name"`
	Doc         string   `json:"doc,omitempty"`
	Fields      []*Field `json:"fields"`
	IDMaxLength int      `json:"idMaxLength"` // in bytes of UTF-8
	// IDMinLength is the least length of an identifier in bytes of UTF-8
	// (0: no bound beyond non-empty).
	IDMinLength int `json:"idMinLength,omitempty"`
	// IDPattern is an RE2 pattern every identifier matches (unanchored, as
	// field patterns); "" means none.
	IDPattern string `json:"idPattern,omitempty"`
	// IDValues is the closed set of identifiers, in declaration order; nil
	// means any identifier the other bounds allow. Every value satisfies
	// them and the built-in identifier rules.
	IDValues []string `json:"idValues,omitempty"`
	// IDMaxLengthSet says the declaration sets idMaxLength (IDMaxLength is
	// DefaultIDMaxLength otherwise).
	IDMaxLengthSet bool `json:"-"`
	// DeclaresGoType says jsgen declares the Go type (jsgen.yaml); false
	// when the user declares it in annotated Go.
	DeclaresGoType bool       `json:"-"`
	Names          ModelNames `json:"-"`
	Pos            diag.Pos   `json:"-"`
}

// Message is a wire type: a struct of fields exchanged as a JSON object.
type Message struct {
	Name   string   `json:"name"`
	Doc    string   `json:"doc,omitempty"`
	Fields []*Field `json:"fields"`
	// DeclaresGoType says jsgen declares the Go type (jsgen.yaml); false
	// when the user declares it in annotated Go.
	DeclaresGoType bool         `json:"-"`
	Names          MessageNames `json:"-"`
	Pos            diag.Pos     `json:"-"`
}

// Field is a field of a model or message.
type Field struct {
	Name   string `json:"name"`   // wire (JSON) name
	GoName string `json:"goName"` // exported Go field name
	Doc    string `json:"doc,omitempty"`
	Type   *Type  `json:"type"`
	// Optional fields may be absent on the wire. A field with a Default is
	// optional on the wire and always set after decoding.
	Optional    bool            `json:"optional,omitempty"`
	Default     json.RawMessage `json:"default,omitempty"` // canonical JSON literal
	Constraints Constraints     `json:"constraints"`
	// PatternVar is the Go variable holding the compiled pattern; "" when
	// the field has none.
	PatternVar string   `json:"-"`
	Pos        diag.Pos `json:"-"`
}

// Kind is the kind of a type.
type Kind string

// The kinds of types.
const (
	String    Kind = "string"
	Bool      Kind = "bool"
	Int       Kind = "int"
	Int64     Kind = "int64"
	Float64   Kind = "float64"
	Timestamp Kind = "timestamp" // wire: integer Unix milliseconds; Go: time.Time
	EnumKind  Kind = "enum"      // wire: string; Go: a named string type
	Ref       Kind = "ref"       // wire: the identifier string; Go: runtime.Ref[Model]
	Array     Kind = "array"
	Map       Kind = "map" // keys are strings
	MessageK  Kind = "message"
	UnionK    Kind = "union"
)

// Type is a field's type.
type Type struct {
	Kind Kind  `json:"kind"`
	Elem *Type `json:"elem,omitempty"` // Array, Map
	// Name is the model (Ref), message (MessageK), union (UnionK) or enum
	// (EnumKind) the type refers to.
	Name string `json:"name,omitempty"`
}

// IsScalar reports whether t is a string, bool, number, timestamp, enum or ref.
func (t *Type) IsScalar() bool {
	switch t.Kind {
	case Array, Map, MessageK, UnionK:
		return false
	}
	return true
}

// Scalar returns the innermost element type of arrays and maps.
func (t *Type) Scalar() *Type {
	for t.Elem != nil {
		t = t.Elem
	}
	return t
}

// Constraints restrict a field's values. String and number constraints apply
// to the innermost element of arrays and maps; item counts to the outermost
// array. Unset constraints are nil or empty.
type Constraints struct {
	MinLength *int         `json:"minLength,omitempty"` // in Unicode code points
	MaxLength *int         `json:"maxLength,omitempty"` // in Unicode code points
	Pattern   string       `json:"pattern,omitempty"`   // RE2, unanchored as in JSON Schema
	Min       *json.Number `json:"min,omitempty"`       // inclusive
	Max       *json.Number `json:"max,omitempty"`       // inclusive
	MinItems  *int         `json:"minItems,omitempty"`
	MaxItems  *int         `json:"maxItems,omitempty"`
}

// Enum is a named string type with a fixed set of values.
type Enum struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
	// Consts are the Go constants of the values, in order.
	Consts []string `json:"-"`
	// DeclaresGoType says jsgen declares the Go type (jsgen.yaml); false
	// when the user declares it in annotated Go.
	DeclaresGoType bool     `json:"-"`
	Pos            diag.Pos `json:"-"`
}

// Union is a discriminated union of messages.
type Union struct {
	Name          string     `json:"name"`
	Doc           string     `json:"doc,omitempty"`
	Discriminator string     `json:"discriminator"`
	Variants      []*Variant `json:"variants"`
	DefaultTag    string     `json:"defaultTag,omitempty"` // variant used when the discriminator is absent
	// DeclaresGoType says jsgen declares the Go type (jsgen.yaml); false
	// when the user declares it in annotated Go.
	DeclaresGoType bool       `json:"-"`
	Names          UnionNames `json:"-"`
	Pos            diag.Pos   `json:"-"`
}

// Variant is one case of a union.
type Variant struct {
	Tag     string `json:"tag"`
	Message string `json:"message"`
}

// Channel is a family of typed pub/sub channels keyed by Ref[Key].
type Channel struct {
	Name string `json:"name"`
	Doc  string `json:"doc,omitempty"`
	// Key is the model name, or for a composite key the Go struct type
	// whose fields are the parts' refs (<Name>Key in the YAML form).
	Key string `json:"key"`
	// KeyParts are the refs of a composite key, in order; nil when Key is
	// a model.
	KeyParts []*KeyPart `json:"keyParts,omitempty"`
	Message  *Type      `json:"message"` // MessageK or UnionK
	Prefix   string     `json:"prefix,omitempty"`
	// DeclaresGoType says jsgen declares the family's Go type (and the
	// composite key struct): jsgen.yaml; false when the user declares them
	// in annotated Go.
	DeclaresGoType bool         `json:"-"`
	Names          ChannelNames `json:"-"`
	Pos            diag.Pos     `json:"-"`
}

// KeyPart is one ref of a composite channel key.
type KeyPart struct {
	GoName string `json:"goName"` // field of the key struct
	Model  string `json:"model"`
}

// KeySeparator joins the identifiers of a composite channel key into one
// channel key (and bus subject tokens). Identifiers never contain it, so
// distinct keys never share a joined form.
const KeySeparator = "."

// EventBus is a typed event bus.
type EventBus struct {
	Name   string        `json:"name"`
	Doc    string        `json:"doc,omitempty"`
	Topics []*Topic      `json:"topics"`
	Names  EventBusNames `json:"-"`
	Pos    diag.Pos      `json:"-"`
}

// Topic is one topic of an event bus.
type Topic struct {
	Name    string     `json:"name"`    // wire subject, e.g. "room.message"
	GoName  string     `json:"goName"`  // e.g. "RoomMessage" (EmitRoomMessage, OnRoomMessage)
	Payload *Type      `json:"payload"` // MessageK or UnionK
	Names   TopicNames `json:"-"`
}

// Controller groups WebSocket routes under a path prefix.
type Controller struct {
	Name   string          `json:"name"`
	Doc    string          `json:"doc,omitempty"`
	Prefix string          `json:"prefix"` // "" or "/x", never a trailing slash
	Routes []*Route        `json:"routes"`
	Names  ControllerNames `json:"-"`
	Pos    diag.Pos        `json:"-"`
}

// Route is one WebSocket route.
type Route struct {
	Name    string   `json:"name"`   // as declared, e.g. "room"
	GoName  string   `json:"goName"` // e.g. "Room"
	Doc     string   `json:"doc,omitempty"`
	Path    string   `json:"path"`            // as declared, e.g. "/room/:roomId"
	Pattern string   `json:"pattern"`         // full http.ServeMux pattern, e.g. "/chat/room/{roomId}"
	Params  []*Param `json:"params"`          // in path order
	Query   string   `json:"query,omitempty"` // message name
	In      *Type    `json:"in,omitempty"`    // MessageK or UnionK
	Out     []*Type  `json:"out"`             // MessageK or UnionK
	// Identity is the model whose Ref a bearer token identifies: the route
	// requires a token, and its connections have a typed identity. ""
	// means the route needs no token.
	Identity string `json:"identity,omitempty"`
	// Guards are the checks the app supplies, run before the upgrade in
	// this order (the controller's first, then the route's own).
	Guards []*Guard `json:"guards,omitempty"`
	// Callbacks is true for a route in the callback form (handler:
	// callbacks): Open<Route> and a session instead of one method.
	Callbacks bool       `json:"callbacks,omitempty"`
	Names     RouteNames `json:"-"`
	Pos       diag.Pos   `json:"-"`
}

// Guard is a named check of a route, which the app supplies as a method
// of the controller's handlers.
type Guard struct {
	Name   string `json:"name"`   // as declared, e.g. "roomMember"
	GoName string `json:"goName"` // e.g. "RoomMember"
	// Method is the method of the controller's handlers that implements it
	// for this route, e.g. GuardRoomRoomMember.
	Method string   `json:"-"`
	Pos    diag.Pos `json:"-"`
}

// Param is a path parameter typed by a model.
type Param struct {
	Name   string `json:"name"`   // e.g. "roomId"
	GoName string `json:"goName"` // e.g. "RoomID"
	Model  string `json:"model"`
}

// Model returns the model called name, or nil.
func (p *Program) Model(name string) *Model {
	return find(p.Models, name, func(m *Model) string { return m.Name })
}

// Message returns the message called name, or nil.
func (p *Program) Message(name string) *Message {
	return find(p.Messages, name, func(m *Message) string { return m.Name })
}

// Enum returns the enum called name, or nil.
func (p *Program) Enum(name string) *Enum {
	return find(p.Enums, name, func(e *Enum) string { return e.Name })
}

// Union returns the union called name, or nil.
func (p *Program) Union(name string) *Union {
	return find(p.Unions, name, func(u *Union) string { return u.Name })
}

func find[T any](s []T, name string, nameOf func(T) string) T {
	for _, v := range s {
		if nameOf(v) == name {
			return v
		}
	}
	var zero T
	return zero
}
