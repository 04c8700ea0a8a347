package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	sv "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/jsgen-dev/jsgen/internal/cli"
)

// exportedSchemas runs `jsgen schema -o DIR ./chatapi` as a user would and
// returns the output directory.
func exportedSchemas(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := cli.Main([]string{"schema", "-o", dir, "./chatapi"}, &stdout, &stderr); code != 0 {
		t.Fatalf("jsgen schema: exit %d\n%s", code, stderr.String())
	}
	return dir
}

// compileSchema compiles the exported document file of dir with an
// independent JSON Schema validator.
func compileSchema(t *testing.T, dir, file string) *sv.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := sv.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	c := sv.NewCompiler()
	url := "https://schemas.jsgen.invalid/" + file
	if err := c.AddResource(url, doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compiling %s: %v", file, err)
	}
	return s
}

func schemaAccepts(t *testing.T, s *sv.Schema, frame string) bool {
	t.Helper()
	inst, err := sv.UnmarshalJSON(bytes.NewReader([]byte(frame)))
	if err != nil {
		t.Fatalf("%s is not JSON: %v", frame, err)
	}
	return s.Validate(inst) == nil
}

// TestRoomFramesContract checks that the exported JSON Schema of the room
// socket's inbound frames and the running server accept and refuse the
// same frames, and that the server names the offending member: the
// declarations are the contract, with no rule checked by hand beside them.
func TestRoomFramesContract(t *testing.T) {
	dir := exportedSchemas(t)
	schema := compileSchema(t, dir, "ClientMessage.schema.json")
	errorFrame := compileSchema(t, dir, "jsgen.ErrorFrame.schema.json")
	n := startNode(t, appConfig{})
	c := n.dial("/chat/room/contract?username=ann")
	c.expect("join")
	for _, tc := range []struct {
		frame string
		ok    bool
		path  string // of the error the server reports when !ok
	}{
		{`{"type":"message","content":"hi"}`, true, ""},
		{`{"type":"typing"}`, true, ""},
		{`{"type":"message"}`, false, "content"},
		{`{"type":"message","content":""}`, false, "content"},
		{`{"type":"typing","content":"x"}`, false, "content"},
		{`{"content":"hi"}`, false, "type"},
		{`{"type":"shout"}`, false, "type"},
	} {
		if got := schemaAccepts(t, schema, tc.frame); got != tc.ok {
			t.Errorf("exported schema accepts %s: %v, want %v", tc.frame, got, tc.ok)
		}
		c.send(tc.frame)
		if tc.ok {
			// The server accepted it: the room gets it (typing frames
			// included), and no error frame comes first.
			if f := c.next(); f["type"] == "error" {
				t.Errorf("server refused %s: %v", tc.frame, f)
			}
			continue
		}
		f := c.next()
		if raw, _ := json.Marshal(f); !schemaAccepts(t, errorFrame, string(raw)) {
			t.Errorf("the exported error frame schema refuses the server's %s", raw)
		}
		if f["type"] != "error" || f["code"] != "invalid_message" {
			t.Errorf("server answered %s with %v, want an invalid_message error frame", tc.frame, f)
			continue
		}
		if !hasPath(f, tc.path) {
			t.Errorf("server refused %s with %v, want an error at path %q", tc.frame, f["errors"], tc.path)
		}
	}
}

// hasPath reports whether the error frame f lists an error at path.
func hasPath(f map[string]any, path string) bool {
	errs, _ := f["errors"].([]any)
	for _, e := range errs {
		if m, _ := e.(map[string]any); m["path"] == path {
			return true
		}
	}
	return false
}

// TestDMGuardRefusesOtherUsers checks the DM route's guard: with a server
// guard that names the connection's user, opening another user's DM socket
// is refused with 403 before the upgrade, while the room route (which has
// no route guard) is not affected.

// TestSessionContract checks the sessions of wire contract v2 against the
// exported documents: POST /chat/session accepts exactly the usernames the
// User schema accepts; every refusal (400, 409, 401 before an upgrade or
// from an endpoint) is an error frame as jsgen.ErrorFrame describes it;
// the AsyncAPI document and the TypeScript client carry the token.
func TestSessionContract(t *testing.T) {
	dir := exportedSchemas(t)
	join := compileSchema(t, dir, "JoinEvent.schema.json")
	errorFrame := compileSchema(t, dir, "jsgen.ErrorFrame.schema.json")
	n := startNode(t, appConfig{})
	frame := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, name := range []string{"ann", "ann_2-x", "a.b", "a b", "a*b", "a>b", "", strings.Repeat("z", 32), strings.Repeat("z", 33), "zoë"} {
		schemaOK := schemaAccepts(t, join, frame(map[string]any{"username": name, "timestamp": 0}))
		status, body := n.login(name)
		if schemaOK != (status == http.StatusCreated) {
			t.Errorf("username %q: schema accepts %v, POST /chat/session answered %d %v", name, schemaOK, status, body)
		}
		if status == http.StatusBadRequest && !schemaAccepts(t, errorFrame, frame(body)) {
			t.Errorf("username %q: 400 body is not an error frame: %v", name, body)
		}
		if status == http.StatusCreated {
			if len(body) != 3 || body["username"] != name || body["token"] == "" || body["expiresAt"] == nil {
				t.Errorf("username %q: 201 body %v, want exactly token, username, expiresAt", name, body)
			}
		}
	}
	_ = n.dial("/chat/dm?username=taken")
	waitFor(t, func() bool { return n.app.sessions.reg.Online(MustUserRef(t, "taken")) })
	status, body := n.login("taken")
	if status != http.StatusConflict || body["code"] != "username_taken" || !schemaAccepts(t, errorFrame, frame(body)) {
		t.Errorf("a taken name: %d %v, want 409 username_taken as an error frame", status, body)
	}
	for _, path := range []string{"/chat/room/lobby/members", "/chat/presence/ann"} {
		resp, err := http.Get(n.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || !schemaAccepts(t, errorFrame, frame(body)) {
			t.Errorf("GET %s without a token: %d %v, want 401 with an error frame", path, resp.StatusCode, body)
		}
	}
	_, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(n.srv.URL, "http")+"/chat/room/lobby", nil)
	if err == nil || resp == nil {
		t.Fatalf("a room socket without a token upgraded (%v)", err)
	}
	var refusal map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&refusal)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !schemaAccepts(t, errorFrame, frame(refusal)) {
		t.Errorf("room socket without a token: %d %v, want 401 with an error frame", resp.StatusCode, refusal)
	}
	asyncAPI, err := os.ReadFile(filepath.Join(dir, "asyncapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	client, err := os.ReadFile(filepath.Join(dir, "client.ts"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(asyncAPI, []byte("securitySchemes/accessToken")) || !bytes.Contains(client, []byte("access_token=")) {
		t.Error("the AsyncAPI document or the TypeScript client does not carry the session token")
	}
}
