// Package config describes the format of jsgen.yaml as Go types, so that
// its JSON Schema (schema/yamlspec/jsgen.schema.json) can be generated
// from them by reflection. jsgen does not read jsgen.yaml into these types:
// schema/yamlspec reads it, keeping the position of every value. The doc
// comments of the fields below are the descriptions in the schema, so they
// speak of YAML keys, not of Go fields.
package config

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"strings"

	js "github.com/invopop/jsonschema"
)

// File is a jsgen.yaml: the declarations of one app. jsgen reads the
// jsgen.yaml of a package directory and generates Go next to it.
type File struct {
	// The format version. This jsgen reads version 1.
	Version int `json:"version" jsonschema:"enum=1"`
	// The Go package name of the generated code; by default the name of the Go package in the directory.
	Package string `json:"package,omitempty"`
	// Domain entities, by Go name. Other declarations refer to a model by its name; on the wire such a reference (Ref) is the entity's identifier, a string.
	Models map[string]Model `json:"models,omitempty"`
	// Wire types: JSON objects exchanged with clients and between nodes, by Go name.
	Messages map[string]Message `json:"messages,omitempty"`
	// Discriminated unions of messages, by Go name.
	Unions map[string]Union `json:"unions,omitempty"`
	// Families of typed pub/sub channels keyed by a model's Ref, by Go name.
	Channels map[string]Channel `json:"channels,omitempty"`
	// Typed event buses, by Go name.
	Events map[string]EventBus `json:"events,omitempty"`
	// WebSocket controllers: groups of routes under a path prefix, by Go name.
	Controllers map[string]Controller `json:"controllers,omitempty"`
}

// Model is a domain entity.
type Model struct {
	// Documentation, copied into the generated code.
	Doc string `json:"doc,omitempty"`
	// The longest identifier a Ref to this model accepts, in bytes (default 255).
	IDMaxLength int `json:"idMaxLength,omitempty" jsonschema:"minimum=1,maximum=4096"`
	// The shortest identifier a Ref to this model accepts, in bytes (default 1).
	IDMinLength int `json:"idMinLength,omitempty" jsonschema:"minimum=1,maximum=4096"`
	// An RE2 regular expression every identifier must match somewhere (unanchored: anchor it with ^...$).
	IDPattern string `json:"idPattern,omitempty"`
	// The closed set of identifiers a Ref to this model accepts (e.g. team colours).
	IDValues []string `json:"idValues,omitempty" jsonschema:"minItems=1,uniqueItems=true,minLength=1"`
	// The model's fields, by wire (JSON) name, in order.
	Fields map[string]Field `json:"fields,omitempty"`
}

// Message is a wire type.
type Message struct {
	// Documentation, copied into the generated code.
	Doc string `json:"doc,omitempty"`
	// The message's fields, by wire (JSON) name, in order.
	Fields map[string]Field `json:"fields,omitempty"`
}

// Field is a field of a model or message: either its type alone (name: string) or a mapping with `type`.
type Field struct {
	// The field's type: string, bool, int, int64, float64, timestamp, enum, a model (a Ref to it), a message, a union, []T or map[string]T.
	Type string `json:"type" jsonschema:"minLength=1"`
	// Documentation, copied into the generated code.
	Doc string `json:"doc,omitempty"`
	// The Go field name, when the one derived from the wire name does not suit.
	GoName string `json:"goName,omitempty"`
	// Whether the field may be absent.
	Optional bool `json:"optional,omitempty"`
	// The value used when the field is absent (which makes it optional); strings, bools, numbers, enums and refs only.
	Default any `json:"default,omitempty" jsonschema:"oneof_type=string;number;boolean"`
	// The values of an enum field.
	Values []string `json:"values,omitempty" jsonschema:"minItems=1,uniqueItems=true,minLength=1"`
	// The Go name of an enum field's type (default: message name + field Go name).
	EnumName string `json:"enumName,omitempty"`
	// The least length of a string, in characters (Unicode code points).
	MinLength int `json:"minLength,omitempty" jsonschema:"minimum=0"`
	// The greatest length of a string, in characters (Unicode code points).
	MaxLength int `json:"maxLength,omitempty" jsonschema:"minimum=0"`
	// An RE2 regular expression a string must match somewhere (unanchored, as in JSON Schema).
	Pattern string `json:"pattern,omitempty"`
	// The least value of a number, inclusive.
	Min float64 `json:"min,omitempty"`
	// The greatest value of a number, inclusive.
	Max float64 `json:"max,omitempty"`
	// The least item count of an array.
	MinItems int `json:"minItems,omitempty" jsonschema:"minimum=0"`
	// The greatest item count of an array.
	MaxItems int `json:"maxItems,omitempty" jsonschema:"minimum=0"`
}

