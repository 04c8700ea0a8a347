package golang

import (
	"strconv"

	"github.com/dave/jennifer/jen"

	"github.com/jsgen-dev/jsgen/schema/ir"
)

// emitEnum emits an enum's type (YAML form only), its constants and Valid:
//
//	// ClientMessageType is an enum: "message" or "typing".
//	type ClientMessageType string
//
//	const (
//		// ClientMessageTypeMessage is the ClientMessageType value "message".
//		ClientMessageTypeMessage ClientMessageType = "message"
//		...
//	)
//
//	// Valid reports whether e is one of the values of ClientMessageType.
//	func (e ClientMessageType) Valid() bool {
//		switch e {
//		case ClientMessageTypeMessage, ClientMessageTypeTyping:
//			return true
//		}
//		return false
//	}
func (g *generator) emitEnum(f *jen.File, e *ir.Enum) {
	consts := e.Consts
	if e.DeclaresGoType {
		f.Add(docComment(e.Name + " is an enum: one of " + quotedList(e.Values) + "."))
		f.Type().Id(e.Name).String()
	}
	defs := make([]jen.Code, 0, len(e.Values))
	for i, v := range e.Values {
		defs = append(defs,
			docComment(consts[i]+" is the "+e.Name+" value "+strconv.Quote(v)+"."),
			jen.Id(consts[i]).Id(e.Name).Op("=").Lit(v))
	}
	f.Comment("The values of " + e.Name + ".")
	f.Const().Defs(defs...)
	cases := make([]jen.Code, len(consts))
	for i, c := range consts {
		cases[i] = jen.Id(c)
	}
	f.Add(docComment("Valid reports whether e is one of the values of " + e.Name + "."))
	f.Func().Params(jen.Id("e").Id(e.Name)).Id(ir.MethodValid).Params().Bool().Block(
		jen.Switch(jen.Id("e")).Block(jen.Case(cases...).Block(jen.Return(jen.True()))),
		jen.Return(jen.False()),
	)
}

func quotedList(values []string) string {
	out := ""
	for i, v := range values {
		switch {
		case i == 0:
		case i == len(values)-1:
			out += " or "
		default:
			out += ", "
		}
		out += strconv.Quote(v)
	}
	return out
}
