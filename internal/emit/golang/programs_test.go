package golang

import (
	"encoding/json"

	"github.com/jsgen-dev/jsgen/schema/ir"
)

// Hand-built IR programs for the emitter tests (what ir.Build produces for
// the corresponding declarations: declarations sorted by name, fields in
// declaration order, enums collected in Program.Enums).

func tString() *ir.Type             { return &ir.Type{Kind: ir.String} }
func tBool() *ir.Type               { return &ir.Type{Kind: ir.Bool} }
func tInt() *ir.Type                { return &ir.Type{Kind: ir.Int} }
func tInt64() *ir.Type              { return &ir.Type{Kind: ir.Int64} }
func tFloat() *ir.Type              { return &ir.Type{Kind: ir.Float64} }
func tTime() *ir.Type               { return &ir.Type{Kind: ir.Timestamp} }
func tEnum(name string) *ir.Type    { return &ir.Type{Kind: ir.EnumKind, Name: name} }
func tRef(model string) *ir.Type    { return &ir.Type{Kind: ir.Ref, Name: model} }
func tMsg(name string) *ir.Type     { return &ir.Type{Kind: ir.MessageK, Name: name} }
func tUnion(name string) *ir.Type   { return &ir.Type{Kind: ir.UnionK, Name: name} }
func tArray(elem *ir.Type) *ir.Type { return &ir.Type{Kind: ir.Array, Elem: elem} }
func tMap(elem *ir.Type) *ir.Type   { return &ir.Type{Kind: ir.Map, Elem: elem} }

type fieldOpt func(*ir.Field)

func fld(name string, t *ir.Type, opts ...fieldOpt) *ir.Field {
	f := &ir.Field{Name: name, GoName: ir.GoName(name), Type: t}
	for _, o := range opts {
		o(f)
	}
	return f
}

func optional() fieldOpt    { return func(f *ir.Field) { f.Optional = true } }
func doc(s string) fieldOpt { return func(f *ir.Field) { f.Doc = s } }
func goName(s string) fieldOpt {
	return func(f *ir.Field) { f.GoName = s }
}
func def(v any) fieldOpt {
	return func(f *ir.Field) {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		f.Default = b
		f.Optional = true
	}
}
func intp(n int) *int { return &n }
func num(s string) *json.Number {
	n := json.Number(s)
	return &n
}
func minLen(n int) fieldOpt     { return func(f *ir.Field) { f.Constraints.MinLength = intp(n) } }
func maxLen(n int) fieldOpt     { return func(f *ir.Field) { f.Constraints.MaxLength = intp(n) } }
func pattern(p string) fieldOpt { return func(f *ir.Field) { f.Constraints.Pattern = p } }
func minV(n string) fieldOpt    { return func(f *ir.Field) { f.Constraints.Min = num(n) } }
func maxV(n string) fieldOpt    { return func(f *ir.Field) { f.Constraints.Max = num(n) } }
func minItems(n int) fieldOpt   { return func(f *ir.Field) { f.Constraints.MinItems = intp(n) } }
func maxItems(n int) fieldOpt   { return func(f *ir.Field) { f.Constraints.MaxItems = intp(n) } }

func msg(declaresGoType bool, name, doc string, fields ...*ir.Field) *ir.Message {
	return &ir.Message{Name: name, Doc: doc, DeclaresGoType: declaresGoType, Fields: fields}
}