// Union is a discriminated union of messages.
type Union struct {
	// Documentation, copied into the generated code.
	Doc string `json:"doc,omitempty"`
	// The member whose value picks the variant.
	Discriminator string `json:"discriminator,omitempty" jsonschema:"minLength=1,default=type"`
	// The tag of the variant used when the discriminator is absent.
	Default string `json:"default,omitempty"`
	// The variants: discriminator value (tag) → message name.
	Variants map[string]string `json:"variants,omitempty"`
}

// Channel is a family of typed pub/sub channels.
type Channel struct {
	// Documentation, copied into the generated code.
	Doc string `json:"doc,omitempty"`
	// The model whose Ref keys the channels, or a list of models for a composite key (one channel per combination of Refs).
	Key []string `json:"key"`
	// The message or union published on the channels.
	Message string `json:"message"`
	// A prefix of the channels' subjects: letters, digits and : - _ /, at most 64.
	Prefix string `json:"prefix,omitempty" jsonschema:"maxLength=64,pattern=^[A-Za-z0-9:_/-]*$"`
}

// EventBus is a typed event bus.
type EventBus struct {
	// Documentation, copied into the generated code.
	Doc string `json:"doc,omitempty"`
	// The topics: name (dot-separated words, e.g. room.message) → payload message or union.
	Topics map[string]string `json:"topics,omitempty"`
}

// Controller is a group of WebSocket routes.
type Controller struct {
	// Documentation, copied into the generated code.
	Doc string `json:"doc,omitempty"`
	// The path prefix of every route, e.g. /chat.
	Prefix string `json:"prefix,omitempty"`
	// Every route requires a bearer token identifying a model.
	Auth *Auth `json:"auth,omitempty"`
	// Checks the app supplies, run before the upgrade on every route, before the route's own.
	Guards []string `json:"guards,omitempty" jsonschema:"uniqueItems=true"`
	// How the app serves the routes: loop (the default: one method per connection ranging over Messages()) or callbacks (Open<Route> returns a session whose OnMessage and OnClose the runtime calls; no goroutine per idle connection). A route's own handler overrides it.
	Handler string `json:"handler,omitempty" jsonschema:"enum=loop,enum=callbacks"`
	// The routes, by name.
	Routes map[string]Route `json:"routes,omitempty"`
}

// Auth makes routes require a bearer token (Authorization: Bearer or the access_token query parameter).
type Auth struct {
	// The model whose Ref the token identifies; the connection's typed identity.
	Identity string `json:"identity"`
}

// Route is a WebSocket route.
type Route struct {
	// Documentation, copied into the generated code.
	Doc string `json:"doc,omitempty"`
	// The route's path after the controller's prefix, with :name parameters, e.g. /room/:roomId.
	Path string `json:"path"`
	// The path parameters: name → the model whose Ref it is.
	Params map[string]string `json:"params,omitempty"`
	// The message the URL query decodes into.
	Query string `json:"query,omitempty"`
	// The message or union clients send.
	In string `json:"in,omitempty"`
	// The message or union (or the list of them) the server sends.
	Out []string `json:"out,omitempty"`
	// The route requires a bearer token identifying a model.
	Auth *Auth `json:"auth,omitempty"`
	// Checks the app supplies that decide before the upgrade who may connect, in the order they run.
	Guards []string `json:"guards,omitempty" jsonschema:"uniqueItems=true"`
	// How the app serves this route: loop or callbacks (see the controller's handler); default: the controller's.
	Handler string `json:"handler,omitempty" jsonschema:"enum=loop,enum=callbacks"`
}

// Patterns of names, exact for what package ir accepts.
const (
	// exportedIdent is an exported Go identifier (go/token.IsIdentifier and
	// IsExported): an upper-case letter, then letters, digits and '_'.
	exportedIdent = `^\p{Lu}[\p{L}\p{Nd}_]*$`
	// goIdent is a Go identifier (keywords aside).
	goIdent = `^[\p{L}_][\p{L}\p{Nd}_]*$`
	// topicName is dot-separated words of letters, digits, '_' and '-',
	// each with at least one letter or digit.
	topicName = `^[A-Za-z0-9_-]*[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]*[A-Za-z0-9][A-Za-z0-9_-]*)*$`
)

func names(pattern string) *js.Schema { return &js.Schema{Type: "string", Pattern: pattern} }

func prop(s *js.Schema, name string) *js.Schema {
	p, ok := s.Properties.Get(name)
	if !ok {
		panic("config: no property " + name)
	}
	return p
}

// JSONSchemaExtend adds what the reflected schema of File cannot say: the
// names of declarations are exported Go identifiers.
func (File) JSONSchemaExtend(s *js.Schema) {
	prop(s, "package").Pattern = goIdent
	for _, section := range []string{"models", "messages", "unions", "channels", "events", "controllers"} {
		prop(s, section).PropertyNames = names(exportedIdent)
	}
}

