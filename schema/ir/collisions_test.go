package ir_test

import (
	"strings"
	"testing"

	"github.com/jsgen-dev/jsgen/schema/diag"
	"github.com/jsgen-dev/jsgen/schema/ir"
	"github.com/jsgen-dev/jsgen/schema/yamlspec"
)

// build runs ir.Build on a jsgen.yaml body (version line added).
func build(t *testing.T, yaml string) (*ir.Program, string) {
	t.Helper()
	spec, diags := yamlspec.Parse("jsgen.yaml", []byte("version: 1\n"+strings.TrimPrefix(yaml, "\n")))
	if len(diags) > 0 {
		t.Fatalf("parse: %s", diags)
	}
	p, diags := ir.Build(spec)
	return p, diags.String()
}

// TestCollisionsOfGeneratedNames checks that every generated name takes
// part in the one collision check of Build, with a positioned diagnostic,
// including the names only the Go emitter used to check (enum constants,
// fields named like generated methods) and those nobody checked (Bridge,
// MountOn, route types).
func TestCollisionsOfGeneratedNames(t *testing.T) {
	for _, c := range []struct{ name, yaml, want string }{
		{"field named like a generated method", `
messages:
  Join: {fields: {validate: bool}}
`, `jsgen.yaml:3:19: field "validate" of Join has the Go name Validate, which is a method jsgen generates on Join`},
		{"field named like the union tag method", `
messages:
  Ping: {fields: {signalTag: string}}
unions:
  Signal: {variants: {ping: Ping}}
`, `field "signalTag" of Ping has the Go name SignalTag, which is a method jsgen generates on Ping`},
		{"message named like an enum constant", `
messages:
  ModeA: {fields: {id: string}}
  Join: {fields: {mode: {type: enum, enumName: Mode, values: [a, b]}}}
`, `enum Mode makes jsgen generate ModeA, which collides with message ModeA at jsgen.yaml:3:3`},
		{"message named like a channel bridge", `
models:
  Room: {fields: {name: string}}
messages:
  BridgeRooms: {fields: {id: string}}
channels:
  Rooms: {key: Room, message: BridgeRooms}
`, `channels Rooms makes jsgen generate BridgeRooms, which collides with message BridgeRooms at jsgen.yaml:5:3`},
		{"message named like a route type", `
models:
  Room: {fields: {name: string}}
messages:
  ChatRoomConn: {fields: {id: string}}
controllers:
  Chat:
    routes:
      room: {path: /room/:id, params: {id: Room}, in: ChatRoomConn}
`, `controller Chat makes jsgen generate ChatRoomConn, which collides with message ChatRoomConn at jsgen.yaml:5:3`},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, got := build(t, c.yaml)
			if p != nil || !strings.Contains(got, c.want) {
				t.Errorf("diagnostics:\n%s\nwant a line containing\n%s", got, c.want)
			}
		})
	}
}