// chatProgram is the chat example's app, declared in jsgen.yaml.
func chatProgram() *ir.Program {
	y := true
	return &ir.Program{
		Package: "chat",
		Models: []*ir.Model{
			{Name: "Room", Doc: "A chat room.", IDMaxLength: 64, DeclaresGoType: y,
				Fields: []*ir.Field{fld("name", tString(), maxLen(100))}},
			{Name: "User", Doc: "A person who chats.", IDMaxLength: ir.DefaultIDMaxLength, DeclaresGoType: y,
				Fields: []*ir.Field{fld("displayName", tString(), optional(), maxLen(50))}},
		},
		Enums: []*ir.Enum{
			{Name: "ClientMessageType", Values: []string{"message", "typing"}, DeclaresGoType: y},
			{Name: "PresenceStatus", Values: []string{"online", "away", "busy"}, DeclaresGoType: y},
		},
		Messages: []*ir.Message{
			msg(y, "ChatEvent", "A message or typing notice relayed to a room.",
				fld("username", tString()),
				fld("content", tString(), optional(), maxLen(4000)),
				fld("timestamp", tTime())),
			msg(y, "ClientMessage", "A frame a client sends to a room.",
				fld("type", tEnum("ClientMessageType")),
				fld("content", tString(), optional(), maxLen(4000), doc("The text of a message."))),
			msg(y, "DirectMessage", "A direct message as its recipient receives it.",
				fld("from", tString()),
				fld("content", tString(), minLen(1), maxLen(4000)),
				fld("timestamp", tTime())),
			msg(y, "DirectSend", "A direct message a client sends.",
				fld("to", tRef("User")),
				fld("content", tString(), minLen(1), maxLen(4000))),
			msg(y, "ErrorEvent", "An error frame: the connection stays open.",
				fld("code", tString()),
				fld("message", tString()),
				fld("errors", tArray(tMsg("FieldProblem")), optional())),
			msg(y, "FieldProblem", "One problem of an invalid frame.",
				fld("path", tString()),
				fld("message", tString())),
			msg(y, "JoinEvent", "Someone joined the room.",
				fld("username", tString()),
				fld("timestamp", tTime())),
			msg(y, "LeaveEvent", "Someone left the room.",
				fld("username", tString()),
				fld("timestamp", tTime())),
			msg(y, "Member", "A member of a room.",
				fld("username", tString()),
				fld("joinedAt", tTime())),
			msg(y, "PresenceUpdate", "A client's presence status.",
				fld("status", tEnum("PresenceStatus"))),
			msg(y, "RoomQuery", "The query of the room route.",
				fld("username", tString(), def("Anonymous"), minLen(1), maxLen(50), pattern(`^[^<>]+$`)),
				fld("echo", tBool(), def(true))),
			msg(y, "SentEvent", "Acknowledges a message to its sender when echo is off.",
				fld("messageId", tString())),
			msg(y, "TypingEvent", "Someone is typing.",
				fld("username", tString()),
				fld("timestamp", tTime())),
		},
		Unions: []*ir.Union{
			{Name: "DMFrame", Doc: "A frame a client sends on the DM socket.", Discriminator: "type", DefaultTag: "dm", DeclaresGoType: y,
				Variants: []*ir.Variant{{Tag: "dm", Message: "DirectSend"}, {Tag: "presence", Message: "PresenceUpdate"}}},
			{Name: "RoomEvent", Doc: "A frame a room sends to its clients.", Discriminator: "type", DeclaresGoType: y,
				Variants: []*ir.Variant{
					{Tag: "join", Message: "JoinEvent"}, {Tag: "leave", Message: "LeaveEvent"},
					{Tag: "message", Message: "ChatEvent"}, {Tag: "typing", Message: "TypingEvent"},
					{Tag: "sent", Message: "SentEvent"}, {Tag: "error", Message: "ErrorEvent"},
				}},
		},
	}
}

// goChatProgram is part of the chat app declared as annotated Go (the
// types are the user's), plus one message from jsgen.yaml.
func goChatProgram() *ir.Program {
	g, y := false, true
	return &ir.Program{
		Package: "gochat",
		Models: []*ir.Model{
			{Name: "Room", Doc: "Room is a chat room.", IDMaxLength: 64, DeclaresGoType: g,
				Fields: []*ir.Field{fld("name", tString(), maxLen(100))}},
		},
		Enums: []*ir.Enum{{Name: "ClientMessageType", Values: []string{"message", "typing"}, DeclaresGoType: g}},
		Messages: []*ir.Message{
			msg(g, "ClientMessage", "",
				fld("type", tEnum("ClientMessageType")),
				fld("content", tString(), optional(), maxLen(4000))),
			msg(g, "JoinEvent", "",
				fld("username", tString()),
				fld("room", tRef("Room")),
				fld("timestamp", tTime())),
			msg(y, "LeaveEvent", "Someone left.",
				fld("username", tString()),
				fld("room", tRef("Room")),
				fld("timestamp", tTime())),
		},
		Unions: []*ir.Union{
			{Name: "RoomEvent", Discriminator: "type", DeclaresGoType: g,
				Variants: []*ir.Variant{{Tag: "join", Message: "JoinEvent"}, {Tag: "leave", Message: "LeaveEvent"}}},
		},
	}
}

