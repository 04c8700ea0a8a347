package golang

import (
	"github.com/dave/jennifer/jen"

	"github.com/jsgen-dev/jsgen/schema/ir"
)

// emitMessage emits a message: its struct (YAML form only) and its codec.
func (g *generator) emitMessage(f *jen.File, m *ir.Message) error {
	rec := &record{Name: m.Name, Doc: m.Doc, Fields: m.Fields, Decode: m.Names.Decode}
	if m.DeclaresGoType {
		g.emitStruct(f, rec, m.Name+" is the "+m.Name+" message.")
	}
	return g.emitCodec(f, rec)
}

// emitStruct declares the Go struct of a model or message from jsgen.yaml:
//
//	// ClientMessage is a frame sent by a client.
//	type ClientMessage struct {
//		// Type is the "type" member: required.
//		Type ClientMessageType `json:"type"`
//		// Content is the "content" member: optional; at most 4000 characters.
//		Content *string `json:"content,omitempty"`
//	}
func (g *generator) emitStruct(f *jen.File, rec *record, fallbackDoc string) {
	fields := make([]jen.Code, 0, 2*len(rec.Fields))
	for _, fl := range rec.Fields {
		doc := fl.GoName + " is the " + jsonString(fl.Name) + " member: " + g.wireDesc(fl) + "."
		if fl.Doc != "" {
			doc = declDoc(fl.GoName, fl.Doc, "") + "\n" + "On the wire: " + jsonString(fl.Name) + "; " + g.wireDesc(fl) + "."
		}
		tag := fl.Name
		if fl.Optional {
			tag += ",omitempty"
		}
		fields = append(fields, docComment(doc), jen.Id(fl.GoName).Add(g.fieldGoType(fl)).Tag(map[string]string{"json": tag}))
	}
	f.Add(docComment(declDoc(rec.Name, rec.Doc, fallbackDoc)))
	f.Type().Id(rec.Name).Struct(fields...)
}

// emitCodec emits everything that makes a model or message a wire type:
// compiled patterns, Validate, Decode<Name>, UnmarshalJSON, AppendJSON and
// MarshalJSON.
//
//	var jsgenPatternRoomQueryUsername = jsonx.MustCompilePattern("^[^<>]+$")
func (g *generator) emitCodec(f *jen.File, rec *record) error {
	for _, fl := range rec.Fields {
		if p := fl.Constraints.Pattern; p != "" {
			f.Comment(fl.PatternVar + " is the pattern of " + rec.Name + "." + fl.GoName + " (immutable, safe for concurrent use).")
			f.Var().Id(fl.PatternVar).Op("=").Qual(jsonxPath, "MustCompilePattern").Call(jen.Lit(p))
		}
	}
	if err := g.emitValidate(f, rec); err != nil {
		return err
	}
	if err := g.emitDecode(f, rec); err != nil {
		return err
	}
	g.emitEncode(f, rec)
	return nil
}
