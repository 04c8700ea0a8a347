// Package gospec is jsgen's annotated-Go front-end: it reads the //jsgen:
// directives of a Go package and returns them as raw declarations (package
// decl), with positions, for package ir to check. The syntax is documented
// in docs/declarations.md; in short:
//
//	//jsgen:model [idMaxLength=N] [idMinLength=N] [idPattern=RE] [idValues=a|b]
//	                                                   on a struct: a model
//	//jsgen:message                                    on a struct: a message
//	//jsgen:union [discriminator=F] [default=TAG] TAG=Message...
//	                                                   on an interface: a union
//	//jsgen:channels [prefix=P]                        on type X = channel.Channels[Key, Message]
//	                                                   (Key: a model, or a struct of untagged
//	                                                   jsgenrt.Ref fields for a composite key)
//	//jsgen:events Name                                on a struct whose fields are topics
//	//jsgen:controller Name [prefix=/p] [identity=Model] [guards=a|b] [handler=callbacks]
//	                                                   on a struct whose fields are routes, each
//	                                                   tagged `jsgen:"ws=/path[,identity=Model][,guards=a|b][,handler=callbacks]"`
//
// A directive sits in the doc comment of a package-level type declaration;
// the rest of the doc comment is the declaration's Doc. Directive arguments
// are space-separated words, key=value, key="Go string", or a whole argument
// quoted ("prefix=a b"). In a union, every key other than discriminator and
// default is a variant tag, so neither can be a tag.
//
// Fields of models and messages take their wire name from the json tag
// (required; omitempty and omitzero are the only json options read, and are
// refused on a field that must be present: one that is not a pointer, has no
// optional flag and no default) and their options from the jsgen tag: comma-separated key=value or bare flags, values
// single-quoted when they contain a comma ('...' cannot contain a quote):
//
//	Name    string            `json:"name" jsgen:"minLength=1,maxLength=50,pattern='^[a-z]{1,3}$'"`
//	Kind    Kind              `json:"kind" jsgen:"enum=a|b"`      // Kind: a named string type
//	Content *string           `json:"content,omitempty"`          // a pointer: optional
//	Tags    []string          `json:"tags" jsgen:"optional"`      // slices, maps, unions: the flag
//	Room    jsgenrt.Ref[Room] `json:"room"`                       // a ref to model Room
//
// Go types map to type expressions as docs/declarations.md's table says.
// Optional scalars and messages are pointers, and only they: the optional
// flag is for slices, maps and unions, and a field with a default is never a
// pointer. Emitters can therefore rely on the Go shape of a FromGo field.
//
// Positions are byte-based file:line:col. Files under the current working
// directory are named relative to it, others by their absolute path.
package gospec
