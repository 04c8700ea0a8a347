// Package asyncapi turns a jsgen IR into an AsyncAPI 3.0 document,
// asyncapi.yaml, describing the app's WebSocket API from the server's side.
// It is pure (IR in, file contents out) and deterministic.
//
// The document has:
//
//   - info: the Go package as title. jsgen declarations carry no API
//     version, so info.version is "0.0.0".
//   - one channel per WebSocket route, keyed <Controller><Route> (e.g.
//     ChatRoom), whose address is the route's path with its parameters
//     (/chat/room/{roomId}), each parameter described (the model it
//     identifies and the identifier's limits), and a WebSockets binding
//     (method GET, the query schema);
//   - per channel, a receive operation (receive<Channel>: the frames
//     clients send) when the route has an inbound type, and a send
//     operation (send<Channel>: the frames the server sends), which always
//     includes the runtime's error frame;
//   - components.messages: one message per inbound or outbound message
//     (keyed by its name, payload a reference to its schema) and per
//     variant of an inbound or outbound union (keyed <Union>.<tag>, payload
//     the variant's object schema, its discriminator required unless it is
//     the default variant), plus jsgen.error, the error frame
//     {"type":"error","code","message","errors"};
//   - x-jsgen-bus-channels, when the app declares channels: per channel
//     family, the bus subjects its generated Bridge uses between nodes —
//     the address with one parameter per ref of the key (several for a
//     composite key, joined by '.'), described like route parameters, and
//     the schema of the message. An extension, not channels: clients never
//     reach them and the payload travels inside the Bridge's binary
//     envelope;
//   - components.schemas: the JSON Schemas of internal/wireschema (the ones
//     internal/emit/jsonschema writes as files),
//     one per model, message and union, plus the <Model>Ref identifier
//     schemas they share, with their "$defs" references pointing into
//     components.schemas. They are the same constraints the generated Go
//     decoders enforce. Payloads use the default schema format (AsyncAPI
//     Schema, a superset of JSON Schema draft-07); the keywords jsonschema
//     emits mean the same there.
package asyncapi

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/jsgen-dev/jsgen/internal/genfile"
	"github.com/jsgen-dev/jsgen/internal/wireschema"
	"github.com/jsgen-dev/jsgen/schema/ir"
)

// FileName is the path of the generated document.
const FileName = "asyncapi.yaml"

// Version is the AsyncAPI version of the document.
const Version = "3.0.0"

// errorFrameKey names the runtime's error frame in components.messages and
// components.schemas; a Go identifier cannot contain '.', so no declaration
// has this name.
const errorFrameKey = "jsgen.error"

// After the first line, genfile.Header.
const header = `#
# AsyncAPI description of the %s WebSocket API, from the server's side:
# "receive" operations are frames clients send, "send" operations frames the
# server sends. Payloads are JSON; timestamps are integer Unix milliseconds.
`

// Generate returns asyncapi.yaml for p. It fails only when p is not a
// consistent IR.
func Generate(p *ir.Program) ([]genfile.File, error) {
	f, err := render(p)
	if err != nil {
		return nil, err
	}
	return []genfile.File{f}, nil
}

// render returns asyncapi.yaml for p.
func render(p *ir.Program) (genfile.File, error) {
	if p == nil {
		return genfile.File{}, fmt.Errorf("asyncapi: nil program")
	}
	schemas, err := componentSchemas(p)
	if err != nil {
		return genfile.File{}, err
	}
	b := &builder{p: p, schemas: schemas, messages: newMap()}
	doc, err := b.document()
	if err != nil {
		return genfile.File{}, err
	}
	var buf bytes.Buffer
	buf.WriteString(genfile.Header("#") + "\n")
	fmt.Fprintf(&buf, header, p.Package)
	writeYAML(&buf, doc)
	return genfile.File{Path: FileName, Data: buf.Bytes()}, nil
}

// builder assembles one document.
type builder struct {
	p        *ir.Program
	schemas  *node // components.schemas
	messages *node // components.messages, keys added in order of first use
	auth     bool  // a route requires a bearer token (components.securitySchemes)
}

