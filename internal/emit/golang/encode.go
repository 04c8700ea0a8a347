package golang

import (
	"github.com/dave/jennifer/jen"

	"github.com/jsgen-dev/jsgen/schema/ir"
)

// emitEncode emits AppendJSON, MarshalJSON and the member writer of a model
// or message:
//
//	// AppendJSON appends m to b as a JSON object ...
//	func (m *JoinEvent) AppendJSON(b []byte) []byte {
//		b = append(b, `{"type":"join"`...)
//		b = m.jsgenAppendFields(b, true)
//		return append(b, '}')
//	}
//
//	// MarshalJSON encodes m with AppendJSON.
//	func (m JoinEvent) MarshalJSON() ([]byte, error) {
//		return m.AppendJSON(nil), nil
//	}
//
//	func (m *JoinEvent) jsgenAppendFields(b []byte, more bool) []byte {
//		if more {
//			b = append(b, ',')
//		}
//		b = append(b, `"username":`...)
//		b = jsgenrt.AppendJSONString(b, m.Username)
//		if m.Avatar != nil {
//			b = append(b, `,"avatar":`...)
//			...
//		}
//		return b
//	}
//
// Members are written in declaration order; optional members only when set
// (non-nil). jsgenAppendFields writes the members without braces so that a
// union can write its discriminator first; more says whether a member was
// already written.
func (g *generator) emitEncode(f *jen.File, rec *record) {
	name := rec.Name
	disc, tag := g.ownTag(name)
	open, more := "{", false
	docTag := ""
	if disc != "" {
		open, more = "{"+jsonKey(disc)+jsonString(tag), true
		docTag = "\nThe first member is " + jsonKey(disc) + jsonString(tag) + ", the tag of " + name + " in its union."
	}
	var first jen.Code = jen.LitRune('{')
	if more {
		first = jen.Add(strLit(open)).Op("...")
	}
	f.Add(docComment("AppendJSON appends m to b as a JSON object, members in declaration order, optional\n" +
		"members only when set, and returns the extended buffer. It does not use reflection." + docTag))
	f.Func().Params(jen.Id("m").Op("*").Id(name)).Id(ir.MethodAppendJSON).Params(jen.Id("b").Index().Byte()).Index().Byte().Block(
		jen.Id("b").Op("=").Append(jen.Id("b"), first),
		jen.Id("b").Op("=").Id("m").Dot("jsgenAppendFields").Call(jen.Id("b"), jen.Lit(more)),
		jen.Return(jen.Append(jen.Id("b"), jen.LitRune('}'))),
	)
	f.Add(docComment("MarshalJSON encodes m with AppendJSON."))
	f.Func().Params(jen.Id("m").Id(name)).Id(ir.MethodMarshalJSON).Params().Params(jen.Index().Byte(), jen.Error()).Block(
		jen.Return(jen.Id("m").Dot(ir.MethodAppendJSON).Call(jen.Nil()), jen.Nil()),
	)
	f.Line()
	f.Func().Params(jen.Id("m").Op("*").Id(name)).Id("jsgenAppendFields").Params(
		jen.Id("b").Index().Byte(), jen.Id("more").Bool(),
	).Index().Byte().Block(g.appendFieldsBody(rec)...)
}

// appendB is `b = append(b, <s>...)` for a constant JSON fragment.
func appendB(s string) jen.Code {
	if len(s) == 1 {
		return jen.Id("b").Op("=").Append(jen.Id("b"), jen.LitRune(rune(s[0])))
	}
	return jen.Id("b").Op("=").Append(jen.Id("b"), jen.Add(strLit(s)).Op("..."))
}

// appendFieldsBody writes the members. Whether a comma is needed is known
// statically once a required member has been written; before that it
// depends on the more parameter, updated after optional members.
func (g *generator) appendFieldsBody(rec *record) []jen.Code {
	nm := &names{}
	var out []jen.Code
	known := false // a member has certainly been written
	for i, fl := range rec.Fields {
		key := jsonKey(fl.Name)
		var member []jen.Code
		if known {
			member = append(member, appendB(","+key))
		} else {
			member = append(member,
				jen.If(jen.Id("more")).Block(appendB(",")),
				appendB(key))
		}
		v := jen.Id("m").Dot(fl.GoName)
		switch rep(fl) {
		case repValue:
			out = append(out, member...)
			out = append(out, g.appendValue(fl.Type, v, nm)...)
			known = true
		default:
			val := jen.Code(v)
			if rep(fl) == repPointer && fl.Type.Kind != ir.MessageK && fl.Type.Kind != ir.Ref {
				val = jen.Op("*").Add(v.Clone())
			}
			member = append(member, g.appendValue(fl.Type, val, nm)...)
			if !known && i < len(rec.Fields)-1 {
				member = append(member, jen.Id("more").Op("=").True())
			}
			out = append(out, jen.If(v.Clone().Op("!=").Nil()).Block(member...))
		}
	}
	return append(out, jen.Return(jen.Id("b")))
}

