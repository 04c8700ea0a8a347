package ir

import (
	"fmt"
	"go/token"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// initialisms are written in upper case in Go names (roomId → RoomID), as
// golint and the standard library do.
var initialisms = map[string]bool{
	"ACL": true, "API": true, "ASCII": true, "CPU": true, "CSS": true, "DM": true, "DNS": true,
	"EOF": true, "GUID": true, "HTML": true, "HTTP": true, "HTTPS": true, "ID": true, "IP": true,
	"JSON": true, "LHS": true, "QPS": true, "RAM": true, "RHS": true, "RPC": true, "SLA": true,
	"SMTP": true, "SQL": true, "SSH": true, "TCP": true, "TLS": true, "TTL": true, "UDP": true,
	"UI": true, "UID": true, "URI": true, "URL": true, "UTF8": true, "UUID": true, "VM": true,
	"WS": true, "XML": true, "XMPP": true, "XSRF": true, "XSS": true,
}

// GoName converts a wire name (camelCase, snake_case, kebab-case or dotted)
// to an exported Go identifier: roomId → RoomID, created_at → CreatedAt,
// room.message → RoomMessage. It returns "" when nothing usable is left.
func GoName(s string) string {
	var b strings.Builder
	for _, w := range words(s) {
		if up := strings.ToUpper(w); initialisms[up] {
			b.WriteString(up)
			continue
		}
		r, size := utf8.DecodeRuneInString(w)
		b.WriteRune(unicode.ToUpper(r))
		b.WriteString(w[size:])
	}
	return b.String()
}

// words splits s at separators (anything not a letter or digit) and at
// lower→upper case changes.
func words(s string) []string {
	var out []string
	start := -1
	var prev rune
	for i, r := range s {
		isWord := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case !isWord:
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
		case start < 0:
			start = i
		case unicode.IsUpper(r) && (unicode.IsLower(prev) || unicode.IsDigit(prev)):
			out = append(out, s[start:i])
			start = i
		}
		prev = r
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

// lowerCamel returns s with its leading upper-case run in lower case, as Go
// does for unexported names: Room → room, DM → dm, URLPath → urlPath.
func lowerCamel(s string) string {
	rs := []rune(s)
	i := 0
	for i < len(rs) && unicode.IsUpper(rs[i]) {
		i++
	}
	if i > 1 && i < len(rs) && unicode.IsLower(rs[i]) {
		i-- // the last upper-case letter starts the next word
	}
	for j := range i {
		rs[j] = unicode.ToLower(rs[j])
	}
	return string(rs)
}

// isExportedIdent reports whether s is an exported Go identifier.
func isExportedIdent(s string) bool {
	return token.IsIdentifier(s) && token.IsExported(s)
}

// The naming rules: every identifier jsgen generates for a declaration is
// derived here, and only here. Build stores the result on each IR node (the
// Names fields) and checks them for collisions; emitters and the Go reader
// read them and never build a generated name themselves.

// Generated Go files, relative to the package directory.
const (
	GoTypesFile       = "types.jsgen.go"       // models, enums, messages, unions
	GoChannelsFile    = "channels.jsgen.go"    // channel families
	GoEventsFile      = "events.jsgen.go"      // event buses
	GoControllersFile = "controllers.jsgen.go" // WebSocket controllers

	TSClientFile = "client.ts" // the TypeScript client, in the client output directory
)

// The exported methods jsgen generates on every model and message, on
// every enum type and on a composite channel key struct.
const (
	MethodAppendJSON    = "AppendJSON"    // func (m *T) AppendJSON(b []byte) []byte
	MethodMarshalJSON   = "MarshalJSON"   // func (m T) MarshalJSON() ([]byte, error)
	MethodUnmarshalJSON = "UnmarshalJSON" // func (m *T) UnmarshalJSON(data []byte) error
	MethodValidate      = "Validate"      // func (m *T) Validate() error
	MethodValid         = "Valid"         // func (e E) Valid() bool, on enums
	MethodKeyRef        = "Ref"           // func (k RoomUserKey) Ref() jsgenrt.Ref[RoomUserKey]
)

// RecordMethods are the methods jsgen generates on every model and message.
var RecordMethods = []string{MethodAppendJSON, MethodMarshalJSON, MethodUnmarshalJSON, MethodValidate, "jsgenAppendFields", "jsgenDecode", "jsgenValidate"}

// EnumMethods are the methods jsgen generates on every enum type.
var EnumMethods = []string{MethodValid}

// The exported members of the connection and upgrade types jsgen generates
// for every route (RouteNames.Conn, RouteNames.Upgrade).
const (
	ConnMessages    = "Messages" // func (c *ChatRoomConn) Messages() iter.Seq[In]
	ConnSend        = "Send"     // Send sends the route's first outbound type; Send<Out> the others
	FieldParams     = "Params"   // Conn and Upgrade: the validated path parameters
	FieldQuery      = "Query"    // Conn and Upgrade: the validated query
	FieldRequest    = "Request"  // Upgrade: the HTTP upgrade request
	FieldIdentity   = "Identity" // Upgrade: the identity the server's guard returned
	FieldEmbeddedWS = "Conn"     // Conn: the embedded *ws.Conn
	ConnIdentity    = "Identity" // func (c *ChatRoomConn) Identity() jsgenrt.Ref[User], on routes with an identity
)

// HandlerAuthenticate is the method of a controller's handlers that turns
// a bearer token into the identity of a connection, on controllers with a
// route that declares one.
const HandlerAuthenticate = "Authenticate"

// The methods of a route's session interface in the callback form
// (RouteNames.Handler.Session).
const (
	SessionOnMessage = "OnMessage" // OnMessage(ctx, msg In) error
	SessionOnClose   = "OnClose"   // OnClose(ctx, err error)
)

// GuardMethodFor is the method of a controller's handlers that implements
// the guard whose Go name is guard for the route whose Go name is route:
// Guard<Route><Guard>, e.g. GuardRoomRoomMember.
func GuardMethodFor(route, guard string) string { return "Guard" + route + guard }

// TSRuntimeNames are the module-level names client.ts declares for its
// runtime; no declaration may take them.
var TSRuntimeNames = []string{
	"JsgenSocket", "JsgenWebSocketConstructor", "JsgenReconnectOptions", "JsgenClientOptions",
	"JsgenOpenEvent", "JsgenCloseEvent", "JsgenFieldError", "JsgenErrorFrame", "JsgenClient",
	"JsgenRoute", "JsgenGlobals", "JsgenQueryValue", "JsgenConnection",
	"jsgenGlobals", "JSGEN_CONNECTING", "JSGEN_OPEN", "jsgenURL", "jsgenQuery", "jsgenClassify", "jsgenWithToken",
}

// TSGlobalNames are the global types and values client.ts uses; a
// declaration of the same name would shadow them.
var TSGlobalNames = []string{
	"Array", "ReadonlyArray", "Map", "Math", "JSON", "String", "Object", "Error", "Infinity",
}

// TSLifecycleEvents are the events every route's client emits itself; no
// outbound tag may have their names.
var TSLifecycleEvents = []string{"open", "close"}

// ModelNames are the identifiers jsgen generates for a model.
type ModelNames struct {
	Ref     string // Go: func RoomRef(raw string) (Ref[Room], error); TS: type RoomRef
	MustRef string // Go: func MustRoomRef(raw string) Ref[Room]
	Decode  string // Go: func DecodeRoom(data []byte) (Room, error)
	// IDPattern is the package variable holding the compiled idPattern;
	// "" when the model has none.
	IDPattern string
	TSRef     string // TS: type RoomRef = string
	SchemaRef string // JSON Schema: the definition $defs/RoomRef
}

// ModelNamesFor returns the names generated for the model called name;
// hasIDPattern says whether it declares an idPattern.
func ModelNamesFor(name string, hasIDPattern bool) ModelNames {
	n := ModelNames{Ref: name + "Ref", MustRef: "Must" + name + "Ref", Decode: "Decode" + name, TSRef: name + "Ref", SchemaRef: name + "Ref"}
	if hasIDPattern {
		n.IDPattern = "jsgenIDPattern" + name
	}
	return n
}

// all lists the package-level Go names, in a fixed order.
func (n ModelNames) all() []string {
	return nonEmpty(n.Ref, n.MustRef, n.Decode, n.IDPattern)
}

// MessageNames are the identifiers jsgen generates for a message.
type MessageNames struct {
	Decode string // Go: func DecodeJoin(data []byte) (Join, error)
}

// MessageNamesFor returns the names generated for the message called name.
func MessageNamesFor(name string) MessageNames { return MessageNames{Decode: "Decode" + name} }

// PatternVarFor is the package variable holding the compiled pattern of the
// field goName of the model or message owner.
func PatternVarFor(owner, goName string) string { return "jsgenPattern" + owner + goName }

// UnionNames are the identifiers jsgen generates for a union.
type UnionNames struct {
	Decode   string // Go: func DecodeEvent(data []byte) (Event, error)
	Validate string // Go: func ValidateEvent(u Event) error
	Append   string // Go: func AppendEventJSON(b []byte, u Event) []byte
	// DecodeFrom and ValidateInto are the unexported helpers the decoders
	// and validators of messages holding the union call.
	DecodeFrom   string
	ValidateInto string
	Tag          string // the method every variant has: EventTag() string
}

// UnionNamesFor returns the names generated for the union called name.
func UnionNamesFor(name string) UnionNames {
	return UnionNames{
		Decode: "Decode" + name, Validate: "Validate" + name, Append: "Append" + name + "JSON",
		DecodeFrom: "jsgenDecode" + name, ValidateInto: "jsgenValidate" + name, Tag: name + "Tag",
	}
}

func (n UnionNames) all() []string {
	return []string{n.Decode, n.Validate, n.Append, n.DecodeFrom, n.ValidateInto}
}

// EnumConstsFor returns the Go names of the constants of an enum's values,
// in order: <Enum><GoName(value)>, or <Enum>Value<n> (n from the value's
// position, counting up past names in use) when a value has no usable or a
// clashing Go name.
func EnumConstsFor(name string, values []string) []string {
	out := make([]string, len(values))
	used := map[string]bool{}
	for i, v := range values {
		c := name + GoName(v)
		for n := i + 1; c == name || used[c] || !token.IsIdentifier(c); n++ {
			c = fmt.Sprintf("%sValue%d", name, n)
		}
		used[c] = true
		out[i] = c
	}
	return out
}

// ChannelNames are the identifiers jsgen generates for a channel family.
type ChannelNames struct {
	New    string // Go: func NewRoomChannels(opts ...channel.Option) *RoomChannels
	Bridge string // Go: func BridgeRoomChannels(ctx, ch, b, opts...)
	// Key is the composite key struct jsgen declares (YAML form); "" when
	// the key is a model or the user declares the struct.
	Key string
}

// ChannelNamesFor returns the names generated for the channel family
// called name; generatesKey says whether jsgen declares its composite key
// struct.
func ChannelNamesFor(name string, generatesKey bool) ChannelNames {
	n := ChannelNames{New: "New" + name, Bridge: "Bridge" + name}
	if generatesKey {
		n.Key = name + "Key"
	}
	return n
}

func (n ChannelNames) all() []string { return nonEmpty(n.New, n.Bridge, n.Key) }

// SubjectPrefix is the bus subject prefix of the channel family called
// channel in package pkg, which its generated Bridge uses and the AsyncAPI
// document states: a key's subject is this prefix, the family's key
// prefix, then the key. It is distinct per package and family, so families
// never share subjects.
func SubjectPrefix(pkg, channel string) string {
	return "jsgen." + pkg + "." + channel + "."
}

// EventBusNames are the identifiers jsgen generates for an event bus (its
// type has the bus's name).
type EventBusNames struct {
	New string // Go: func NewEvents(b bus.Bus, logger *slog.Logger) *Events
}

// EventBusNamesFor returns the names generated for the event bus called name.
func EventBusNamesFor(name string) EventBusNames { return EventBusNames{New: "New" + name} }

// TopicNames are the methods jsgen generates on an event bus for a topic.
type TopicNames struct {
	Emit string // EmitRoomMessage
	On   string // OnRoomMessage
}

// TopicNamesFor returns the method names of the topic whose Go name is goName.
func TopicNamesFor(goName string) TopicNames {
	return TopicNames{Emit: "Emit" + goName, On: "On" + goName}
}

// ControllerNames are the identifiers jsgen generates for a controller.
type ControllerNames struct {
	Mount    string // Go: func MountChat(mux, h, opts...) (*ws.Server, error)
	MountOn  string // Go: func MountChatOn(mux, s, h)
	Handlers string // Go: type ChatHandlers interface
}

// ControllerNamesFor returns the names generated for the controller called name.
func ControllerNamesFor(name string) ControllerNames {
	return ControllerNames{Mount: "Mount" + name, MountOn: "Mount" + name + "On", Handlers: name + "Handlers"}
}

func (n ControllerNames) all() []string { return []string{n.Mount, n.MountOn, n.Handlers} }

// RouteNames are the identifiers jsgen generates for a route, in Go and in
// the TypeScript client. Stem is <Controller><Route>, e.g. ChatRoom.
type RouteNames struct {
	Stem    string
	Conn    string // Go: type ChatRoomConn struct
	Params  string // Go: type ChatRoomParams struct; TS: interface ChatRoomParams
	Upgrade string // Go: type ChatRoomUpgrade struct
	Guard   string // Go: func WithChatRoomGuard(guard) ws.Option
	// Handler names what the app implements: the Handlers method, and the
	// session interface of the callback form.
	Handler HandlerNames
	// Unexported Go helpers of the route's handler.
	State       string // type chatRoomState struct
	Prepare     string // func prepareChatRoom(r *http.Request) (any, int, error)
	DecodeQuery string // func decodeChatRoomQuery(r *http.Request) (Query, error)
	QueryFields string // var chatRoomQueryFields = []query.Field{...}

	// Send are the methods of Conn that send each outbound type, parallel
	// to Route.Out: Send for the first, Send<Type> for the others.
	Send []string

	TSArgs    string // TS: interface ChatRoomArgs
	TSEvents  string // TS: interface ChatRoomEvents
	TSClient  string // TS: class ChatRoomClient
	TSConnect string // TS: function connectChatRoom
	TSRoute   string // TS: const jsgenChatRoomRoute
}

// RouteNamesFor returns the names generated for the route whose Go name is
// route, of the controller called controller.
func RouteNamesFor(controller, route string) RouteNames {
	s := controller + route
	return RouteNames{
		Stem: s, Conn: s + "Conn", Params: s + "Params", Upgrade: s + "Upgrade", Guard: "With" + s + "Guard",
		State: lowerFirst(s) + "State", Prepare: "prepare" + s, DecodeQuery: "decode" + s + "Query", QueryFields: lowerFirst(s) + "QueryFields",
		TSArgs: s + "Args", TSEvents: s + "Events", TSClient: s + "Client", TSConnect: "connect" + s, TSRoute: "jsgen" + s + "Route",
	}
}

// SendMethodsFor returns the names of the Conn methods that send each of
// the outbound types out: Send for the first, Send<Type> for the others.
func SendMethodsFor(out []*Type) []string {
	names := make([]string, len(out))
	for i, o := range out {
		names[i] = ConnSend + o.Name
		if i == 0 {
			names[i] = ConnSend
		}
	}
	return names
}

// goNames lists the package-level Go names of a route.
func (n RouteNames) goNames() []string {
	return nonEmpty(n.Conn, n.Params, n.Upgrade, n.Guard, n.Handler.Session)
}

// tsNames lists the module-level TypeScript names of a route.
func (n RouteNames) tsNames() []string {
	return []string{n.Params, n.TSArgs, n.TSEvents, n.TSClient, n.TSConnect, n.TSRoute}
}

// lowerFirst lower-cases the first byte of s (an ASCII letter in every
// name it is given).
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func nonEmpty(names ...string) []string {
	return slices.DeleteFunc(names, func(s string) bool { return s == "" })
}

// AssignNames stores on every node of p the names jsgen generates for it,
// by the rules above. Build calls it; a Program built by hand (in tests)
// must call it before an emitter reads it. It is idempotent.
func AssignNames(p *Program) {
	for _, m := range p.Models {
		m.Names = ModelNamesFor(m.Name, m.IDPattern != "")
		assignFieldNames(m.Name, m.Fields)
	}
	for _, m := range p.Messages {
		m.Names = MessageNamesFor(m.Name)
		assignFieldNames(m.Name, m.Fields)
	}
	for _, e := range p.Enums {
		e.Consts = EnumConstsFor(e.Name, e.Values)
	}
	for _, u := range p.Unions {
		u.Names = UnionNamesFor(u.Name)
	}
	for _, c := range p.Channels {
		c.Names = ChannelNamesFor(c.Name, c.DeclaresGoType && c.KeyParts != nil)
	}
	for _, e := range p.EventBuses {
		e.Names = EventBusNamesFor(e.Name)
		for _, t := range e.Topics {
			t.Names = TopicNamesFor(t.GoName)
		}
	}
	for _, c := range p.Controllers {
		c.Names = ControllerNamesFor(c.Name)
		for _, r := range c.Routes {
			r.Names = RouteNamesFor(c.Name, r.GoName)
			r.Names.Send = SendMethodsFor(r.Out)
			for _, g := range r.Guards {
				g.Method = GuardMethodFor(r.GoName, g.GoName)
			}
			r.Names.Handler = HandlerNamesFor(c.Name, r.GoName, r.Callbacks)
		}
	}
}

func assignFieldNames(owner string, fields []*Field) {
	for _, f := range fields {
		f.PatternVar = ""
		if f.Constraints.Pattern != "" {
			f.PatternVar = PatternVarFor(owner, f.GoName)
		}
	}
}

// GoNames returns, sorted, every package-level Go identifier of p's
// package that p declares or makes jsgen generate: the declared types and
// every name AssignNames computed for them.
func (p *Program) GoNames() []string {
	var out []string
	for _, m := range p.Models {
		out = append(out, m.Name)
		out = append(out, m.Names.all()...)
		out = append(out, patternVars(m.Fields)...)
	}
	for _, m := range p.Messages {
		out = append(out, m.Name, m.Names.Decode)
		out = append(out, patternVars(m.Fields)...)
	}
	for _, e := range p.Enums {
		out = append(out, e.Name)
		out = append(out, e.Consts...)
	}
	for _, u := range p.Unions {
		out = append(out, u.Name)
		out = append(out, u.Names.all()...)
	}
	for _, c := range p.Channels {
		out = append(out, c.Name)
		out = append(out, c.Names.all()...)
	}
	for _, e := range p.EventBuses {
		out = append(out, e.Name, e.Names.New)
	}
	for _, c := range p.Controllers {
		out = append(out, c.Names.all()...)
		for _, r := range c.Routes {
			out = append(out, r.Names.goNames()...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func patternVars(fields []*Field) []string {
	var out []string
	for _, f := range fields {
		if f.PatternVar != "" {
			out = append(out, f.PatternVar)
		}
	}
	return out
}

// GoMembers returns, by type name, the exported methods and struct fields
// (interface methods for an interface) of the Go types of p's package that
// jsgen declares or adds methods to, each list sorted: what a generated
// type exposes is computed here, never by an emitter.
func (p *Program) GoMembers() map[string][]string {
	out := map[string][]string{}
	add := func(typ string, names ...string) { out[typ] = append(out[typ], names...) }
	for _, m := range p.Models {
		add(m.Name, exported(RecordMethods)...)
		add(m.Name, fieldNames(m.Fields)...)
	}
	for _, m := range p.Messages {
		add(m.Name, exported(RecordMethods)...)
		add(m.Name, fieldNames(m.Fields)...)
	}
	for _, e := range p.Enums {
		add(e.Name, EnumMethods...)
	}
	for _, u := range p.Unions {
		add(u.Name, u.Names.Tag)
		for _, v := range u.Variants {
			add(v.Message, u.Names.Tag)
		}
	}
	for _, c := range p.Channels {
		if c.KeyParts != nil { // the struct is jsgen's or the user's; the method is jsgen's
			add(c.Key, MethodKeyRef)
			for _, k := range c.KeyParts {
				add(c.Key, k.GoName)
			}
		}
	}
	for _, e := range p.EventBuses {
		for _, t := range e.Topics {
			add(e.Name, t.Names.Emit, t.Names.On)
		}
	}
	for _, c := range p.Controllers {
		for _, r := range c.Routes {
			addRouteMembers(add, r)
			add(c.Names.Handlers, r.Names.Handler.Method)
			if r.Identity != "" {
				add(c.Names.Handlers, HandlerAuthenticate)
			}
			for _, g := range r.Guards {
				add(c.Names.Handlers, g.Method)
			}
		}
	}
	for typ, names := range out {
		slices.Sort(names)
		out[typ] = slices.Compact(names)
	}
	return out
}

func addRouteMembers(add func(string, ...string), r *Route) {
	n := r.Names
	if r.Callbacks {
		add(n.Handler.Session, SessionOnMessage, SessionOnClose)
	} else {
		add(n.Conn, ConnMessages)
	}
	add(n.Conn, n.Send...)
	add(n.Upgrade, FieldRequest, FieldIdentity)
	if r.Identity != "" {
		add(n.Conn, ConnIdentity)
	}
	for _, p := range r.Params {
		add(n.Params, p.GoName)
	}
	if len(r.Params) > 0 {
		add(n.Conn, FieldParams)
		add(n.Upgrade, FieldParams)
	}
	if r.Query != "" {
		add(n.Conn, FieldQuery)
		add(n.Upgrade, FieldQuery)
	}
}

func exported(names []string) []string {
	return slices.DeleteFunc(slices.Clone(names), func(s string) bool { return !token.IsExported(s) })
}

func fieldNames(fields []*Field) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.GoName
	}
	return out
}
