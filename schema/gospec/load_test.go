package gospec

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
	"golang.org/x/tools/txtar"

	"github.com/jsgen-dev/jsgen/schema/decl"
	"github.com/jsgen-dev/jsgen/schema/diag"
)

var update = flag.Bool("update", false, "rewrite golden files and the want sections of testdata/bad/*.txtar")

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// repoRoot returns the directory of the jsgen module (two levels up from
// this package).
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repo root %s: %v", root, err)
	}
	return root
}

// writeModule creates a module example.com/app in a temporary directory
// that requires jsgen from this repository, with the given files (name →
// content), and returns its directory.
func writeModule(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	gomod := fmt.Sprintf("module example.com/app\n\ngo 1.26.0\n\nrequire github.com/jsgen-dev/jsgen v0.0.0\n\nreplace github.com/jsgen-dev/jsgen => %s\n", repoRoot(t))
	writeFile(t, filepath.Join(dir, "go.mod"), gomod)
	for name, content := range files {
		writeFile(t, filepath.Join(dir, name), content)
	}
	return dir
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// chatFiles returns the files of testdata/chat.
func chatFiles(t testing.TB) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("testdata", "chat"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join("testdata", "chat", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(data)
	}
	return files
}

// load runs Load on dir and returns the spec and the diagnostics printed
// with file names relative to dir.
func load(t testing.TB, dir string) (*decl.Spec, string) {
	t.Helper()
	spec, diags, err := Load(context.Background(), dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return spec, relDiags(diags, dir)
}

func relDiags(diags diag.List, dir string) string {
	return strings.ReplaceAll(diags.String(), dir+string(filepath.Separator), "")
}

// golden compares got with the file testdata/name, rewriting it under
// -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		writeFile(t, path, got)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}

func TestLoadChat(t *testing.T) {
	t.Parallel()
	dir := writeModule(t, chatFiles(t))
	spec, diags := load(t, dir)
	if diags != "" {
		t.Fatalf("unexpected diagnostics:\n%s", diags)
	}
	golden(t, "chat.golden", dump(spec, dir))
}

// TestLoadChatShape checks the chat app's structure directly, independently
// of the golden file.
func TestLoadChatShape(t *testing.T) {
	t.Parallel()
	dir := writeModule(t, chatFiles(t))
	spec, diags := load(t, dir)
	if diags != "" {
		t.Fatalf("unexpected diagnostics:\n%s", diags)
	}
	var models, messages []string
	for _, m := range spec.Models {
		models = append(models, m.Name.Name)
	}
	for _, m := range spec.Messages {
		messages = append(messages, m.Name.Name)
	}
	want := []string{"ClientMessage", "RoomQuery", "DMQuery", "JoinEvent", "LeaveEvent", "ChatEvent", "TypingEvent",
		"SentEvent", "FieldError", "ErrorEvent", "DirectMessage", "PresenceUpdate", "RoomPayload"}
	if diff := cmp.Diff(want, messages); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Room", "User"}, models); diff != "" {
		t.Errorf("models (-want +got):\n%s", diff)
	}
	if spec.Origin != decl.FromGo || spec.Package.Name != "chat" || spec.File != dir {
		t.Errorf("spec origin=%v package=%q file=%q", spec.Origin, spec.Package.Name, spec.File)
	}
	room := spec.Models[0]
	if room.IDMaxLength == nil || room.IDMaxLength.Text != "64" || room.Doc != "A chat room." || room.Origin != decl.FromGo {
		t.Errorf("Room = %+v", room)
	}
	cm := spec.Messages[0]
	if f := cm.Fields[0]; f.Type.Value != "enum" || f.EnumName.Name != "ClientMessageType" || len(f.Values) != 2 || f.Values[1].Value != "typing" {
		t.Errorf("ClientMessage.type = %+v", f)
	}
	if f := cm.Fields[1]; f.Type.Value != "string" || f.Optional == nil || f.Optional.Text != "true" || f.GoName.Name != "Content" {
		t.Errorf("ClientMessage.content = %+v", f)
	}
	if p := spec.Messages[1].Fields[0].Pattern; p == nil || p.Value != "^[^<>]+$" {
		t.Errorf("RoomQuery.username pattern = %+v", p)
	}
	payload := spec.Messages[12]
	for i, want := range []string{"Ref[Room]", "string", "string", "timestamp", "float64", "int64", "map[string]string"} {
		if got := payload.Fields[i].Type.Value; got != want {
			t.Errorf("RoomPayload field %d type = %q, want %q", i, got, want)
		}
	}
	if d := payload.Fields[2].Default; d == nil || d.Text != "" || !d.Quoted {
		t.Errorf("RoomPayload.content default = %+v, want quoted empty", d)
	}
	if u := spec.Unions[1]; u.Default == nil || u.Default.Value != "dm" || u.Discriminator != nil || len(u.Variants) != 2 {
		t.Errorf("DMFrame = %+v", u)
	}
	if c := spec.Channels[1]; c.Key.Name != "User" || c.Message.Name != "DirectMessage" || c.Prefix == nil || c.Prefix.Value != "user:" {
		t.Errorf("UserChannels = %+v", c)
	}
	if tp := spec.Events[0].Topics[0]; tp.Name.Value != "room.message" || tp.Payload.Name != "RoomPayload" || tp.GoName.Name != "RoomMessage" {
		t.Errorf("ChatEvents topic 0 = %+v", tp)
	}
	ctrl := spec.Controllers[0]
	if ctrl.Name.Name != "Chat" || ctrl.Prefix == nil || ctrl.Prefix.Value != "/chat" || len(ctrl.Routes) != 2 {
		t.Fatalf("controller = %+v", ctrl)
	}
	r := ctrl.Routes[0]
	if r.Name.Name != "room" || r.Path.Value != "/room/:roomId" || r.Doc != "A room's live socket." ||
		len(r.Params) != 1 || r.Params[0].Name.Name != "roomId" || r.Params[0].Model.Name != "Room" ||
		r.Query == nil || r.Query.Name != "RoomQuery" || r.In == nil || r.In.Name != "ClientMessage" ||
		len(r.Out) != 1 || r.Out[0].Name != "RoomEvent" {
		t.Errorf("route room = %+v", r)
	}
	if r := ctrl.Routes[1]; r.Name.Name != "dm" || r.Params != nil || len(r.Out) != 1 {
		t.Errorf("route dm = %+v", r)
	}
}

// TestLoadStale loads the chat app next to a generated file that does not
// compile and user code that uses generated identifiers which do not exist:
// neither changes what is read.
func TestLoadStale(t *testing.T) {
	t.Parallel()
	clean := writeModule(t, chatFiles(t))
	want, _ := load(t, clean)

	files := chatFiles(t)
	files["chat.jsgen.go"] = "// Code generated by jsgen. DO NOT EDIT.\n\n//go:build !jsgen\n\npackage chat\n\nfunc (m ClientMessage) Validate() error { return undefinedHelper(m) }\n\nthis is not Go\n"
	files["models.jsgen.go"] = "// Code generated by jsgen. DO NOT EDIT.\n\n//go:build !jsgen\n\npackage chat\n\ntype Room struct{ Old int }\n"
	files["service.go"] = `package chat

import "context"

// Serve uses what jsgen generates.
func Serve(ctx context.Context) error {
	ref, err := RoomRef("lobby")
	if err != nil {
		return err
	}
	chans := NewRoomChannels()
	chans.Publish(ref, JoinEvent{})
	var msg ClientMessage
	if err := msg.Validate(); err != nil {
		return err
	}
	return RegisterChat(ctx, nil, ChatHandlers{})
}
`
	dir := writeModule(t, files)
	got, diags := load(t, dir)
	if diags != "" {
		t.Fatalf("unexpected diagnostics:\n%s", diags)
	}
	if diff := cmp.Diff(dump(want, clean), dump(got, dir)); diff != "" {
		t.Errorf("stale state reads differently (-clean +stale):\n%s", diff)
	}
}

// TestLoadGenericChannels reads channels from any generic type named
// Channels with two type arguments.
func TestLoadGenericChannels(t *testing.T) {
	t.Parallel()
	dir := writeModule(t, map[string]string{"a.go": `package app

type Channels[K, M any] struct{}

//jsgen:model
type Room struct{}

//jsgen:message
type Msg struct{}

// Room traffic.
//
//jsgen:channels "prefix=room: "
type RoomChannels = Channels[Room, Msg]

//jsgen:channels prefix="x"
type Quoted = Channels[Room, Msg]
`})
	spec, diags := load(t, dir)
	if diags != "" {
		t.Fatalf("unexpected diagnostics:\n%s", diags)
	}
	want := `spec . origin=1 package=app@a.go:1:9
model Room@a.go:6:6 origin=1
message Msg@a.go:9:6 origin=1
channels RoomChannels@a.go:14:6 doc="Room traffic." key=Room@a.go:14:30 message=Msg@a.go:14:36 prefix="room: "@a.go:13:18
channels Quoted@a.go:17:6 key=Room@a.go:17:24 message=Msg@a.go:17:30 prefix="x"@a.go:16:25
`
	if diff := cmp.Diff(want, dump(spec, dir)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestLoadIDConstraintsAndCompositeKey reads idMinLength, idPattern and
// idValues from //jsgen:model, and a composite channel key from a struct of
// untagged Refs.
func TestLoadIDConstraintsAndCompositeKey(t *testing.T) {
	t.Parallel()
	dir := writeModule(t, map[string]string{"a.go": `package app

import jsgenrt "github.com/jsgen-dev/jsgen/runtime"

type Channels[K, M any] struct{}

//jsgen:model idMinLength=3 idPattern="^[a-z]\\w+$" idMaxLength=16
type Lobby struct{}

//jsgen:model idValues=red|blue
type Team struct{}

//jsgen:message
type Msg struct{}

type TeamKey struct {
	L    jsgenrt.Ref[Lobby]
	Team jsgenrt.Ref[Team]
}

//jsgen:channels
type TeamChannels = Channels[TeamKey, Msg]
`})
	spec, diags := load(t, dir)
	if diags != "" {
		t.Fatalf("unexpected diagnostics:\n%s", diags)
	}
	want := `spec . origin=1 package=app@a.go:1:9
model Lobby@a.go:8:6 origin=1 idMaxLength=16@a.go:7:65 idMinLength=3@a.go:7:27 idPattern="^[a-z]\\w+$"@a.go:7:39
model Team@a.go:11:6 origin=1 idValues=["red"@a.go:10:24 "blue"@a.go:10:28]@a.go:10:24
message Msg@a.go:14:6 origin=1
channels TeamChannels@a.go:22:6 key=TeamKey@a.go:22:30[L@a.go:17:2:Lobby@a.go:17:2 Team@a.go:18:2:Team@a.go:18:2] message=Msg@a.go:22:39
`
	if diff := cmp.Diff(want, dump(spec, dir)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestLoadTagPositions checks positions inside interpreted string tags,
// where escapes make source and value offsets differ.
func TestLoadTagPositions(t *testing.T) {
	t.Parallel()
	src := strings.ReplaceAll(`package app

//jsgen:message
type M struct {
	A string "json:\"a\" jsgen:\"pattern='\\\\d,\\\"',maxLength=3\""
	B []Color BQjson:"b" jsgen:"optional, enum=red|green|,minItems=1"BQ
}

type Color string
`, "BQ", "`")
	dir := writeModule(t, map[string]string{"a.go": src})
	spec, diags := load(t, dir)
	if diags != "" {
		t.Fatalf("unexpected diagnostics:\n%s", diags)
	}
	want := `spec . origin=1 package=app@a.go:1:9
message M@a.go:4:6 origin=1
	field a@a.go:5:19 goName=A@a.go:5:2 type="string"@a.go:5:4 maxLength=3@a.go:5:62 pattern="\\d,\""@a.go:5:39
	field b@a.go:6:19 goName=B@a.go:6:2 type="[]enum"@a.go:6:4 enumName=Color@a.go:6:4 optional=true@a.go:6:29 values=["red"@a.go:6:44 "green"@a.go:6:48 ""@a.go:6:54] minItems=1@a.go:6:64
`
	if diff := cmp.Diff(want, dump(spec, dir)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestLoadRelativePositions checks that files under the working directory
// are named relative to it.
func TestLoadRelativePositions(t *testing.T) {
	dir := writeModule(t, map[string]string{"sub/a.go": "package sub\n\n//jsgen:model\ntype Room struct{ N chan int `json:\"n\"` }\n"})
	t.Chdir(dir)
	spec, diags, err := Load(context.Background(), "sub")
	if err != nil {
		t.Fatal(err)
	}
	if spec.File != "sub" || spec.Package.Pos.File != filepath.Join("sub", "a.go") {
		t.Errorf("spec.File = %q, package at %v", spec.File, spec.Package.Pos)
	}
	if len(diags) != 1 || diags[0].Pos.String() != "sub/a.go:4:21" {
		t.Errorf("diagnostics = %v", diags)
	}
	spec, _, err = Load(context.Background(), ".")
	if err != nil {
		t.Fatal(err)
	}
	if spec.File != "." {
		t.Errorf("spec.File for . = %q", spec.File)
	}
}

func TestLoadEmpty(t *testing.T) {
	t.Parallel()
	for name, files := range map[string]map[string]string{
		"no directives":   {"a.go": "package app\n\n// Room is not annotated.\ntype Room struct{ X chan int }\n"},
		"no Go files":     {"jsgen.yaml": "package: app\n"},
		"only generated":  {"a.jsgen.go": "//go:build !jsgen\n\npackage app\n\nbroken(\n"},
		"only test files": {"a_test.go": "package app\n"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := writeModule(t, files)
			spec, diags := load(t, dir)
			if diags != "" {
				t.Errorf("diagnostics:\n%s", diags)
			}
			if spec == nil || spec.File != dir || spec.Origin != decl.FromGo || len(spec.Models)+len(spec.Messages) != 0 {
				t.Errorf("spec = %+v", spec)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	noMod := t.TempDir()
	writeFile(t, filepath.Join(noMod, "a.go"), "package a\n")
	badMod := writeModule(t, map[string]string{"a.go": "package app\n"})
	writeFile(t, filepath.Join(badMod, "go.mod"), "module example.com/app\n\ngo 1.26.0\n\nbogus directive\n")
	for _, tc := range []struct{ name, dir, want string }{
		{"missing directory", filepath.Join(noMod, "missing"), "no such file or directory"},
		{"not a directory", filepath.Join(noMod, "a.go"), "is not a directory"},
		{"no go.mod", noMod, "go.mod file not found"},
		{"broken go.mod", badMod, "unknown directive: bogus"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			spec, diags, err := Load(context.Background(), tc.dir)
			if err == nil || spec != nil || diags != nil {
				t.Fatalf("Load = %v, %v, %v; want an error", spec, diags, err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "gospec: ") {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

func TestLoadCanceled(t *testing.T) {
	t.Parallel()
	dir := writeModule(t, map[string]string{"a.go": "package app\n"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Load(ctx, dir); err == nil {
		t.Error("Load with a canceled context succeeded")
	}
}

// TestLoadBad loads each testdata/bad/*.txtar as a module (every file but
// "want") and compares the diagnostics with its "want" file, which -update
// rewrites.
func TestLoadBad(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob(filepath.Join("testdata", "bad", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 12 {
		t.Fatalf("only %d bad-input cases", len(paths))
	}
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			t.Parallel()
			ar, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			files := map[string]string{}
			want, wantIdx := "", -1
			for i, f := range ar.Files {
				if f.Name == "want" {
					want, wantIdx = string(f.Data), i
					continue
				}
				files[f.Name] = string(f.Data)
			}
			if wantIdx < 0 {
				t.Fatal("no want file")
			}
			dir := writeModule(t, files)
			_, got := load(t, dir)
			if *update {
				ar.Files[wantIdx].Data = []byte(got)
				writeFile(t, path, string(txtar.Format(ar)))
				return
			}
			if got == "" {
				t.Error("no diagnostics")
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
		})
	}
}
