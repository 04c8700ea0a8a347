package golang

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/dave/jennifer/jen"

	"github.com/jsgen-dev/jsgen/schema/ir"
)

// rd and root are the reader and path parameters of generated decoders.
func rd() *jen.Statement   { return jen.Id("r") }
func root() *jen.Statement { return jen.Id("p") }

// emitDecode emits the strict decoder of a model or message:
//
//	// DecodeClientMessage decodes data strictly as a ClientMessage ...
//	func DecodeClientMessage(data []byte) (ClientMessage, error) {
//		var r jsonx.Reader
//		r.Reset(data)
//		var m ClientMessage
//		m.jsgenDecode(&r, nil)
//		r.End()
//		if r.Failed() {
//			return ClientMessage{}, r.Err()
//		}
//		var errs jsgenrt.FieldErrors
//		m.jsgenValidate(&errs, nil)
//		if err := r.ErrWith(errs); err != nil {
//			return ClientMessage{}, err
//		}
//		return m, nil
//	}
//
//	// UnmarshalJSON decodes data with DecodeClientMessage ...
//	func (m *ClientMessage) UnmarshalJSON(data []byte) error { ... }
//
//	func (m *ClientMessage) jsgenDecode(r *jsonx.Reader, p *jsonx.Path) {
//		if !r.Object(p) {
//			return
//		}
//		var seenType, seenContent bool
//		for {
//			key, ok := r.Key(p)
//			if !ok {
//				break
//			}
//			switch string(key) {
//			case "type":
//				if seenType {
//					r.SkipDuplicate(p, "type")
//					continue
//				}
//				seenType = true
//				fp1 := jsonx.Path{Parent: p, Key: "type"}
//				m.Type = ClientMessageType(r.String(&fp1))
//			...
//			default:
//				r.SkipUnknown(p, key, "type", "content")
//			}
//		}
//		if !seenType {
//			r.Missing(p, "type")
//		}
//	}
//
// A variant of a union takes two more parameters, the discriminator member
// it accepts (once, with the value tag) and that tag.
func (g *generator) emitDecode(f *jen.File, rec *record) error {
	name := rec.Name
	args := []jen.Code{jen.Op("&").Id("r"), jen.Nil()}
	disc, tag := g.ownTag(name)
	if g.isVariant(name) {
		args = append(args, jen.Lit(disc), jen.Lit(tag))
	}
	accepts := ""
	if disc != "" {
		accepts = fmt.Sprintf("\nThe member %q that AppendJSON writes is accepted if it is %q.", disc, tag)
	}
	f.Add(docComment("Decode" + name + " decodes data strictly as " + article(name) + " " + name + ", then validates it. It refuses\n" +
		"invalid JSON and invalid UTF-8 (code invalid_json), and unknown, duplicate, case-mismatched\n" +
		"or missing fields, values of the wrong type and constraint violations (code invalid_message).\n" +
		"Absent fields with a default get it. Errors are *jsgenrt.Error values listing every problem\n" +
		"found, each at its JSON path: invalid JSON alone, or else the problems of shape in input\n" +
		"order followed by the constraint violations of the fields that decoded." + accepts))
	f.Func().Id(rec.Decode).Params(jen.Id("data").Index().Byte()).Params(jen.Id(name), jen.Error()).Block(
		jen.Var().Id("r").Qual(jsonxPath, "Reader"),
		jen.Id("r").Dot("Reset").Call(jen.Id("data")),
		jen.Var().Id("m").Id(name),
		jen.Id("m").Dot("jsgenDecode").Call(args...),
		jen.Id("r").Dot("End").Call(),
		jen.If(jen.Id("r").Dot("Failed").Call()).Block(
			jen.Return(jen.Id(name).Values(), jen.Id("r").Dot("Err").Call())),
		jen.Var().Id("errs").Qual(rtPath, "FieldErrors"),
		jen.Id("m").Dot("jsgenValidate").Call(jen.Op("&").Id("errs"), jen.Nil()),
		jen.If(jen.Err().Op(":=").Id("r").Dot("ErrWith").Call(jen.Id("errs")), jen.Err().Op("!=").Nil()).Block(
			jen.Return(jen.Id(name).Values(), jen.Err())),
		jen.Return(jen.Id("m"), jen.Nil()),
	)
	f.Add(docComment("UnmarshalJSON decodes data with Decode" + name + ", so encoding/json is as strict as it is.\n" +
		"On failure m is left unchanged."))
	f.Func().Params(jen.Id("m").Op("*").Id(name)).Id(ir.MethodUnmarshalJSON).Params(jen.Id("data").Index().Byte()).Error().Block(
		jen.List(jen.Id("v"), jen.Err()).Op(":=").Id(rec.Decode).Call(jen.Id("data")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.Op("*").Id("m").Op("=").Id("v"),
		jen.Return(jen.Nil()),
	)
	body, err := g.decodeBody(rec)
	if err != nil {
		return err
	}
	params := []jen.Code{
		jen.Id("r").Op("*").Qual(jsonxPath, "Reader"),
		jen.Id("p").Op("*").Qual(jsonxPath, "Path"),
	}
	if g.isVariant(name) {
		params = append(params, jen.List(jen.Id("disc"), jen.Id("tag")).String())
	}
	f.Line()
	f.Func().Params(jen.Id("m").Op("*").Id(name)).Id("jsgenDecode").Params(params...).Block(body...)
	return nil
}

func seenVar(fl *ir.Field) string { return "seen" + fl.GoName }

// decodeBody is the body of jsgenDecode.
func (g *generator) decodeBody(rec *record) ([]jen.Code, error) {
	nm := &names{}
	body := []jen.Code{jen.If(jen.Op("!").Add(rd()).Dot("Object").Call(root())).Block(jen.Return())}
	var seen []jen.Code
	cases := make([]jen.Code, 0, len(rec.Fields)+1)
	known := make([]jen.Code, 0, len(rec.Fields)+2)
	known = append(known, root(), jen.Id("key"))
	for _, fl := range rec.Fields {
		seen = append(seen, jen.Id(seenVar(fl)))
		stmts, err := g.decodeField(fl, nm)
		if err != nil {
			return nil, err
		}
		head := []jen.Code{
			jen.If(jen.Id(seenVar(fl))).Block(
				rd().Dot("SkipDuplicate").Call(root(), jen.Lit(fl.Name)),
				jen.Continue(),
			),
			jen.Id(seenVar(fl)).Op("=").True(),
		}
		cases = append(cases, jen.Case(jen.Lit(fl.Name)).Block(slices.Concat(head, stmts)...))
		known = append(known, jen.Lit(fl.Name))
	}
	var dflt []jen.Code
	if g.isVariant(rec.Name) {
		seen = append(seen, jen.Id("discSeen"))
		dflt = append(dflt, jen.If(jen.Id("disc").Op("!=").Lit("").Op("&&").String().Call(jen.Id("key")).Op("==").Id("disc")).Block(
			jen.If(jen.Id("discSeen")).Block(
				rd().Dot("SkipDuplicate").Call(root(), jen.Id("disc")),
				jen.Continue(),
			),
			jen.Id("discSeen").Op("=").True(),
			jen.Id("dp").Op(":=").Add(pathLit(root(), keyField(jen.Id("disc")))),
			rd().Dot("CheckTag").Call(jen.Op("&").Id("dp"), jen.Id("tag")),
			jen.Continue(),
		))
	}
	dflt = append(dflt, rd().Dot("SkipUnknown").Call(known...))
	cases = append(cases, jen.Default().Block(dflt...))
	if len(seen) > 0 {
		body = append(body, jen.Var().List(seen...).Bool())
	}
	body = append(body, jen.For().Block(
		jen.List(jen.Id("key"), jen.Id("ok")).Op(":=").Add(rd()).Dot("Key").Call(root()),
		jen.If(jen.Op("!").Id("ok")).Block(jen.Break()),
		jen.Switch(jen.String().Call(jen.Id("key"))).Block(cases...),
	))
	for _, fl := range rec.Fields {
		switch {
		case fl.Default != nil:
			dv, err := g.defaultValue(fl)
			if err != nil {
				return nil, fmt.Errorf("golang: default of field %q of %s: %w", fl.Name, rec.Name, err)
			}
			body = append(body, jen.If(jen.Op("!").Id(seenVar(fl))).Block(jen.Id("m").Dot(fl.GoName).Op("=").Add(dv)))
		case required(fl):
			body = append(body, jen.If(jen.Op("!").Id(seenVar(fl))).Block(rd().Dot("Missing").Call(root(), jen.Lit(fl.Name))))
		}
	}
	return body, nil
}

// decodeField reads field fl into m.<GoName>; the field's path is a local
// jsonx.Path.
func (g *generator) decodeField(fl *ir.Field, nm *names) ([]jen.Code, error) {
	fp := nm.fresh("fp")
	out := []jen.Code{jen.Id(fp).Op(":=").Add(pathLit(root(), keyField(jen.Lit(fl.Name))))}
	at := jen.Op("&").Id(fp)
	target := jen.Id("m").Dot(fl.GoName)
	if fl.Type.Kind == ir.MessageK {
		call := g.decodeMessageCall(fl.Type.Name, at)
		if rep(fl) == repPointer {
			return append(out, target.Clone().Op("=").New(jen.Id(fl.Type.Name)), target.Clone().Dot("jsgenDecode").Call(call...)), nil
		}
		return append(out, target.Clone().Dot("jsgenDecode").Call(call...)), nil
	}
	stmts, val := g.decodeValue(fl.Type, at, nm)
	out = append(out, stmts...)
	if rep(fl) == repPointer {
		v := nm.fresh("v")
		return append(out, jen.Id(v).Op(":=").Add(val), target.Clone().Op("=").Op("&").Id(v)), nil
	}
	return append(out, target.Clone().Op("=").Add(val)), nil
}

// decodeMessageCall is the argument list of a nested message's jsgenDecode.
func (g *generator) decodeMessageCall(msg string, at jen.Code) []jen.Code {
	args := []jen.Code{rd(), at}
	if g.isVariant(msg) {
		disc, tag := g.ownTag(msg)
		args = append(args, jen.Lit(disc), jen.Lit(tag))
	}
	return args
}

// decodeValue returns statements reading a value of type t at the path at
// (a *jsonx.Path expression) and the expression of the value read.
func (g *generator) decodeValue(t *ir.Type, at jen.Code, nm *names) ([]jen.Code, jen.Code) {
	read := func(method string) jen.Code { return rd().Dot(method).Call(at) }
	switch t.Kind {
	case ir.String:
		return nil, read("String")
	case ir.EnumKind:
		return nil, jen.Id(t.Name).Call(read("String"))
	case ir.Bool:
		return nil, read("Bool")
	case ir.Int:
		return nil, read("Int")
	case ir.Int64:
		return nil, read("Int64")
	case ir.Float64:
		return nil, read("Float64")
	case ir.Timestamp:
		return nil, read("Timestamp")
	case ir.Ref:
		return nil, jen.Qual(jsonxPath, "ReadRef").Call(rd(), at, jen.Id(g.models[t.Name].Names.Ref))
	case ir.UnionK:
		return nil, jen.Id(g.unionNames(t.Name).DecodeFrom).Call(rd(), at)
	case ir.MessageK:
		v := nm.fresh("v")
		return []jen.Code{
			jen.Var().Id(v).Id(t.Name),
			jen.Id(v).Dot("jsgenDecode").Call(g.decodeMessageCall(t.Name, at)...),
		}, jen.Id(v)
	case ir.Array:
		return g.decodeArray(t, at, nm)
	case ir.Map:
		return g.decodeMap(t, at, nm)
	}
	panic("golang: unknown kind " + string(t.Kind))
}

// decodeArray reads an array; an empty array gives an empty, non-nil slice.
//
//	var v1 []string
//	if r.Array(&fp1) {
//		v1 = []string{}
//		for i2 := 0; r.More(&fp1); i2++ {
//			ip3 := jsonx.Path{Parent: &fp1, Index: i2, IsIndex: true}
//			v1 = append(v1, r.String(&ip3))
//		}
//	}
func (g *generator) decodeArray(t *ir.Type, at jen.Code, nm *names) ([]jen.Code, jen.Code) {
	v, i, ip := nm.fresh("v"), nm.fresh("i"), nm.fresh("ip")
	elemStmts, elem := g.decodeValue(t.Elem, jen.Op("&").Id(ip), nm)
	loop := []jen.Code{jen.Id(ip).Op(":=").Add(pathLit(at, indexFields(jen.Id(i))...))}
	loop = append(loop, elemStmts...)
	loop = append(loop, jen.Id(v).Op("=").Append(jen.Id(v), elem))
	return []jen.Code{
		jen.Var().Id(v).Add(g.goType(t)),
		jen.If(rd().Dot("Array").Call(at)).Block(
			jen.Id(v).Op("=").Add(g.goType(t)).Values(),
			jen.For(jen.Id(i).Op(":=").Lit(0), rd().Dot("More").Call(at), jen.Id(i).Op("++")).Block(loop...),
		),
	}, jen.Id(v)
}

// decodeMap reads an object of string keys, refusing duplicate keys.
//
//	var v1 map[string]int
//	if r.Object(&fp1) {
//		v1 = map[string]int{}
//		for {
//			kb2, ok3 := r.Key(&fp1)
//			if !ok3 {
//				break
//			}
//			k4 := string(kb2)
//			if _, dup := v1[k4]; dup {
//				r.SkipDuplicate(&fp1, k4)
//				continue
//			}
//			kp5 := jsonx.Path{Parent: &fp1, Key: k4}
//			v1[k4] = r.Int(&kp5)
//		}
//	}
func (g *generator) decodeMap(t *ir.Type, at jen.Code, nm *names) ([]jen.Code, jen.Code) {
	v, kb, ok, k, kp := nm.fresh("v"), nm.fresh("kb"), nm.fresh("ok"), nm.fresh("k"), nm.fresh("kp")
	elemStmts, elem := g.decodeValue(t.Elem, jen.Op("&").Id(kp), nm)
	loop := []jen.Code{
		jen.List(jen.Id(kb), jen.Id(ok)).Op(":=").Add(rd()).Dot("Key").Call(at),
		jen.If(jen.Op("!").Id(ok)).Block(jen.Break()),
		jen.Id(k).Op(":=").String().Call(jen.Id(kb)),
		jen.If(jen.List(jen.Id("_"), jen.Id("dup")).Op(":=").Id(v).Index(jen.Id(k)), jen.Id("dup")).Block(
			rd().Dot("SkipDuplicate").Call(at, jen.Id(k)),
			jen.Continue(),
		),
		jen.Id(kp).Op(":=").Add(pathLit(at, keyField(jen.Id(k)))),
	}
	loop = append(loop, elemStmts...)
	loop = append(loop, jen.Id(v).Index(jen.Id(k)).Op("=").Add(elem))
	return []jen.Code{
		jen.Var().Id(v).Add(g.goType(t)),
		jen.If(rd().Dot("Object").Call(at)).Block(
			jen.Id(v).Op("=").Add(g.goType(t)).Values(),
			jen.For().Block(loop...),
		),
	}, jen.Id(v)
}

// defaultValue is the Go expression of fl's default.
func (g *generator) defaultValue(fl *ir.Field) (jen.Code, error) {
	raw := []byte(fl.Default)
	switch fl.Type.Kind {
	case ir.String, ir.EnumKind, ir.Ref:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		switch fl.Type.Kind {
		case ir.EnumKind:
			e := g.enums[fl.Type.Name]
			if i := slices.Index(e.Values, s); i >= 0 {
				return jen.Id(e.Consts[i]), nil
			}
			return nil, fmt.Errorf("%q is not a value of %s", s, e.Name)
		case ir.Ref:
			return jen.Qual(rtPath, "UncheckedRef").Types(jen.Id(fl.Type.Name)).Call(jen.Lit(s)), nil
		}
		return jen.Lit(s), nil
	case ir.Bool:
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return nil, err
		}
		return jen.Lit(b), nil
	case ir.Int, ir.Int64:
		return intLit(string(raw))
	case ir.Float64:
		return floatLit(string(raw))
	}
	return nil, fmt.Errorf("defaults are not supported on %s fields", fl.Type.Kind)
}