// JSONSchemaExtend makes the schema of a field accept its short form, the
// type alone.
func (Field) JSONSchemaExtend(s *js.Schema) {
	long := *s
	long.Description = ""
	prop(&long, "goName").Pattern = exportedIdent
	prop(&long, "enumName").Pattern = exportedIdent
	one := uint64(1)
	*s = js.Schema{
		Description: s.Description,
		OneOf: []*js.Schema{
			{Type: "string", MinLength: &one, Description: "The field's type alone."},
			&long,
		},
	}
}

// JSONSchemaExtend says that a union has variants, tagged by non-empty tags,
// naming messages.
func (Union) JSONSchemaExtend(s *js.Schema) {
	one := uint64(1)
	v := prop(s, "variants")
	v.MinProperties = &one
	v.PropertyNames = &js.Schema{Type: "string", MinLength: &one}
	v.AdditionalProperties = names(exportedIdent)
}

// JSONSchemaExtend names the channel's key (one model or a list) and
// message.
func (Channel) JSONSchemaExtend(s *js.Schema) {
	one := uint64(1)
	key := prop(s, "key")
	*key = js.Schema{
		Description: key.Description,
		OneOf: []*js.Schema{
			names(exportedIdent),
			{Type: "array", MinItems: &one, Items: names(exportedIdent)},
		},
	}
	prop(s, "message").Pattern = exportedIdent
}

// JSONSchemaExtend says that a bus has topics, with valid topic names,
// naming messages or unions.
func (EventBus) JSONSchemaExtend(s *js.Schema) {
	one := uint64(1)
	t := prop(s, "topics")
	t.MinProperties = &one
	t.PropertyNames = names(topicName)
	t.AdditionalProperties = names(exportedIdent)
}

// JSONSchemaExtend makes `out` accept one name or a list, and names the
// models, messages and unions a route refers to.
func (Route) JSONSchemaExtend(s *js.Schema) {
	prop(s, "params").AdditionalProperties = names(exportedIdent)
	prop(s, "query").Pattern = exportedIdent
	prop(s, "in").Pattern = exportedIdent
	out := prop(s, "out")
	*out = js.Schema{
		Description: out.Description,
		OneOf: []*js.Schema{
			names(exportedIdent),
			{Type: "array", Items: names(exportedIdent)},
		},
	}
}

// ID is the "$id" of the schema: where the committed jsgen.schema.json is
// published, the URL scaffolded jsgen.yaml files name in their
// yaml-language-server comment.
const ID = "https://raw.githubusercontent.com/jsgen-dev/jsgen/main/schema/yamlspec/jsgen.schema.json"

//go:embed config.go
var source string

// Schema returns the JSON Schema (draft 2020-12) of jsgen.yaml, reflected
// from File with github.com/invopop/jsonschema. Descriptions come from the
// doc comments of this package's types and fields (read from its embedded
// source), so the schema is the same wherever it is generated.
func Schema() (*js.Schema, error) {
	comments, err := docComments(source)
	if err != nil {
		return nil, err
	}
	r := &js.Reflector{
		Anonymous:      true,
		ExpandedStruct: true,
		LookupComment: func(t reflect.Type, field string) string {
			if t.PkgPath() != reflect.TypeFor[File]().PkgPath() {
				return ""
			}
			if field == "" {
				return comments[t.Name()]
			}
			return comments[t.Name()+"."+field]
		},
	}
	s := r.Reflect(File{})
	s.ID = ID
	s.Title = "jsgen.yaml"
	s.Description = "The declarations of one jsgen app: models, messages, unions, channels, event buses and WebSocket controllers. jsgen reads the jsgen.yaml of a package directory and generates Go next to it."
	return s, nil
}

// docComments returns the doc comments of the exported types ("File") and
// their fields ("File.Version") declared in src, as single lines.
func docComments(src string) (map[string]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), "config.go", src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("config: parsing the embedded source: %w", err)
	}
	out := map[string]string{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, spec := range gd.Specs {
			ts := spec.(*ast.TypeSpec)
			doc := ts.Doc
			if doc == nil && len(gd.Specs) == 1 {
				doc = gd.Doc
			}
			out[ts.Name.Name] = oneLine(doc)
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			for _, fld := range st.Fields.List {
				for _, n := range fld.Names {
					out[ts.Name.Name+"."+n.Name] = oneLine(fld.Doc)
				}
			}
		}
	}
	return out, nil
}

func oneLine(cg *ast.CommentGroup) string {
	if cg == nil {
		return ""
	}
	return strings.Join(strings.Fields(cg.Text()), " ")
}
