// Package decl holds raw declarations as the front-ends read them (from
// jsgen.yaml or from annotated Go), before any checking. Every value keeps the
// position it came from so that later stages can report file:line:col.
//
// A front-end only checks what is specific to its syntax (YAML shape, unknown
// keys, directive and tag grammar). Names, references, types and constraints
// are checked once, for both front-ends, by package ir.
package decl

import "github.com/jsgen-dev/jsgen/schema/diag"

// Origin says which front-end a declaration came from.
type Origin int

const (
	// FromYAML marks declarations read from jsgen.yaml: jsgen emits their Go types.
	FromYAML Origin = iota
	// FromGo marks declarations read from annotated Go: the Go types are the
	// user's, jsgen emits only methods and helpers for them.
	FromGo
)

// Ident is a name with the position where it was written.
type Ident struct {
	Name string
	Pos  diag.Pos
}

// String is a string value with its position.
type String struct {
	Value string
	Pos   diag.Pos
}

// Literal is a scalar value as written (YAML scalar or directive/tag argument):
// the text and whether it was quoted. Its meaning depends on the field type,
// so it is interpreted by package ir.
type Literal struct {
	Text   string
	Quoted bool // written as a quoted string: never a number or bool
	Pos    diag.Pos
}

// Spec is everything one source file (jsgen.yaml) or one Go package declares.
type Spec struct {
	Origin  Origin
	File    string // the jsgen.yaml path, or the Go package directory
	Package Ident  // Go package name of the generated code ("" when not given)

	Models      []*Type
	Messages    []*Type
	Unions      []*Union
	Channels    []*Channel
	Events      []*EventBus
	Controllers []*Controller

	// Broken names the models, messages and unions the front-end reported
	// as unreadable and left out. Package ir resolves references to them
	// without reporting each use again.
	Broken []Ident
}

// Type declares a model or a message: a named struct of fields.
type Type struct {
	Name   Ident
	Doc    string
	Origin Origin
	Fields []*Field
	// IDMaxLength bounds the identifier of a model's Ref (models only; nil
	// means the default).
	IDMaxLength *Literal
	// IDMinLength, IDPattern and IDValues further constrain the identifier
	// of a model's Ref (models only; nil or empty means unconstrained):
	// a lower bound in bytes, an RE2 pattern (unanchored, as field
	// patterns) and a closed set of identifiers.
	IDMinLength *Literal
	IDPattern   *String
	IDValues    []String
	// IDValuesPos is where the closed set was written (its key), so that an
	// empty set can be reported; zero when IDValues was not written.
	IDValuesPos diag.Pos
}

// Field is one field of a model, message or query.
type Field struct {
	Name   Ident // wire (JSON) name
	GoName Ident // Go field name; empty in YAML, where it is derived from Name
	Doc    string
	// Type is a type expression: string, bool, int, int64, float64,
	// timestamp, enum, a model name (a ref), a message or union name, []T,
	// or map[string]T. In the Go form (FromGo) a ref is written Ref[Model],
	// as the Go type jsgenrt.Ref[Model] says, and a bare name is the type
	// itself (a message or union held by value).
	Type String
	// EnumName names the Go type of an enum field; empty means derived
	// (<Type><Field>).
	EnumName Ident
	Optional *Literal // presence means optional; Text is "true" or "false"
	Default  *Literal

	Values    []String // enum values
	MinLength *Literal
	MaxLength *Literal
	Pattern   *String
	Min       *Literal
	Max       *Literal
	MinItems  *Literal
	MaxItems  *Literal
}

// Union declares a discriminated union of messages: the value of the
// Discriminator field picks the variant.
type Union struct {
	Name          Ident
	Doc           string
	Origin        Origin
	Discriminator *String // nil means "type"
	Variants      []Variant
	// Default names the variant's tag used when the discriminator is absent
	// (nil: the discriminator is required).
	Default *String
}

// Variant maps a discriminator value to a message.
type Variant struct {
	Tag     String
	Message Ident
}

// Channel declares typed pub/sub channels keyed by a model's Ref, or by
// several Refs (a composite key).
type Channel struct {
	Origin  Origin
	Name    Ident
	Doc     string
	Key     Ident // model name; for a composite key, the key struct's name (Go form) or empty (YAML)
	Message Ident // message or union name
	Prefix  *String
	// KeyParts lists the refs of a composite key in order (nil for a
	// single-model key): YAML `key: [Lobby, Team]`, or the Ref fields of
	// the key struct in the Go form.
	KeyParts []KeyPart
}

// KeyPart is one ref of a composite channel key.
type KeyPart struct {
	GoName Ident // Go field name of the key struct; empty in YAML, where it is the model name
	Model  Ident
}

// EventBus declares a typed event bus: topic → payload.
type EventBus struct {
	Name   Ident
	Doc    string
	Topics []Topic
}

// Topic is one topic of an event bus.
type Topic struct {
	Name    String // e.g. "room.message"
	GoName  Ident  // Go method suffix; empty in YAML, where it is derived from Name
	Payload Ident  // message or union name
}

// Controller declares WebSocket routes under a common path prefix.
type Controller struct {
	Origin Origin // set by package ir from the Spec
	Name   Ident
	Doc    string
	Prefix *String
	// Auth makes every route of the controller require a token; nil: none.
	Auth *Auth
	// Guards run on every route of the controller, before the route's own.
	Guards []Ident
	// Handler is the handler form of the controller's routes: "loop" (the
	// default) or "callbacks". A route's own Handler overrides it.
	Handler *String
	Routes  []*Route
}

// Auth declares that a route requires a bearer token, and the model whose
// Ref the token identifies.
type Auth struct {
	Pos      diag.Pos // where it is declared (the auth key, or the directive)
	Identity Ident    // the model
}

// Route declares one WebSocket route of a controller.
type Route struct {
	Name   Ident // e.g. "room"
	Doc    string
	Path   String  // e.g. "/room/:roomId"
	Params []Param // the model of each :param in Path
	Query  *Ident  // a message whose fields are the typed query parameters
	In     *Ident  // inbound message or union
	Out    []Ident // outbound messages or unions
	Auth   *Auth   // the route requires a token; nil: as its controller says
	// Guards are the names of the checks the app supplies that decide, before
	// the upgrade, whether a request may connect, in the order they run.
	Guards []Ident
	// Handler is the route's handler form, "loop" or "callbacks"; nil
	// takes the controller's.
	Handler *String
}

// Param types a path parameter by a model: its value becomes a Ref.
type Param struct {
	Name Ident
	// Model is empty when a front-end could not read the parameter's type
	// (and reported why).
	Model Ident
}
