package golang

import (
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/jsgen-dev/jsgen/schema/ir"
)

// emitUnion emits a union: its interface (YAML form only), the tag method
// on each variant, and its codec:
//
//	// RoomEvent is one of JoinEvent ("join"), ... chosen by the "type" member.
//	type RoomEvent interface {
//		// RoomEventTag returns the variant's "type" value.
//		RoomEventTag() string
//	}
//
//	// RoomEventTag returns "join", the "type" of a JoinEvent in a RoomEvent.
//	func (JoinEvent) RoomEventTag() string { return "join" }
func (g *generator) emitUnion(f *jen.File, u *ir.Union) {
	if u.DeclaresGoType {
		var list []string
		for _, v := range u.Variants {
			list = append(list, v.Message+" ("+strconv.Quote(v.Tag)+")")
		}
		fallback := u.Name + " is a union"
		doc := declDoc(u.Name, u.Doc, fallback+".")
		doc += "\nIts variants are " + strings.Join(list, ", ") + ", chosen by the " + strconv.Quote(u.Discriminator) + " member."
		if u.DefaultTag != "" {
			doc += "\nWithout that member, the value is a " + strconv.Quote(u.DefaultTag) + "."
		}
		f.Add(docComment(doc))
		f.Type().Id(u.Name).Interface(
			docComment(u.Names.Tag+" returns the variant's "+strconv.Quote(u.Discriminator)+" value."),
			jen.Id(u.Names.Tag).Params().String(),
		)
	}
	for _, v := range u.Variants {
		f.Add(docComment(u.Names.Tag + " returns " + strconv.Quote(v.Tag) + ", the " + strconv.Quote(u.Discriminator) +
			" of a " + v.Message + " in a " + u.Name + "."))
		f.Func().Params(jen.Id(v.Message)).Id(u.Names.Tag).Params().String().Block(jen.Return(jen.Lit(v.Tag)))
	}
	g.emitUnionDecode(f, u)
	g.emitUnionValidate(f, u)
	g.emitUnionEncode(f, u)
}

