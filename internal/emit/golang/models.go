package golang

import (
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/jsgen-dev/jsgen/schema/ir"
)

// idRulesDoc says, for the doc comment of m's Ref constructor, which
// identifiers it refuses.
func idRulesDoc(m *ir.Model) string {
	if m.IDValues != nil {
		return "every identifier other than " + strings.Join(quoteAll(m.IDValues), ", ")
	}
	rules := "identifiers that are empty, longer than " + strconv.Itoa(m.IDMaxLength) + " bytes"
	if m.IDMinLength > 1 {
		rules += ", shorter than " + strconv.Itoa(m.IDMinLength) + " bytes"
	}
	rules += ", not valid UTF-8, or that contain control characters, whitespace, '.', '*' or '>'"
	if m.IDPattern != "" {
		rules += ", or that do not match " + strconv.Quote(m.IDPattern)
	}
	return rules
}

// wrapText breaks text into lines of at most width bytes, at spaces.
func wrapText(text string, width int) string {
	var b strings.Builder
	n := 0
	for i, w := range strings.Split(text, " ") {
		switch {
		case i == 0:
		case n+1+len(w) > width:
			b.WriteByte('\n')
			n = 0
		default:
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}

func quoteAll(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strconv.Quote(v)
	}
	return out
}

// refCtorBody is the body of m's Ref constructor. A closed set is a switch
// (its values were checked against every other rule by package ir);
// otherwise the built-in rules and idMaxLength (jsgenrt.NewRef), then
// idMinLength and idPattern:
//
//	r, err := jsgenrt.NewRef[Lobby]("Lobby", raw, 16)
//	switch {
//	case err != nil:
//		return r, err
//	case len(raw) < 3:
//		return jsgenrt.Ref[Lobby]{}, &jsgenrt.RefError{Model: "Lobby", Raw: raw, Reason: "shorter than 3 bytes"}
//	case !jsgenIDPatternLobby.MatchString(raw):
//		return jsgenrt.Ref[Lobby]{}, &jsgenrt.RefError{...}
//	}
//	return r, nil
func refCtorBody(m *ir.Model) []jen.Code {
	ref := jen.Qual(rtPath, "Ref").Types(jen.Id(m.Name))
	refuse := func(reason string) jen.Code {
		return jen.Return(ref.Clone().Values(), jen.Op("&").Qual(rtPath, "RefError").Values(jen.Dict{
			jen.Id("Model"):  jen.Lit(m.Name),
			jen.Id("Raw"):    jen.Id("raw"),
			jen.Id("Reason"): jen.Lit(reason),
		}))
	}
	if m.IDValues != nil {
		cases := make([]jen.Code, len(m.IDValues))
		for i, v := range m.IDValues {
			cases[i] = jen.Lit(v)
		}
		return []jen.Code{
			jen.Switch(jen.Id("raw")).Block(
				jen.Case(cases...).Block(jen.Return(jen.Qual(rtPath, "UncheckedRef").Types(jen.Id(m.Name)).Call(jen.Id("raw")), jen.Nil())),
			),
			refuse(ir.IDValuesReason(m.IDValues)),
		}
	}
	newRef := jen.Qual(rtPath, "NewRef").Types(jen.Id(m.Name)).Call(jen.Lit(m.Name), jen.Id("raw"), jen.Lit(m.IDMaxLength))
	if m.IDMinLength <= 1 && m.IDPattern == "" {
		return []jen.Code{jen.Return(newRef)}
	}
	cases := []jen.Code{jen.Case(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Id("r"), jen.Err()))}
	if m.IDMinLength > 1 {
		cases = append(cases, jen.Case(jen.Len(jen.Id("raw")).Op("<").Lit(m.IDMinLength)).Block(refuse(ir.IDMinLengthReason(m.IDMinLength))))
	}
	if m.IDPattern != "" {
		cases = append(cases, jen.Case(jen.Op("!").Id(m.Names.IDPattern).Dot("MatchString").Call(jen.Id("raw"))).Block(refuse(ir.IDPatternReason(m.IDPattern))))
	}
	return []jen.Code{
		jen.List(jen.Id("r"), jen.Err()).Op(":=").Add(newRef),
		jen.Switch().Block(cases...),
		jen.Return(jen.Id("r"), jen.Nil()),
	}
}

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
	rec := &record{Name: m.Name, Doc: m.Doc, Fields: m.Fields, Decode: m.Names.Decode}
	if m.DeclaresGoType {
		g.emitStruct(f, rec, m.Name+" is the "+m.Name+" model.")
	}
	ref := jen.Qual(rtPath, "Ref").Types(jen.Id(m.Name))
	if m.IDPattern != "" && m.IDValues == nil {
		f.Comment(m.Names.IDPattern + " is the idPattern of " + m.Name + " (immutable, safe for concurrent use).")
		f.Var().Id(m.Names.IDPattern).Op("=").Qual(jsonxPath, "MustCompilePattern").Call(jen.Lit(m.IDPattern))
	}
	a := article(m.Name) + " " + m.Name
	f.Add(docComment(wrapText(m.Name+"Ref validates raw as "+a+" identifier and returns its Ref. It refuses "+
		idRulesDoc(m)+". The error is a *jsgenrt.RefError. Decoders, path parameters and query values holding "+
		a+" identifier all go through it.", 90)))
	f.Func().Id(m.Names.Ref).Params(jen.Id("raw").String()).Params(ref.Clone(), jen.Error()).Block(refCtorBody(m)...)
	f.Add(docComment("Must" + m.Name + "Ref is like " + m.Name + "Ref but panics if raw is not a valid identifier.\n" +
		"It is meant for constants and tests."))
	f.Func().Id(m.Names.MustRef).Params(jen.Id("raw").String()).Add(ref.Clone()).Block(
		jen.List(jen.Id("r"), jen.Err()).Op(":=").Id(m.Names.Ref).Call(jen.Id("raw")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Panic(jen.Err())),
		jen.Return(jen.Id("r")),
	)
	return g.emitCodec(f, rec)
}
