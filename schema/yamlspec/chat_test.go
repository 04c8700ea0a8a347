package yamlspec

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// TestParseChat reads the full chat app and compares its rendering with
// testdata/chat.golden (rewritten by -update).
func TestParseChat(t *testing.T) {
	const path = "testdata/chat.yaml"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	spec, diags := Parse(path, data)
	if len(diags) > 0 {
		t.Fatalf("unexpected diagnostics:\n%s", diags)
	}
	got := render(spec)
	golden := filepath.Join("testdata", "chat.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("rendering differs from %s (-want +got):\n%s", golden, diff)
	}
}

// TestParseChatShape checks the chat app's structure directly, independently
// of the golden file.
func TestParseChatShape(t *testing.T) {
	data, err := os.ReadFile("testdata/chat.yaml")
	if err != nil {
		t.Fatal(err)
	}
	spec, diags := Parse("jsgen.yaml", data)
	if len(diags) > 0 {
		t.Fatalf("unexpected diagnostics:\n%s", diags)
	}
	var names []string
	for _, m := range spec.Messages {
		names = append(names, m.Name.Name)
	}
	wantNames := []string{"ClientMessage", "RoomQuery", "DMQuery", "JoinEvent", "LeaveEvent", "ChatEvent", "TypingEvent",
		"SentEvent", "FieldError", "ErrorEvent", "DirectMessage", "PresenceUpdate", "RoomPayload"}
	if diff := cmp.Diff(wantNames, names); diff != "" {
		t.Errorf("messages in file order (-want +got):\n%s", diff)
	}
	if got := spec.Package.Name; got != "chat" {
		t.Errorf("package = %q, want chat", got)
	}
	if got := spec.Channels[1].Prefix; got == nil || got.Value != "user:" {
		t.Errorf("UserChannels prefix = %v, want user:", got)
	}
	room := spec.Controllers[0].Routes[0]
	if room.Path.Value != "/room/:roomId" || room.Params[0].Model.Name != "Room" || room.Out[0].Name != "RoomEvent" {
		t.Errorf("route room = %+v", room)
	}
	if dm := spec.Controllers[0].Routes[1]; len(dm.Out) != 1 || dm.Out[0].Name != "DirectMessage" {
		t.Errorf("route dm out = %+v, want [DirectMessage]", dm.Out)
	}
	echo := spec.Messages[1].Fields[1]
	if echo.Default == nil || echo.Default.Text != "true" || echo.Default.Quoted {
		t.Errorf("RoomQuery.echo default = %+v, want unquoted true", echo.Default)
	}
	for _, p := range []struct{ got, want string }{
		{spec.Messages[5].Doc, "A message or typing notice, sent to the whole room."},
		{spec.Unions[0].Variants[4].Message.Name, "SentEvent"},
		{spec.Events[0].Topics[1].Name.Value, "room.join"},
	} {
		if p.got != p.want {
			t.Errorf("got %q, want %q", p.got, p.want)
		}
	}
}
