package golang

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/jsgen-dev/jsgen/schema/diag"
	"github.com/jsgen-dev/jsgen/schema/yamlspec"

	"github.com/jsgen-dev/jsgen/schema/ir"
)

// codecbenchProgram is the message set of internal/codecbench: a chat-ish
// protocol with every field kind and every constraint.
func codecbenchProgram() *ir.Program {
	y := true
	return &ir.Program{
		Package: "codecbench",
		Models: []*ir.Model{
			{Name: "Room", Doc: "A chat room.", IDMaxLength: 64, IDMaxLengthSet: true, DeclaresGoType: y, Fields: []*ir.Field{
				fld("name", tString(), minLen(1), maxLen(100)),
				fld("topic", tString(), optional(), maxLen(200)),
			}},
			{Name: "User", Doc: "A person who chats.", IDMaxLength: ir.DefaultIDMaxLength, DeclaresGoType: y, Fields: []*ir.Field{
				fld("displayName", tString(), maxLen(50)),
			}},
		},
		Enums: []*ir.Enum{
			{Name: "PostKind", Values: []string{"text", "image", "system"}, DeclaresGoType: y},
			{Name: "PresenceStatus", Values: []string{"online", "away", "busy"}, DeclaresGoType: y},
		},
		Messages: []*ir.Message{
			msg(y, "Attachment", "A file attached to a post.",
				fld("url", tString(), maxLen(2048), pattern(`^https://`)),
				fld("mime", tString(), pattern(`^[a-z]+/[a-z0-9.+-]+$`)),
				fld("size", tInt64(), minV("0"), maxV("10485760")),
				fld("width", tInt(), optional(), minV("1"), maxV("10000")),
				fld("height", tInt(), optional(), minV("1"), maxV("10000"))),
			msg(y, "LinkEmbed", "A link preview.",
				fld("url", tString(), maxLen(2048), pattern(`^https?://`)),
				fld("title", tString(), optional(), maxLen(200))),
			msg(y, "PollEmbed", "A poll.",
				fld("question", tString(), minLen(1), maxLen(300)),
				fld("options", tArray(tString()), minItems(2), maxItems(10), minLen(1), maxLen(100)),
				fld("closesAt", tTime(), optional())),
			msg(y, "Post", "A message posted to a room.",
				fld("id", tString(), minLen(1), maxLen(64), pattern(`^[A-Za-z0-9_-]+$`)),
				fld("room", tRef("Room")),
				fld("author", tRef("User")),
				fld("kind", tEnum("PostKind")),
				fld("content", tString(), minLen(1), maxLen(4000)),
				fld("mentions", tArray(tRef("User")), optional(), maxItems(20)),
				fld("tags", tArray(tString()), optional(), maxItems(10), maxLen(32), pattern(`^[a-z0-9-]+$`)),
				fld("attachments", tArray(tMsg("Attachment")), optional(), maxItems(5)),
				fld("reactions", tMap(tInt()), optional(), minV("0")),
				fld("priority", tInt(), def(0), minV("0"), maxV("10")),
				fld("score", tFloat(), optional(), minV("0"), maxV("1")),
				fld("sentAt", tTime()),
				fld("sequence", tInt64(), minV("0")),
				fld("silent", tBool(), def(false)),
				fld("replyTo", tMsg("Quote"), optional()),
				fld("meta", tMap(tString()), optional(), maxLen(256)),
				fld("ranks", tArray(tArray(tInt())), optional(), maxItems(3), minV("0"), maxV("100")),
				fld("embed", tUnion("Embed"), optional())),
			msg(y, "Presence", "A presence change.",
				fld("status", tEnum("PresenceStatus")),
				fld("lastSeen", tTime(), optional())),
			msg(y, "Quote", "The message a post replies to.",
				fld("messageId", tString(), minLen(1), maxLen(64)),
				fld("excerpt", tString(), optional(), maxLen(280))),
			msg(y, "Typing", "Someone is typing in a room.",
				fld("room", tRef("Room")),
				fld("lang", tString(), def("en"), minLen(2), maxLen(8))),
		},
		Unions: []*ir.Union{
			{Name: "ClientFrame", Doc: "A frame a client sends.", Discriminator: "type", DefaultTag: "post", DeclaresGoType: y,
				Variants: []*ir.Variant{{Tag: "post", Message: "Post"}, {Tag: "typing", Message: "Typing"}, {Tag: "presence", Message: "Presence"}}},
			{Name: "Embed", Doc: "Rich content attached to a post.", Discriminator: "kind", DeclaresGoType: y,
				Variants: []*ir.Variant{{Tag: "link", Message: "LinkEmbed"}, {Tag: "poll", Message: "PollEmbed"}}},
			{Name: "ServerFrame", Doc: "A frame the server relays.", Discriminator: "event", DeclaresGoType: y,
				Variants: []*ir.Variant{{Tag: "typing", Message: "Typing"}, {Tag: "presence", Message: "Presence"}}},
		},
	}
}

// TestCodecbench keeps internal/codecbench/types.jsgen.go in step with the
// emitter; `go generate ./internal/codecbench` (or `go test ./internal/emit/golang -run
// TestCodecbench -update`) regenerates it.
func TestCodecbench(t *testing.T) {
	checkGolden(t, filepath.Join("..", "..", "codecbench", TypesFile), generateOne(t, codecbenchProgram()))
}

// TestCodecbenchIR checks the hand-built codecbenchProgram against what the
// real pipeline (yamlspec + ir.Build) makes of internal/codecbench/jsgen.yaml, so
// the emitter tests exercise the IR Build actually produces.
func TestCodecbenchIR(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "codecbench", "jsgen.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	spec, diags := yamlspec.Parse("jsgen.yaml", data)
	if len(diags) > 0 {
		t.Fatalf("parse: %s", diags)
	}
	built, diags := ir.Build(spec)
	if len(diags) > 0 {
		t.Fatalf("build: %s", diags)
	}
	want := codecbenchProgram()
	ir.AssignNames(want)
	if diff := cmp.Diff(want, built, cmpopts.IgnoreTypes(diag.Pos{})); diff != "" {
		t.Errorf("hand-built IR differs from ir.Build's (-hand +built):\n%s", diff)
	}
}