// TestNamesOnTheIR checks that Build stores the generated names on the
// nodes, and that GoNames lists them.
func TestNamesOnTheIR(t *testing.T) {
	p, diags := build(t, `
models:
  Room: {fields: {name: string}, idPattern: "^[a-z]+$"}
messages:
  Join: {fields: {mode: {type: enum, enumName: Mode, values: [a, "+"]}, text: {type: string, pattern: "x"}}}
unions:
  Event: {variants: {join: Join}}
channels:
  Rooms: {key: Room, message: Event}
controllers:
  Chat:
    routes:
      room: {path: /room/:id, params: {id: Room}, in: Join}
`)
	if diags != "" {
		t.Fatal(diags)
	}
	m := p.Model("Room")
	if m.Names != (ir.ModelNames{Ref: "RoomRef", MustRef: "MustRoomRef", Decode: "DecodeRoom", IDPattern: "jsgenIDPatternRoom", TSRef: "RoomRef", SchemaRef: "RoomRef"}) || !m.DeclaresGoType {
		t.Errorf("model names = %+v (declares type %v)", m.Names, m.DeclaresGoType)
	}
	if got := p.Enum("Mode").Consts; strings.Join(got, " ") != "ModeA ModeValue2" {
		t.Errorf("enum consts = %v", got)
	}
	if got := p.Message("Join").Fields[1].PatternVar; got != "jsgenPatternJoinText" {
		t.Errorf("pattern var = %q", got)
	}
	if got := p.Union("Event").Names.Tag; got != "EventTag" {
		t.Errorf("union tag = %q", got)
	}
	if got := p.Controllers[0].Routes[0].Names; got.Conn != "ChatRoomConn" || got.Guard != "WithChatRoomGuard" || got.TSConnect != "connectChatRoom" {
		t.Errorf("route names = %+v", got)
	}
	want := "AppendEventJSON BridgeRooms ChatHandlers ChatRoomConn ChatRoomParams ChatRoomUpgrade DecodeEvent DecodeJoin DecodeRoom Event Join Mode ModeA ModeValue2 MountChat MountChatOn MustRoomRef NewRooms Room RoomRef Rooms ValidateEvent WithChatRoomGuard jsgenDecodeEvent jsgenIDPatternRoom jsgenPatternJoinText jsgenValidateEvent"
	if got := strings.Join(p.GoNames(), " "); got != want {
		t.Errorf("GoNames =\n%s\nwant\n%s", got, want)
	}
}

// TestEnumConsts checks the constant names of awkward enum values.
func TestEnumConsts(t *testing.T) {
	got := ir.EnumConstsFor("E", []string{"value2", "+", "a-b", "a_b", "", "ok"})
	want := []string{"EValue2", "EValue3", "EAB", "EValue4", "EValue5", "EOk"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("EnumConstsFor = %v, want %v", got, want)
	}
}

// TestPackageDecidedByBuild checks that BuildIn names a package after its
// directory when no declaration does, and reports a directory that makes
// no name where a package declaration would go.
func TestPackageDecidedByBuild(t *testing.T) {
	spec, _ := yamlspec.Parse("jsgen.yaml", []byte("version: 1\nmessages:\n  A: {fields: {x: string}}\n"))
	p, diags := ir.BuildIn(ir.Dir{Path: "/tmp/my-app"}, spec)
	if len(diags) > 0 || p.Package != "myapp" {
		t.Errorf("package = %v (%s), want myapp", p, diags)
	}
	_, diags = ir.BuildIn(ir.Dir{Path: "/tmp/1x", ConfigPos: diag.Pos{File: "x/jsgen.yaml"}}, spec)
	if got := diags.String(); !strings.Contains(got, "x/jsgen.yaml: cannot derive a Go package name from the directory name") {
		t.Errorf("diagnostics = %q", got)
	}
}

// TestTSNameClashes checks that declarations whose TypeScript names would
// clash, and outbound tags named like lifecycle events of the client, are
// refused by Build at their positions (the client's emitter reported them
// before, and only when the client was generated).
func TestTSNameClashes(t *testing.T) {
	_, got := build(t, `
messages:
  Map: {fields: {k: string}}
  JsgenClient: {fields: {k: string}}
  ChatRoomEvents: {fields: {k: string}}
  Open: {fields: {k: string}}
unions:
  Life: {variants: {open: Open}}
controllers:
  Chat:
    routes:
      room: {path: /room, out: [Life]}
`)
	for _, want := range []string{
		"jsgen.yaml:3:3: message Map would be the TypeScript name Map, which is already a JavaScript global the client uses",
		"jsgen.yaml:4:3: message JsgenClient would be the TypeScript name JsgenClient, which is already a name client.ts declares for its runtime",
		"jsgen.yaml:12:7: a name generated for route Chat.room would be the TypeScript name ChatRoomEvents, which is already message ChatRoomEvents",
		`jsgen.yaml:8:3: union Life has a variant tagged "open", which would be the same event as the client's own "open" event on route Chat.room`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, got)
		}
	}
	// Without controllers there is no client, and no TypeScript name.
	if _, got := build(t, "messages:\n  Map: {fields: {k: string}}\n"); got != "" {
		t.Errorf("an app without controllers: %s", got)
	}
}