// emitUnionDecode emits the strict decoder of a union:
//
//	// DecodeRoomEvent decodes data strictly as a RoomEvent ...
//	func DecodeRoomEvent(data []byte) (RoomEvent, error) { ... }
//
//	func jsgenDecodeRoomEvent(r *jsonx.Reader, p *jsonx.Path) RoomEvent {
//		tag, found, ok := r.Discriminator(p, "type")
//		if !ok {
//			return nil
//		}
//		if !found {
//			r.SkipMissingVariant(p, "type")
//			return nil
//		}
//		switch string(tag) {
//		case "join":
//			var v JoinEvent
//			v.jsgenDecode(r, p, "type", "join")
//			return v
//		...
//		}
//		r.SkipUnknownVariant(p, "type", tag, "join, leave")
//		return nil
//	}
func (g *generator) emitUnionDecode(f *jen.File, u *ir.Union) {
	name := u.Name
	f.Add(docComment("Decode" + name + " decodes data strictly as " + article(name) + " " + name + ": an object whose " +
		strconv.Quote(u.Discriminator) + " member\n" +
		"(anywhere in the object) picks the variant, decoded as strictly as Decode<Variant> does, then\n" +
		"validated. Errors are *jsgenrt.Error values listing every problem found, as Decode<Variant>\n" +
		"does."))
	f.Func().Id(u.Names.Decode).Params(jen.Id("data").Index().Byte()).Params(jen.Id(name), jen.Error()).Block(
		jen.Var().Id("r").Qual(jsonxPath, "Reader"),
		jen.Id("r").Dot("Reset").Call(jen.Id("data")),
		jen.Id("u").Op(":=").Id(u.Names.DecodeFrom).Call(jen.Op("&").Id("r"), jen.Nil()),
		jen.Id("r").Dot("End").Call(),
		jen.If(jen.Id("r").Dot("Failed").Call()).Block(jen.Return(jen.Nil(), jen.Id("r").Dot("Err").Call())),
		jen.Var().Id("errs").Qual(rtPath, "FieldErrors"),
		jen.Id(u.Names.ValidateInto).Call(jen.Id("u"), jen.Op("&").Id("errs"), jen.Nil()),
		jen.If(jen.Err().Op(":=").Id("r").Dot("ErrWith").Call(jen.Id("errs")), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.Return(jen.Id("u"), jen.Nil()),
	)
	disc := jen.Lit(u.Discriminator)
	var missing []jen.Code
	cases := make([]jen.Code, 0, len(u.Variants))
	var tags []string
	for _, v := range u.Variants {
		decode := []jen.Code{
			jen.Var().Id("v").Id(v.Message),
			jen.Id("v").Dot("jsgenDecode").Call(jen.Id("r"), jen.Id("p"), disc, jen.Lit(v.Tag)),
			jen.Return(jen.Id("v")),
		}
		if v.Tag == u.DefaultTag {
			missing = decode
		}
		cases = append(cases, jen.Case(jen.Lit(v.Tag)).Block(decode...))
		tags = append(tags, v.Tag)
	}
	if missing == nil {
		missing = []jen.Code{
			jen.Id("r").Dot("SkipMissingVariant").Call(jen.Id("p"), disc),
			jen.Return(jen.Nil()),
		}
	}
	f.Line()
	f.Func().Id(u.Names.DecodeFrom).Params(
		jen.Id("r").Op("*").Qual(jsonxPath, "Reader"),
		jen.Id("p").Op("*").Qual(jsonxPath, "Path"),
	).Id(name).Block(
		jen.List(jen.Id("tag"), jen.Id("found"), jen.Id("ok")).Op(":=").Id("r").Dot("Discriminator").Call(jen.Id("p"), disc),
		jen.If(jen.Op("!").Id("ok")).Block(jen.Return(jen.Nil())),
		jen.If(jen.Op("!").Id("found")).Block(missing...),
		jen.Switch(jen.String().Call(jen.Id("tag"))).Block(cases...),
		jen.Id("r").Dot("SkipUnknownVariant").Call(jen.Id("p"), disc, jen.Id("tag"), jen.Lit(strings.Join(tags, ", "))),
		jen.Return(jen.Nil()),
	)
}

// variantCases returns, per variant, the type-switch cases for the value
// and the pointer form, with body(v, isPtr) as their bodies.
func variantCases(u *ir.Union, body func(v ir.Variant, ptr bool) []jen.Code) []jen.Code {
	out := make([]jen.Code, 0, 2*len(u.Variants))
	for _, v := range u.Variants {
		out = append(out,
			jen.Case(jen.Id(v.Message)).Block(body(*v, false)...),
			jen.Case(jen.Op("*").Id(v.Message)).Block(body(*v, true)...),
		)
	}
	return out
}

// emitUnionValidate emits Validate<Union> and its internal form:
//
//	func jsgenValidateRoomEvent(u RoomEvent, errs *jsgenrt.FieldErrors, p *jsonx.Path) {
//		switch v := u.(type) {
//		case JoinEvent:
//			v.jsgenValidate(errs, p)
//		case *JoinEvent:
//			if v == nil {
//				errs.Add(p.String(), jsonx.MsgRequired)
//				return
//			}
//			v.jsgenValidate(errs, p)
//		...
//		default:
//			errs.Add(p.String(), jsonx.VariantMsg("RoomEvent", u))
//		}
//	}
func (g *generator) emitUnionValidate(f *jen.File, u *ir.Union) {
	name := u.Name
	f.Add(docComment("Validate" + name + " reports every constraint violation of u (one of the variants of " + name + ",\n" +
		"or a non-nil pointer to one), each with its JSON path, as a *jsgenrt.Error with code\n" +
		"invalid_message; nil means u is valid. It does not allocate when u is valid."))
	f.Func().Id(u.Names.Validate).Params(jen.Id("u").Id(name)).Error().Block(
		jen.Var().Id("errs").Qual(rtPath, "FieldErrors"),
		jen.Id(u.Names.ValidateInto).Call(jen.Id("u"), jen.Op("&").Id("errs"), jen.Nil()),
		jen.Return(jen.Id("errs").Dot("Err").Call()),
	)
	required := jen.Id("errs").Dot("Add").Call(jen.Id("p").Dot("String").Call(), jen.Qual(jsonxPath, "MsgRequired"))
	cases := variantCases(u, func(_ ir.Variant, ptr bool) []jen.Code {
		call := jen.Id("v").Dot("jsgenValidate").Call(jen.Id("errs"), jen.Id("p"))
		if !ptr {
			return []jen.Code{call}
		}
		return []jen.Code{jen.If(jen.Id("v").Op("==").Nil()).Block(required.Clone(), jen.Return()), call}
	})
	cases = append(cases, jen.Default().Block(
		jen.Id("errs").Dot("Add").Call(jen.Id("p").Dot("String").Call(),
			jen.Qual(jsonxPath, "VariantMsg").Call(jen.Lit(name), jen.Id("u")))))
	f.Line()
	f.Func().Id(u.Names.ValidateInto).Params(
		jen.Id("u").Id(name),
		jen.Id("errs").Op("*").Qual(rtPath, "FieldErrors"),
		jen.Id("p").Op("*").Qual(jsonxPath, "Path"),
	).Block(jen.Switch(jen.Id("v").Op(":=").Id("u").Assert(jen.Type())).Block(cases...))
}

// emitUnionEncode emits Append<Union>JSON:
//
//	func AppendRoomEventJSON(b []byte, u RoomEvent) []byte {
//		switch v := u.(type) {
//		case JoinEvent:
//			b = append(b, `{"type":"join"`...)
//			b = v.jsgenAppendFields(b, true)
//			return append(b, '}')
//		case *JoinEvent:
//			if v != nil { ...same... }
//		...
//		}
//		return append(b, "null"...)
//	}
func (g *generator) emitUnionEncode(f *jen.File, u *ir.Union) {
	name := u.Name
	cases := variantCases(u, func(v ir.Variant, ptr bool) []jen.Code {
		write := []jen.Code{
			appendB("{" + jsonKey(u.Discriminator) + jsonString(v.Tag)),
			jen.Id("b").Op("=").Id("v").Dot("jsgenAppendFields").Call(jen.Id("b"), jen.True()),
			jen.Return(jen.Append(jen.Id("b"), jen.LitRune('}'))),
		}
		if !ptr {
			return write
		}
		return []jen.Code{jen.If(jen.Id("v").Op("!=").Nil()).Block(write...)}
	})
	f.Add(docComment("Append" + name + "JSON appends u to b as a JSON object whose first member, " +
		strconv.Quote(u.Discriminator) + ", names\n" +
		"its variant, followed by the variant's members; it returns the extended buffer. A nil u, or\n" +
		"a value that is not a variant, is written as null (which Decode" + name + " refuses)."))
	f.Func().Id(u.Names.Append).Params(jen.Id("b").Index().Byte(), jen.Id("u").Id(name)).Index().Byte().Block(
		jen.Switch(jen.Id("v").Op(":=").Id("u").Assert(jen.Type())).Block(cases...),
		jen.Return(jen.Append(jen.Id("b"), jen.Lit("null").Op("..."))),
	)
}