// The security schemes of routes that declare an identity: the bearer
// token goes in the Authorization header or in the access_token query
// parameter (RFC 6750; browsers cannot set WebSocket headers).
const (
	bearerScheme      = "bearer"
	accessTokenScheme = "accessToken"
)

func securitySchemes() *node {
	return newMap().
		set(bearerScheme, newMap().
			set("type", str("http")).
			set("scheme", str("bearer")).
			set("description", str("The token in the upgrade request's Authorization header: \"Authorization: Bearer TOKEN\"."))).
		set(accessTokenScheme, newMap().
			set("type", str("httpApiKey")).
			set("name", str("access_token")).
			set("in", str("query")).
			set("description", str("The token as the access_token query parameter of the upgrade request, for clients that cannot set headers (browsers).")))
}

// security is the security of an operation of a route with an identity:
// either scheme.
func security() *node {
	return seq(ref("#/components/securitySchemes/"+bearerScheme), ref("#/components/securitySchemes/"+accessTokenScheme))
}

func (b *builder) document() (*node, error) {
	channels, operations := newMap(), newMap()
	for _, c := range b.p.Controllers {
		for _, r := range c.Routes {
			if err := b.route(c, r, channels, operations); err != nil {
				return nil, err
			}
		}
	}
	info := newMap().
		set("title", str(b.p.Package)).
		set("version", str("0.0.0")).
		set("description", str(fmt.Sprintf("The WebSocket API of the %s package, generated by jsgen from its declarations.", b.p.Package)))
	components := newMap().set("schemas", b.schemas).set("messages", sortedMap(b.messages))
	if b.auth {
		components.set("securitySchemes", securitySchemes())
	}
	doc := newMap().
		set("asyncapi", str(Version)).
		set("info", info).
		set("defaultContentType", str("application/json")).
		set("channels", channels).
		set("operations", operations)
	if bus, err := b.busChannels(); err != nil {
		return nil, err
	} else if bus != nil {
		doc.set(busChannelsKey, bus)
	}
	return doc.set("components", components), nil
}

// route adds a route's channel and operations.
func (b *builder) route(c *ir.Controller, r *ir.Route, channels, operations *node) error {
	name := c.Name + r.GoName
	ch := newMap().
		set("address", str(r.Pattern)).
		set("title", str(c.Name+"."+r.Name)).
		setStr("description", r.Doc)
	if len(r.Params) > 0 {
		params := newMap()
		for _, p := range r.Params {
			m := b.p.Model(p.Model)
			if m == nil {
				return fmt.Errorf("asyncapi: route %s.%s: parameter %s refers to the undeclared model %s", c.Name, r.Name, p.Name, p.Model)
			}
			params.set(p.Name, paramNode(m, ", percent-encoded"))
		}
		ch.set("parameters", params)
	}
	chMessages := newMap()
	var in, out []string
	if r.In != nil {
		keys, err := b.frames(r.In)
		if err != nil {
			return fmt.Errorf("asyncapi: route %s.%s: inbound type: %w", c.Name, r.Name, err)
		}
		in = keys
	}
	for _, t := range r.Out {
		keys, err := b.frames(t)
		if err != nil {
			return fmt.Errorf("asyncapi: route %s.%s: outbound type: %w", c.Name, r.Name, err)
		}
		out = appendNew(out, keys...)
	}
	if err := b.errorFrame(); err != nil {
		return err
	}
	out = appendNew(out, errorFrameKey)
	for _, k := range appendNew(slices.Clone(in), out...) {
		chMessages.set(k, ref("#/components/messages/"+pointerToken(k)))
	}
	ch.set("messages", chMessages)
	binding := newMap().set("method", str("GET"))
	if r.Query != "" {
		binding.set("query", ref("#/components/schemas/"+pointerToken(r.Query)))
	}
	ch.set("bindings", newMap().set("ws", binding.set("bindingVersion", str("0.1.0"))))
	channels.set(name, ch)

	chRef := ref("#/channels/" + pointerToken(name))
	opMessages := func(keys []string) *node {
		s := seq()
		for _, k := range keys {
			s.vals = append(s.vals, ref("#/channels/"+pointerToken(name)+"/messages/"+pointerToken(k)))
		}
		return s
	}
	secure := func(op *node) *node {
		if r.Identity != "" {
			b.auth = true
			op.set("security", security())
		}
		return op
	}
	if len(in) > 0 {
		operations.set("receive"+name, secure(newMap().
			set("action", str("receive")).
			set("channel", chRef.clone()).
			set("summary", str("Frames a client sends on "+r.Pattern+"; an invalid one is answered with an error frame.")).
			set("messages", opMessages(in))))
	}
	operations.set("send"+name, secure(newMap().
		set("action", str("send")).
		set("channel", chRef.clone()).
		set("summary", str("Frames the server sends on "+r.Pattern+".")).
		set("messages", opMessages(out))))
	return nil
}

