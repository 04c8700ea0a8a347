package asyncapi

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
	"go.yaml.in/yaml/v3"

	"github.com/jsgen-dev/jsgen/internal/load"
	"github.com/jsgen-dev/jsgen/internal/wireschema"
	"github.com/jsgen-dev/jsgen/schema/ir"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

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

var programs = []struct {
	name string
	prog func(*testing.T) *ir.Program
}{{"chat", chatProgram}, {"kinds", kindsProgram}}

func generate(t *testing.T, p *ir.Program) []byte {
	t.Helper()
	files, err := Generate(p)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	if len(files) != 1 {
		t.Fatalf("Generate returned %d files, want 1", len(files))
	}
	f := files[0]
	if f.Path != FileName {
		t.Fatalf("Path = %q, want %q", f.Path, FileName)
	}
	return f.Data
}

func TestGolden(t *testing.T) {
	for _, c := range programs {
		t.Run(c.name, func(t *testing.T) {
			got := generate(t, c.prog(t))
			path := filepath.Join("testdata", c.name+".asyncapi.yaml")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run `go test ./internal/emit/asyncapi -update` to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s is stale (-want +got); run `go test ./internal/emit/asyncapi -update`:\n%s", path, diff)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	a := generate(t, kindsProgram(t))
	for range 5 {
		if b := generate(t, kindsProgram(t)); !bytes.Equal(a, b) {
			t.Fatal("two generations of the same program differ")
		}
	}
}

// decodeYAML reads the document with an independent YAML parser, keeping
// numbers as their text (json.Number).
func decodeYAML(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		t.Fatalf("the document is not YAML: %v", err)
	}
	doc, ok := yamlValue(t, root.Content[0]).(map[string]any)
	if !ok {
		t.Fatal("the document is not a mapping")
	}
	return doc
}

func yamlValue(t *testing.T, n *yaml.Node) any {
	t.Helper()
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i < len(n.Content); i += 2 {
			m[n.Content[i].Value] = yamlValue(t, n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		s := []any{}
		for _, c := range n.Content {
			s = append(s, yamlValue(t, c))
		}
		return s
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return n.Value
		case "!!int", "!!float":
			return json.Number(n.Value)
		case "!!bool":
			return n.Value == "true"
		case "!!null":
			return nil
		}
	}
	t.Fatalf("line %d: unexpected YAML node %v %s", n.Line, n.Kind, n.ShortTag())
	return nil
}

func at(t *testing.T, v any, path ...string) any {
	t.Helper()
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: not a mapping", strings.Join(path, "/"))
		}
		if v, ok = m[k]; !ok {
			t.Fatalf("%s: no %q", strings.Join(path, "/"), k)
		}
	}
	return v
}

// TestSchemasAreJSONSchemas checks, through an independent YAML parser,
// that components.schemas holds exactly the documents of wireschema.Messages
// with only "$schema", "$defs" and the references changed.
func TestSchemasAreJSONSchemas(t *testing.T) {
	for _, c := range programs {
		t.Run(c.name, func(t *testing.T) {
			p := c.prog(t)
			doc := decodeYAML(t, generate(t, p))
			schemas := at(t, doc, "components", "schemas").(map[string]any)
			files, err := wireschema.Messages(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				var want map[string]any
				dec := json.NewDecoder(bytes.NewReader(f.Data))
				dec.UseNumber()
				if err := dec.Decode(&want); err != nil {
					t.Fatal(err)
				}
				delete(want, "$schema")
				boundFloatsAny(want)
				defs, _ := want["$defs"].(map[string]any)
				delete(want, "$defs")
				self := "#/components/schemas/" + wireschema.DocName(f.Path)
				retarget(want, self)
				if diff := cmp.Diff(want, schemas[wireschema.DocName(f.Path)]); diff != "" {
					t.Errorf("components.schemas.%s differs from %s (-jsonschema +asyncapi):\n%s", wireschema.DocName(f.Path), f.Path, diff)
				}
				for name, def := range defs {
					retarget(def, self)
					if diff := cmp.Diff(def, schemas[name]); diff != "" {
						t.Errorf("components.schemas.%s differs from the definition in %s:\n%s", name, f.Path, diff)
					}
				}
			}
			if _, ok := schemas[errorFrameKey]; !ok {
				t.Errorf("components.schemas lacks %s", errorFrameKey)
			}
		})
	}
}

