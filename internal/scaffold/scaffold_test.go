package scaffold

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"

	"github.com/jsgen-dev/jsgen/internal/emit/golang"
	"github.com/jsgen-dev/jsgen/internal/genfile"
	"github.com/jsgen-dev/jsgen/internal/load"
	"github.com/jsgen-dev/jsgen/internal/writer"
)

func TestCheckServiceName(t *testing.T) {
	for _, name := range []string{"lobby", "game-rooms", "chat_v2", "a", "a1-b2_c3", strings.Repeat("x", maxNameLength)} {
		if err := CheckServiceName(name); err != nil {
			t.Errorf("CheckServiceName(%q) = %v, want nil", name, err)
		}
	}
	for _, name := range []string{"", "Lobby", "1lobby", "-lobby", "lobby-", "lob--by", "lob_-by", "lob by", "../lobby", "a/b", "lobby.v2", "lobbé", strings.Repeat("x", maxNameLength+1)} {
		if err := CheckServiceName(name); err == nil {
			t.Errorf("CheckServiceName(%q) = nil, want an error", name)
		}
	}
}

func TestBadNameWritesNothing(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"", "Lobby", "../escape", "my lobby"} {
		files, err := NewRoomService(context.Background(), Options{Dir: dir, Name: name})
		if err == nil || !strings.Contains(err.Error(), "service name") {
			t.Errorf("NewRoomService(%q) error = %v, want a service name error", name, err)
		}
		if len(files) != 0 {
			t.Errorf("NewRoomService(%q) wrote %v", name, files)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the directory is not empty after refused names: %v", entries)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "escape")); err == nil {
		t.Errorf("a file was written outside the target directory")
	}
}