// busChannelsKey is the extension that lists the bus subjects of the
// app's pub/sub channels. They are not channels of the WebSocket API (no
// client reaches them, and their payload travels inside the Bridge's
// binary envelope), so they are a specification extension, not channels.
const busChannelsKey = "x-jsgen-bus-channels"

// busChannels describes each channel family's bus subjects: the address
// with one parameter per ref of its key, the parameters as for routes, and
// the schema of the message inside the envelope.
func (b *builder) busChannels() (*node, error) {
	if len(b.p.Channels) == 0 {
		return nil, nil
	}
	out := newMap()
	for _, c := range b.p.Channels {
		type part struct{ name, model string }
		parts := []part{{lowerFirst(c.Key), c.Key}}
		if c.KeyParts != nil {
			parts = parts[:0]
			for _, kp := range c.KeyParts {
				parts = append(parts, part{lowerFirst(kp.GoName), kp.Model})
			}
		}
		var holes []string
		params := newMap()
		for _, p := range parts {
			m := b.p.Model(p.model)
			if m == nil {
				return nil, fmt.Errorf("asyncapi: channels %s: key refers to the undeclared model %s", c.Name, p.model)
			}
			holes = append(holes, "{"+p.name+"}")
			params.set(p.name, paramNode(m, ""))
		}
		address := subjectPrefix(b.p.Package, c.Name) + c.Prefix + strings.Join(holes, ir.KeySeparator)
		desc := fmt.Sprintf("The bus subject of one of the %s, between the nodes that run Bridge%s: published on every Publish, subscribed while the node has subscribers. The payload is the %s JSON inside the bridge's binary envelope; clients never see it.", c.Name, c.Name, c.Message.Name)
		out.set(c.Name, newMap().
			set("address", str(address)).
			set("description", str(desc)).
			set("parameters", params).
			set("payload", ref("#/components/schemas/"+pointerToken(c.Message.Name))))
	}
	return out, nil
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// paramNode describes a parameter holding an identifier of m, written with
// encoding (", percent-encoded" in a URL path); a closed set (idValues) is
// also its "enum".
func paramNode(m *ir.Model, encoding string) *node {
	if m.IDValues != nil {
		return newMap().
			set("enum", seq(strs(m.IDValues...)...)).
			set("description", str(fmt.Sprintf("The identifier of a %s%s: one of %s.", m.Name, encoding, strings.Join(m.IDValues, ", "))))
	}
	desc := fmt.Sprintf("The identifier of a %s%s: %d to %d bytes of UTF-8, without whitespace, control or format characters, '.', '*' or '>'",
		m.Name, encoding, max(m.IDMinLength, 1), m.IDMaxLength)
	if m.IDPattern != "" {
		desc += fmt.Sprintf(", matching %q (RE2)", m.IDPattern)
	}
	return newMap().set("description", str(desc+"."))
}

// frames adds the messages a frame of type t can be to components.messages
// and returns their keys: the message itself, or one per union variant.
func (b *builder) frames(t *ir.Type) ([]string, error) {
	switch t.Kind {
	case ir.MessageK:
		m := b.p.Message(t.Name)
		if m == nil {
			return nil, fmt.Errorf("undeclared message %s", t.Name)
		}
		if b.messages.get(m.Name) == nil {
			b.messages.set(m.Name, newMap().
				set("name", str(m.Name)).
				set("title", str(m.Name)).
				setStr("summary", m.Doc).
				set("payload", ref("#/components/schemas/"+pointerToken(m.Name))))
		}
		return []string{m.Name}, nil
	case ir.UnionK:
		return b.variants(t.Name)
	}
	return nil, fmt.Errorf("%s is a %s, not a message or union", t.Name, t.Kind)
}

// variants adds one message per variant of the union called name, each
// with the variant's object schema from the union's schema as payload.
func (b *builder) variants(name string) ([]string, error) {
	u := b.p.Union(name)
	union := b.schemas.get(name)
	if u == nil || union == nil {
		return nil, fmt.Errorf("undeclared union %s", name)
	}
	oneOf := union.get("oneOf")
	if oneOf == nil || len(oneOf.vals) != len(u.Variants) {
		return nil, fmt.Errorf("the schema of union %s does not have one oneOf entry per variant", name)
	}
	var keys []string
	for i, v := range u.Variants {
		payload := oneOf.vals[i]
		if tag := payload.get("properties").get(u.Discriminator).get("const"); tag == nil || tag.value != v.Tag {
			return nil, fmt.Errorf("the schema of union %s does not list variant %q at position %d", name, v.Tag, i)
		}
		key := variantKey(name, v.Tag)
		if prev := b.messages.get(key); prev != nil {
			keys = append(keys, key)
			continue
		}
		summary := fmt.Sprintf("%s with %s %q.", v.Message, u.Discriminator, v.Tag)
		if v.Tag == u.DefaultTag {
			summary = fmt.Sprintf("%s with %s %q, or without %s.", v.Message, u.Discriminator, v.Tag, u.Discriminator)
		}
		b.messages.set(key, newMap().
			set("name", str(v.Message)).
			set("title", str(name+" "+v.Tag)).
			set("summary", str(summary)).
			set("payload", payload.clone()))
		keys = append(keys, key)
	}
	return keys, nil
}

// variantKey is the components.messages key of a union variant,
// "<Union>.<tag>", with characters AsyncAPI does not allow in component
// keys written as '_'.
func variantKey(union, tag string) string {
	var sb strings.Builder
	sb.WriteString(union + ".")
	for _, r := range tag {
		if r == '.' || r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			sb.WriteRune(r)
		} else {
			sb.WriteByte('_')
		}
	}
	return sb.String()
}

