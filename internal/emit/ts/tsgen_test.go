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