// kindsProgram covers the combinations the other programs leave out: maps of
// messages, arrays and unions, arrays of enums and unions, optional
// pointers to every scalar kind, defaults of every scalar kind, and a wire
// name that is not a plain identifier.
func kindsProgram() *ir.Program {
	y := true
	return &ir.Program{
		Package: "kinds",
		Models: []*ir.Model{
			{Name: "Item", IDMaxLength: 16, DeclaresGoType: y, Fields: []*ir.Field{fld("label", tString())}},
		},
		Enums: []*ir.Enum{{Name: "Color", Values: []string{"red", "green", "blue", "light-blue"}, DeclaresGoType: y}},
		Messages: []*ir.Message{
			msg(y, "Point", "",
				fld("x", tInt()),
				fld("y", tInt(), minV("-10"), maxV("10"))),
			msg(y, "Shape", "",
				fld("color", tEnum("Color"), def("green")),
				fld("colors", tArray(tEnum("Color")), optional(), minItems(1)),
				fld("owner", tRef("Item"), optional()),
				fld("fallback", tRef("Item"), def("none")),
				fld("ratio", tFloat(), def(0.5), minV("0"), maxV("1")),
				fld("count", tInt64(), def(7), maxV("100")),
				fld("flag", tBool(), optional()),
				fld("big", tInt64(), optional(), maxV("100")),
				fld("tint", tEnum("Color"), optional()),
				fld("when", tTime(), optional()),
				fld("named", tMap(tMsg("Point")), optional()),
				fld("grid", tMap(tArray(tInt())), optional(), minV("0")),
				fld("events", tArray(tUnion("Event")), optional(), maxItems(3)),
				fld("byKey", tMap(tUnion("Event")), optional()),
				fld("meta.v", tString(), optional(), maxLen(3))),
			msg(y, "Stamp", "",
				fld("at", tTime())),
		},
		Unions: []*ir.Union{
			{Name: "Event", Discriminator: "t", DeclaresGoType: y,
				Variants: []*ir.Variant{{Tag: "p", Message: "Point"}, {Tag: "s", Message: "Stamp"}}},
		},
	}
}

// wireProgram is a small game protocol for the wire-error tests: a union of
// commands (the "move"), a message nesting messages, arrays, a map,
// unions and a ref, each with constraints that a zero value violates, so a
// member that failed to decode would show a spurious violation if the
// decoder reported one.
func wireProgram() *ir.Program {
	y := true
	return &ir.Program{
		Package: "wire",
		Models: []*ir.Model{
			{Name: "Player", IDMaxLength: 8, DeclaresGoType: y, Fields: []*ir.Field{fld("name", tString())}},
		},
		Messages: []*ir.Message{
			msg(y, "Move", "A move on the board.",
				fld("x", tInt(), minV("0"), maxV("100")),
				fld("y", tInt(), minV("0"), maxV("1000")),
				fld("label", tString(), optional(), minLen(1), maxLen(20))),
			msg(y, "Plan", "A plan of moves.",
				fld("name", tString(), minLen(1), maxLen(10)),
				fld("owner", tRef("Player")),
				fld("origin", tMsg("Point")),
				fld("steps", tArray(tMsg("Point")), maxItems(3)),
				fld("first", tUnion("Command")),
				fld("cmds", tArray(tUnion("Command")), optional()),
				fld("labels", tMap(tInt()), optional(), minV("1")),
				fld("tags", tArray(tString()), optional(), minLen(1))),
			msg(y, "Point", "A point on the board.",
				fld("x", tInt(), minV("1"), maxV("10")),
				fld("y", tInt(), minV("1"), maxV("10"))),
			msg(y, "Say", "A chat line.",
				fld("text", tString(), minLen(1), maxLen(10))),
		},
		Unions: []*ir.Union{
			{Name: "Command", Doc: "A command a player sends.", Discriminator: "type", DeclaresGoType: y,
				Variants: []*ir.Variant{{Tag: "move", Message: "Move"}, {Tag: "say", Message: "Say"}}},
		},
	}
}