// boundFloatsAny turns the float64 overflow bounds of jsonschema into
// ±math.MaxFloat64, as the package documents.
func boundFloatsAny(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			n, ok := e.(json.Number)
			if !ok || (k != "exclusiveMaximum" && k != "exclusiveMinimum") {
				boundFloatsAny(e)
				continue
			}
			if f, err := strconv.ParseFloat(string(n), 64); err == nil {
				continue
			} else if math.IsInf(f, 1) {
				delete(x, k)
				x["maximum"] = json.Number("1.7976931348623157e+308")
			} else if math.IsInf(f, -1) {
				delete(x, k)
				x["minimum"] = json.Number("-1.7976931348623157e+308")
			}
		}
	case []any:
		for _, e := range x {
			boundFloatsAny(e)
		}
	}
}

// retarget rewrites JSON Schema references as the AsyncAPI document has
// them.
func retarget(v any, self string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && k == "$ref" {
				if s == "#" {
					x[k] = self
				} else {
					x[k] = strings.Replace(s, "#/$defs/", "#/components/schemas/", 1)
				}
				continue
			}
			retarget(e, self)
		}
	case []any:
		for _, e := range x {
			retarget(e, self)
		}
	}
}

func TestRouteStructure(t *testing.T) {
	doc := decodeYAML(t, generate(t, chatProgram(t)))
	if v := at(t, doc, "asyncapi"); v != "3.0.0" {
		t.Errorf("asyncapi = %v", v)
	}
	if v := at(t, doc, "channels", "ChatRoom", "address"); v != "/chat/room/{roomId}" {
		t.Errorf("ChatRoom address = %v", v)
	}
	desc := at(t, doc, "channels", "ChatRoom", "parameters", "roomId", "description").(string)
	if !strings.Contains(desc, "Room") || !strings.Contains(desc, "64 bytes") {
		t.Errorf("roomId description = %q", desc)
	}
	if v := at(t, doc, "channels", "ChatRoom", "bindings", "ws", "query", "$ref"); v != "#/components/schemas/RoomQuery" {
		t.Errorf("query binding = %v", v)
	}
	if v := at(t, doc, "operations", "receiveChatRoom", "action"); v != "receive" {
		t.Errorf("receiveChatRoom action = %v", v)
	}
	sends := at(t, doc, "operations", "sendChatRoom", "messages").([]any)
	var refs []string
	for _, m := range sends {
		refs = append(refs, m.(map[string]any)["$ref"].(string))
	}
	wantRefs := []string{"join", "leave", "message", "typing", "sent"}
	for i, tag := range wantRefs {
		wantRefs[i] = "#/channels/ChatRoom/messages/RoomEvent." + tag
	}
	// Every route may send the runtime's error frame; it needs no declaration.
	wantRefs = append(wantRefs, "#/channels/ChatRoom/messages/jsgen.error")
	if diff := cmp.Diff(wantRefs, refs); diff != "" {
		t.Errorf("sendChatRoom messages (-want +got):\n%s", diff)
	}
	// A variant's payload requires its tag; the default variant's does not.
	msg := at(t, doc, "components", "messages", "RoomEvent.message", "payload").(map[string]any)
	if req := msg["required"].([]any); req[0] != "type" {
		t.Errorf("RoomEvent.message payload requires %v, want type first", req)
	}
	dm := at(t, doc, "components", "messages", "DMInbound.dm", "payload").(map[string]any)
	for _, r := range dm["required"].([]any) {
		if r == "type" {
			t.Error("the default variant DMInbound.dm requires its discriminator")
		}
	}
}

func TestGenerateRefusesNil(t *testing.T) {
	if _, err := Generate(nil); err == nil {
		t.Fatal("Generate(nil) succeeded")
	}
}

func TestUndeclaredReference(t *testing.T) {
	p := &ir.Program{Package: "x", Controllers: []*ir.Controller{{Name: "C", Routes: []*ir.Route{
		{Name: "r", GoName: "R", Pattern: "/r", Out: []*ir.Type{{Kind: ir.MessageK, Name: "Nope"}}},
	}}}}
	if _, err := Generate(p); err == nil || !strings.Contains(err.Error(), "Nope") {
		t.Fatalf("Generate: %v, want an error naming Nope", err)
	}
}
