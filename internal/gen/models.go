package gen

import (
	"strconv"

	"github.com/dave/jennifer/jen"

	"github.com/jsgen-dev/jsgen/schema/decl"
	"github.com/jsgen-dev/jsgen/schema/ir"
)

// emitModel emits a model: its struct (YAML form only), its Ref
// constructors, and the same codec as a message (Validate, Decode,
// AppendJSON, ...):
//
//	// RoomRef validates raw as a Room identifier and returns its Ref. ...
//	func RoomRef(raw string) (jsgenrt.Ref[Room], error) {
//		return jsgenrt.NewRef[Room]("Room", raw, 64)
//	}
//
//	// MustRoomRef is like RoomRef but panics if raw is not valid. ...
//	func MustRoomRef(raw string) jsgenrt.Ref[Room] { ... }
func (g *generator) emitModel(f *jen.File, m *ir.Model) error {
	rec := &record{Name: m.Name, Doc: m.Doc, Fields: m.Fields, Origin: m.Origin}
	if m.Origin == decl.FromYAML {
		g.emitStruct(f, rec, m.Name+" is the "+m.Name+" model.")
	}
	ref := jen.Qual(rtPath, "Ref").Types(jen.Id(m.Name))
	max := strconv.Itoa(m.IDMaxLength)
	f.Add(docComment(m.Name + "Ref validates raw as a " + m.Name + " identifier and returns its Ref. It refuses\n" +
		"identifiers that are empty, longer than " + max + " bytes, not valid UTF-8, or that contain\n" +
		"control characters, whitespace, '.', '*' or '>'; the error is a *jsgenrt.RefError."))
	f.Func().Id(m.Name+"Ref").Params(jen.Id("raw").String()).Params(ref.Clone(), jen.Error()).Block(
		jen.Return(jen.Qual(rtPath, "NewRef").Types(jen.Id(m.Name)).Call(jen.Lit(m.Name), jen.Id("raw"), jen.Lit(m.IDMaxLength))),
	)
	f.Add(docComment("Must" + m.Name + "Ref is like " + m.Name + "Ref but panics if raw is not a valid identifier.\n" +
		"It is meant for constants and tests."))
	f.Func().Id("Must"+m.Name+"Ref").Params(jen.Id("raw").String()).Add(ref.Clone()).Block(
		jen.List(jen.Id("r"), jen.Err()).Op(":=").Id(m.Name+"Ref").Call(jen.Id("raw")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Panic(jen.Err())),
		jen.Return(jen.Id("r")),
	)
	return g.emitCodec(f, rec)
}
