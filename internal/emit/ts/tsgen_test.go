package ts

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/jsgen-dev/jsgen/internal/load"
	"github.com/jsgen-dev/jsgen/schema/diag"
	"github.com/jsgen-dev/jsgen/schema/ir"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// loadProgram builds the IR of the declarations in dir.
func loadProgram(t *testing.T, dir string) *ir.Program {
	t.Helper()
	p, diags, err := load.Dir(context.Background(), dir)
	if err != nil {
		t.Fatalf("load %s: %v", dir, err)
	}
	if len(diags) > 0 {
		t.Fatalf("load %s:\n%s", dir, diags)
	}
	return p
}

// chatProgram is the chat example's IR.
func chatProgram(t *testing.T) *ir.Program {
	return loadProgram(t, filepath.Join("..", "..", "..", "examples", "chat", "chatapi"))
}

// kindsProgram declares every field kind, constraint and naming edge case.
func kindsProgram(t *testing.T) *ir.Program {
	return loadProgram(t, filepath.Join("testdata", "kinds"))
}

// checkGolden compares got with the file at path, or rewrites it with -update.
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `go test ./internal/emit/ts -update` to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s is stale (-want +got); run `go test ./internal/emit/ts -update`:\n%s", path, diff)
	}
}

func TestGolden(t *testing.T) {
	for _, c := range []struct {
		name string
		prog func(*testing.T) *ir.Program
	}{{"chat", chatProgram}, {"kinds", kindsProgram}} {
		t.Run(c.name, func(t *testing.T) {
			f, err := generate(c.prog(t))
			if err != nil {
				t.Fatal(err)
			}
			if f.Path != FileName {
				t.Errorf("Path = %q, want %q", f.Path, FileName)
			}
			checkGolden(t, filepath.Join("testdata", c.name+".client.ts"), f.Data)
		})
	}
}

func TestDeterministic(t *testing.T) {
	a, err := generate(kindsProgram(t))
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		b, err := generate(kindsProgram(t))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Data, b.Data) {
			t.Fatal("two generations of the same program differ")
		}
	}
}

// TestChatWireShapes pins the parts of the chat module the wire contract
// depends on.
func TestChatWireShapes(t *testing.T) {
	f, err := generate(chatProgram(t))
	if err != nil {
		t.Fatal(err)
	}
	src := string(f.Data)
	for _, want := range []string{
		`export type UserRef = string;`,
		"export type ClientMessage =\n  | (ChatMessageIn & { type: \"message\" })\n  | (TypingIn & { type: \"typing\" });",
		"  /** 1 to 4000 characters (Unicode code points). */\n  content: string;",
		`  | (ChatEvent & { type: "message" })`,
		`  | (DirectMessageIn & { type?: "dm" })`,
		"  /** Unix time in milliseconds. */\n  timestamp: number;",
		`  error: JsgenErrorFrame;`,
		`  DirectMessage: DirectMessage;`,
		`export function connectChatRoom(baseURL: string, args: ChatRoomArgs, options: JsgenClientOptions = {}): ChatRoomClient {`,
		`  const path = "/chat/room/" + encodeURIComponent(args.params.roomId);`,
		`export type ChatRoomClient = JsgenClient<ClientMessage, ChatRoomEvents>;`,
		`export type ChatDMClient = JsgenClient<DMInbound, ChatDMEvents>;`,
	} {
		if !strings.Contains(src, want) {
			t.Errorf("client.ts lacks %q", want)
		}
	}
	if strings.Contains(src, "null") && strings.Contains(src, "| null;\n  username") {
		t.Error("a message member admits null")
	}
}

// TestNameClashes checks that declarations whose TypeScript names would
// clash, and outbound tags named like lifecycle events, are reported at
// their positions.
func TestNameClashes(t *testing.T) {
	pos := func(line int) diag.Pos { return diag.Pos{File: "jsgen.yaml", Line: line, Col: 3} }
	str := &ir.Type{Kind: ir.String}
	p := &ir.Program{
		Package: "clash",
		Messages: []*ir.Message{
			{Name: "Map", Pos: pos(1), Fields: []*ir.Field{{Name: "k", Type: str}}},
			{Name: "JsgenClient", Pos: pos(2)},
			{Name: "ChatRoomEvents", Pos: pos(3)},
			{Name: "Open", Pos: pos(4)},
		},
		Unions: []*ir.Union{{Name: "Life", Discriminator: "type", Pos: pos(5), Variants: []*ir.Variant{{Tag: "open", Message: "Open"}}}},
		Controllers: []*ir.Controller{{Name: "Chat", Pos: pos(6), Routes: []*ir.Route{
			{Name: "room", GoName: "Room", Pattern: "/room", Pos: pos(7), Out: []*ir.Type{{Kind: ir.UnionK, Name: "Life"}}},
		}}},
	}
	_, err := generate(p)
	var de *diag.Error
	if !errors.As(err, &de) {
		t.Fatalf("Generate: %v, want a *diag.Error", err)
	}
	got := de.Error()
	for _, want := range []string{
		"jsgen.yaml:1:3: message Map would be the TypeScript name Map, which is already a JavaScript global the client uses",
		"jsgen.yaml:2:3: message JsgenClient would be the TypeScript name JsgenClient, which is already a name client.ts declares for its runtime",
		"jsgen.yaml:7:3: a name generated for route Chat.room would be the TypeScript name ChatRoomEvents, which is already message ChatRoomEvents",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, got)
		}
	}
	// With the names fixed, the lifecycle tag is still refused.
	p.Messages = p.Messages[3:]
	_, err = generate(p)
	if !errors.As(err, &de) || !strings.Contains(err.Error(), `jsgen.yaml:5:3: union Life has a variant tagged "open"`) {
		t.Fatalf("Generate: %v, want the \"open\" tag refused at the union", err)
	}
}

func TestGenerateRefusesNil(t *testing.T) {
	if _, err := generate(nil); err == nil {
		t.Fatal("generate(nil) succeeded")
	}
}

func TestUndeclaredReference(t *testing.T) {
	p := &ir.Program{Package: "x", Messages: []*ir.Message{{Name: "M", Fields: []*ir.Field{{Name: "r", Type: &ir.Type{Kind: ir.Ref, Name: "Nope"}}}}}}
	_, err := generate(p)
	if err == nil || !strings.Contains(err.Error(), "undeclared model Nope") {
		t.Fatalf("Generate: %v, want an undeclared-model error", err)
	}
	var de *diag.Error
	if errors.As(err, &de) {
		t.Fatalf("an inconsistent IR is reported as a user diagnostic: %v", err)
	}
}