func TestControllerName(t *testing.T) {
	for in, want := range map[string]string{
		"lobby": "Lobby", "game-rooms": "GameRooms", "chat_v2": "ChatV2",
		"room": "RoomService", "room-event": "RoomEventService", "user": "UserService",
	} {
		if got := controllerName(in); got != want {
			t.Errorf("controllerName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDeclaredNamesMatchTemplate keeps the reserved names in step with the
// declarations the template makes.
func TestDeclaredNamesMatchTemplate(t *testing.T) {
	dir := t.TempDir()
	if _, err := NewRoomService(context.Background(), Options{Dir: dir, Name: "lobby"}); err != nil {
		t.Fatal(err)
	}
	prog, diags, err := load.Dir(context.Background(), filepath.Join(dir, "lobby", "api"))
	if err != nil || len(diags) > 0 {
		t.Fatalf("load: %v %v", err, diags)
	}
	var got []string
	for _, m := range prog.Models {
		got = append(got, m.Name)
	}
	for _, m := range prog.Messages {
		got = append(got, m.Name)
	}
	for _, u := range prog.Unions {
		got = append(got, u.Name)
	}
	for _, c := range prog.Channels {
		got = append(got, c.Name)
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(declaredNames))
	if !slices.Equal(got, want) {
		t.Errorf("the template declares %v; declaredNames is %v", got, want)
	}
}

func TestNewRoomServiceLayout(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	files, err := NewRoomService(context.Background(), Options{Dir: dir, Name: "game-rooms", Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "game-rooms")
	want := []string{"go.mod", "api/jsgen.yaml", "api/generate.go", "main.go", "server.go", "README.md",
		"api/channels.jsgen.go", "api/controllers.jsgen.go", "api/types.jsgen.go"}
	if got := rels(t, root, files); !slices.Equal(got, want) {
		t.Fatalf("files = %v, want %v", got, want)
	}
	for _, f := range files {
		if !strings.Contains(out.String(), f) {
			t.Errorf("stdout does not mention %s:\n%s", f, out.String())
		}
	}
	for _, s := range []string{"\tcd " + root + "\n\tgo mod tidy\n\tgo run .\n", "\tgo tool jsgen schema -o web/api ./api\n"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("stdout does not give the next commands %q:\n%s", s, out.String())
		}
	}
	gomod := read(t, filepath.Join(root, "go.mod"))
	if mf, err := modfile.Parse("go.mod", gomod, nil); err != nil || mf.Module.Mod.Path != "example.com/game-rooms" || mf.Go.Version != goVersion ||
		len(mf.Replace) != 1 || mf.Replace[0].New.Path != repoRoot(t) || len(mf.Tool) != 1 {
		t.Errorf("go.mod = %q (%v); want it to require jsgen from this checkout, as a tool", gomod, err)
	}
	server := string(read(t, filepath.Join(root, "server.go")))
	for _, s := range []string{`"example.com/game-rooms/api"`, "api.GameRoomsHandlers", "api.MountGameRooms(", "*api.GameRoomsRoomConn", "ws.Subscribe(", "room.NewMembers[", "room.Announce(",
		"Authenticate(ctx context.Context, token string) (jsgenrt.Ref[api.User], time.Time, error)", "s.tokens.Verify(", "c.Identity()"} {
		if !strings.Contains(server, s) {
			t.Errorf("server.go lacks %s", s)
		}
	}
	if genGo := string(read(t, filepath.Join(root, "api", "generate.go"))); !strings.HasPrefix(genGo, "// Package api is the API of the game-rooms room service") {
		t.Errorf("generate.go does not document package api:\n%s", genGo)
	}
	yaml := string(read(t, filepath.Join(root, "api", "jsgen.yaml")))
	for _, s := range []string{"prefix: /game-rooms", `prefix: "game-rooms:room:"`, "  GameRooms:", "auth: {identity: User}"} {
		if !strings.Contains(yaml, s) {
			t.Errorf("jsgen.yaml lacks %s", s)
		}
	}
	readme := string(read(t, filepath.Join(root, "README.md")))
	for _, s := range []string{"# game-rooms", "export GAME_ROOMS_TOKEN_KEY=", "go run . dev-token ann", "Development tokens (never in production)", "access_token=", "401"} {
		if !strings.Contains(readme, s) {
			t.Errorf("README.md lacks %s", s)
		}
	}
	if stale := drift(t, filepath.Join(root, "api")); len(stale) > 0 {
		t.Errorf("generated files are stale right after scaffolding: %v", stale)
	}
}

// TestScaffoldedFilesAreTheUsers checks the ownership rules: scaffolded files
// carry no generated-code header (and jsgen never treats them as its own),
// generated files do, and jsgen.yaml names the config schema.
func TestScaffoldedFilesAreTheUsers(t *testing.T) {
	dir := t.TempDir()
	files, err := NewRoomService(context.Background(), Options{Dir: dir, Name: "lobby"})
	if err != nil {
		t.Fatal(err)
	}
	more, err := Init(context.Background(), Options{Dir: filepath.Join(dir, "lobby", "other")})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range append(files, more...) {
		data := read(t, f)
		generated := strings.HasSuffix(f, writer.OwnedSuffix)
		hasHeader := bytes.HasPrefix(data, []byte(genfile.GoHeader+"\n"))
		if generated != hasHeader {
			t.Errorf("%s: generated=%v but header=%v", f, generated, hasHeader)
		}
		if !generated && (bytes.Contains(data, []byte("DO NOT EDIT")) || bytes.Contains(data, []byte("Code generated"))) {
			t.Errorf("%s is scaffolded but says it is generated:\n%s", f, data)
		}
	}
	for _, y := range []string{filepath.Join(dir, "lobby", "api", "jsgen.yaml"), filepath.Join(dir, "lobby", "other", "jsgen.yaml")} {
		first, _, _ := strings.Cut(string(read(t, y)), "\n")
		if first != "# yaml-language-server: $schema="+SchemaURL {
			t.Errorf("%s starts with %q", y, first)
		}
	}
}

func TestRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	if _, err := NewRoomService(context.Background(), Options{Dir: dir, Name: "lobby"}); err != nil {
		t.Fatal(err)
	}
	server := filepath.Join(dir, "lobby", "server.go")
	yaml := filepath.Join(dir, "lobby", "api", "jsgen.yaml")
	original := read(t, server)
	edited := []byte("package main\n\n// edited by the user\n")
	write(t, server, edited)
	gomod := filepath.Join(dir, "lobby", "go.mod")
	if err := os.Remove(filepath.Join(dir, "lobby", "main.go")); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	files, err := NewRoomService(context.Background(), Options{Dir: dir, Name: "lobby", Stdout: &out})
	if err == nil {
		t.Fatal("second scaffold succeeded without Force")
	}
	for _, want := range []string{server, yaml, "--force"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "main.go") || strings.Contains(err.Error(), "go.mod") {
		t.Errorf("error names a file that does not exist or is not scaffolded again:\n%v", err)
	}
	if len(files) != 0 || out.Len() != 0 {
		t.Errorf("a refused scaffold wrote %v, printed %q", files, out.String())
	}
	if got := read(t, server); !bytes.Equal(got, edited) {
		t.Errorf("server.go changed after a refusal:\n%s", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "lobby", "main.go")); err == nil {
		t.Errorf("main.go was written although the scaffold was refused")
	}

	files, err = NewRoomService(context.Background(), Options{Dir: dir, Name: "lobby", Force: true, Stdout: &out})
	if err != nil {
		t.Fatalf("Force: %v", err)
	}
	if got := read(t, server); !bytes.Equal(got, original) {
		t.Errorf("Force did not restore server.go:\n%s", got)
	}
	if !slices.Contains(files, server) || !slices.Contains(files, filepath.Join(dir, "lobby", "main.go")) {
		t.Errorf("Force wrote %v", files)
	}
	if !strings.Contains(out.String(), "overwrote "+server) || !strings.Contains(out.String(), "created   "+filepath.Join(dir, "lobby", "main.go")) {
		t.Errorf("stdout:\n%s", out.String())
	}
	if _, err := os.Stat(gomod); err != nil {
		t.Errorf("go.mod: %v", err)
	}
}

func TestInitInExistingModule(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "go.mod"), []byte("module example.com/app\n\ngo 1.26.0\n"))
	pkgDir := filepath.Join(root, "internal", "rooms-api")
	write(t, filepath.Join(pkgDir, "doc.go"), []byte("// Package roomsapi is mine.\npackage roomsapi\n"))
	var out bytes.Buffer
	files, err := Init(context.Background(), Options{Dir: pkgDir, Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"jsgen.yaml", "generate.go", "channels.jsgen.go", "controllers.jsgen.go", "types.jsgen.go"}
	if got := rels(t, pkgDir, files); !slices.Equal(got, want) {
		t.Fatalf("files = %v, want %v", got, want)
	}
	yaml := string(read(t, filepath.Join(pkgDir, "jsgen.yaml")))
	if !strings.Contains(yaml, "\npackage: roomsapi\n") || !strings.Contains(yaml, "  Roomsapi:\n") {
		t.Errorf("jsgen.yaml does not use the package's name:\n%s", yaml)
	}
	genGo := string(read(t, filepath.Join(pkgDir, "generate.go")))
	if !strings.Contains(genGo, "\n\npackage roomsapi\n") || strings.Contains(genGo, "// Package") {
		t.Errorf("generate.go must be in package roomsapi without a second package doc:\n%s", genGo)
	}
	if _, err := os.Stat(filepath.Join(pkgDir, "go.mod")); err == nil {
		t.Errorf("Init wrote a go.mod inside a module")
	}
	if !strings.Contains(out.String(), "go mod tidy") {
		t.Errorf("no next command:\n%s", out.String())
	}

	if _, err := Init(context.Background(), Options{Dir: filepath.Join(root, "x"), Module: "example.com/other"}); err == nil || !strings.Contains(err.Error(), "example.com/app") {
		t.Errorf("a Module that contradicts go.mod: err = %v", err)
	}
	if _, err := Init(context.Background(), Options{Dir: pkgDir, Name: "other", Force: true}); err == nil || !strings.Contains(err.Error(), "roomsapi") {
		t.Errorf("a Name that contradicts the package: err = %v", err)
	}
}

func TestInitDerivesNames(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "Chat-API")
	files, err := Init(context.Background(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if got := rels(t, dir, files)[0]; got != "go.mod" {
		t.Errorf("first file %s, want go.mod (no module encloses %s)", got, dir)
	}
	if mf, err := modfile.Parse("go.mod", read(t, filepath.Join(dir, "go.mod")), nil); err != nil || mf.Module.Mod.Path != "example.com/chatapi" {
		t.Errorf("go.mod module: %v %v", mf, err)
	}
	if _, err := Init(context.Background(), Options{Dir: filepath.Join(base, "x"), Name: "Bad-Name"}); err == nil {
		t.Errorf("Init accepted package name Bad-Name")
	}
	if _, err := Init(context.Background(), Options{Dir: filepath.Join(base, "1st")}); err == nil || !strings.Contains(err.Error(), "pass a name") {
		t.Errorf("Init in 1st: err = %v", err)
	}
	if _, err := Init(context.Background(), Options{Dir: filepath.Join(base, "y"), Module: "not a path"}); err == nil {
		t.Errorf("Init accepted module path %q", "not a path")
	}
}

// TestReservedServiceNames scaffolds services whose names would collide
// with the template's declarations and checks that they still generate.
func TestReservedServiceNames(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"room", "room-channels"} {
		if _, err := NewRoomService(context.Background(), Options{Dir: dir, Name: name}); err != nil {
			t.Errorf("NewRoomService(%q): %v", name, err)
		}
	}
}

// TestGoVersion keeps the go directive of new modules equal to jsgen's own.
func TestGoVersion(t *testing.T) {
	mf, err := modfile.Parse("go.mod", read(t, filepath.Join(repoRoot(t), "go.mod")), nil)
	if err != nil {
		t.Fatal(err)
	}
	if mf.Go.Version != goVersion || mf.Module.Mod.Path != jsgenModule {
		t.Errorf("jsgen's go.mod: module %s, go %s; scaffold uses %s, go %s", mf.Module.Mod.Path, mf.Go.Version, jsgenModule, goVersion)
	}
}

// drift returns the generated files of dir that differ from what jsgen
// would generate now (what `jsgen check` reports).
func drift(t *testing.T, dir string) []string {
	t.Helper()
	prog, diags, err := load.Dir(context.Background(), dir)
	if err != nil || len(diags) > 0 {
		t.Fatalf("load %s: %v %v", dir, err, diags)
	}
	files, err := golang.Generate(prog)
	if err != nil {
		t.Fatal(err)
	}
	changes, err := writer.Diff(dir, files)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range changes {
		out = append(out, c.Kind.String()+" "+c.Path)
	}
	return out
}

func rels(t *testing.T, root string, files []string) []string {
	t.Helper()
	var out []string
	for _, f := range files {
		r, err := filepath.Rel(root, f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, filepath.ToSlash(r))
	}
	return out
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}