// errorFrame adds the runtime's error frame to components.messages and
// components.schemas: the schema is jsonschema's (the document `jsgen
// schema` writes as jsgen.ErrorFrame.schema.json), so both outputs describe
// it alike.
func (b *builder) errorFrame() error {
	if b.messages.get(errorFrameKey) != nil {
		return nil
	}
	v, err := wireschema.ErrorFrameValue()
	if err != nil {
		return fmt.Errorf("asyncapi: %w", err)
	}
	schema := fromValue(v)
	schema.remove("$schema")
	b.schemas.set(errorFrameKey, schema)
	b.messages.set(errorFrameKey, newMap().
		set("name", str("ErrorFrame")).
		set("title", str("Error frame")).
		set("summary", str("The runtime's answer to a frame it refuses, and the app's own refusals (ws.Conn.SendErrorFrame); sent on every route.")).
		set("payload", ref("#/components/schemas/"+pointerToken(errorFrameKey))))
	return nil
}

// appendNew appends the elements of add that dst does not hold yet.
func appendNew(dst []string, add ...string) []string {
	for _, s := range add {
		if !slices.Contains(dst, s) {
			dst = append(dst, s)
		}
	}
	return dst
}

// sortedMap returns n with its keys sorted.
func sortedMap(n *node) *node {
	idx := make([]int, len(n.keys))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(n.keys[a], n.keys[b]) })
	out := newMap()
	for _, i := range idx {
		out.set(n.keys[i], n.vals[i])
	}
	return out
}

// pointerToken escapes s as a JSON pointer token inside a URI fragment.
func pointerToken(s string) string {
	s = strings.ReplaceAll(s, "~", "~0")
	s = strings.ReplaceAll(s, "/", "~1")
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			sb.WriteByte(c)
			continue
		}
		fmt.Fprintf(&sb, "%%%02X", c)
	}
	return sb.String()
}

// subjectPrefix is the bus subject prefix of the channel family name in
// package pkg (ir.SubjectPrefix, which the generated Bridge<Name> uses).
func subjectPrefix(pkg, name string) string {
	return ir.SubjectPrefix(pkg, name)
}