// appendValue returns statements appending the value v of type t to b.
func (g *generator) appendValue(t *ir.Type, v jen.Code, nm *names) []jen.Code {
	set := func(call jen.Code) []jen.Code { return []jen.Code{jen.Id("b").Op("=").Add(call)} }
	switch t.Kind {
	case ir.String:
		return set(jen.Qual(rtPath, "AppendJSONString").Call(jen.Id("b"), v))
	case ir.EnumKind:
		return set(jen.Qual(rtPath, "AppendJSONString").Call(jen.Id("b"), jen.String().Call(v)))
	case ir.Bool:
		return set(jen.Qual("strconv", "AppendBool").Call(jen.Id("b"), v))
	case ir.Int:
		return set(jen.Qual("strconv", "AppendInt").Call(jen.Id("b"), jen.Int64().Call(v), jen.Lit(10)))
	case ir.Int64:
		return set(jen.Qual("strconv", "AppendInt").Call(jen.Id("b"), v, jen.Lit(10)))
	case ir.Float64:
		return set(jen.Qual(jsonxPath, "AppendFloat").Call(jen.Id("b"), v))
	case ir.Timestamp:
		return set(jen.Qual(jsonxPath, "AppendTime").Call(jen.Id("b"), v))
	case ir.Ref, ir.MessageK:
		return set(jen.Add(v).Dot(ir.MethodAppendJSON).Call(jen.Id("b")))
	case ir.UnionK:
		return set(jen.Id(g.unionNames(t.Name).Append).Call(jen.Id("b"), v))
	case ir.Array:
		return g.appendArray(t, v, nm)
	case ir.Map:
		return g.appendMap(t, v, nm)
	}
	panic("golang: unknown kind " + string(t.Kind))
}

// appendArray writes an array:
//
//	b = append(b, '[')
//	for i1 := range m.Tags {
//		if i1 > 0 {
//			b = append(b, ',')
//		}
//		b = jsgenrt.AppendJSONString(b, m.Tags[i1])
//	}
//	b = append(b, ']')
func (g *generator) appendArray(t *ir.Type, v jen.Code, nm *names) []jen.Code {
	i := nm.fresh("i")
	body := []jen.Code{jen.If(jen.Id(i).Op(">").Lit(0)).Block(appendB(","))}
	body = append(body, g.appendValue(t.Elem, jen.Add(v).Index(jen.Id(i)), nm)...)
	return []jen.Code{
		appendB("["),
		jen.For(jen.Id(i).Op(":=").Range().Add(v)).Block(body...),
		appendB("]"),
	}
}

// appendMap writes an object with its keys sorted, so output is
// deterministic:
//
//	b = append(b, '{')
//	for i1, k2 := range slices.Sorted(maps.Keys(m.Labels)) {
//		if i1 > 0 {
//			b = append(b, ',')
//		}
//		b = jsgenrt.AppendJSONString(b, k2)
//		b = append(b, ':')
//		e3 := m.Labels[k2]
//		b = jsgenrt.AppendJSONString(b, e3)
//	}
//	b = append(b, '}')
func (g *generator) appendMap(t *ir.Type, v jen.Code, nm *names) []jen.Code {
	i, k, e := nm.fresh("i"), nm.fresh("k"), nm.fresh("e")
	body := []jen.Code{
		jen.If(jen.Id(i).Op(">").Lit(0)).Block(appendB(",")),
		jen.Id("b").Op("=").Qual(rtPath, "AppendJSONString").Call(jen.Id("b"), jen.Id(k)),
		appendB(":"),
		jen.Id(e).Op(":=").Add(v).Index(jen.Id(k)),
	}
	body = append(body, g.appendValue(t.Elem, jen.Id(e), nm)...)
	keys := jen.Qual("slices", "Sorted").Call(jen.Qual("maps", "Keys").Call(v))
	return []jen.Code{
		appendB("{"),
		jen.For(jen.List(jen.Id(i), jen.Id(k)).Op(":=").Range().Add(keys)).Block(body...),
		appendB("}"),
	}
}
