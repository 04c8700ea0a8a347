package gospec

import (
	"go/ast"
	"go/token"
	"slices"
	"strconv"
	"strings"
)

// The directive names jsgen knows, in the order the docs present them.
var directiveNames = []string{"model", "message", "union", "channels", "events", "controller"}

// directive is one //jsgen: comment line.
type directive struct {
	ast.Directive
	comment *ast.Comment
}

// dirArg is one argument of a directive: a bare word or key=value.
type dirArg struct {
	Key      string // "" for a bare word
	Value    string // the bare word, or the (unquoted) value after '='
	HasValue bool
	Quoted   bool      // the value (or the whole argument) was a quoted Go string
	Pos      token.Pos // first byte of the argument
	ValPos   token.Pos // first byte of the value (the argument itself when quoted whole)
}

// directivesIn returns the jsgen directives of a comment group, reporting
// lines that look like a directive but are not one.
func (l *loader) directivesIn(g *ast.CommentGroup) []directive {
	var out []directive
	for _, c := range g.List {
		d, ok := ast.ParseDirective(c.Slash, c.Text)
		if ok && d.Tool == "jsgen" {
			out = append(out, directive{Directive: d, comment: c})
			continue
		}
		if !ok {
			l.checkNearDirective(c)
		}
	}
	return out
}

// checkNearDirective reports comments that were probably meant as jsgen
// directives but are not directives: `// jsgen:model` or `//jsgen:Model`.
func (l *loader) checkNearDirective(c *ast.Comment) {
	switch {
	case strings.HasPrefix(c.Text, "//jsgen:"):
		l.diags.AddHint(l.pos(c.Slash), "directives are written //jsgen:name, the name in lower case (e.g. //jsgen:model)",
			"malformed directive %s", firstWord(c.Text))
	case strings.HasPrefix(c.Text, "// jsgen:"):
		name := firstWord(strings.TrimPrefix(c.Text, "// jsgen:"))
		for _, known := range directiveNames {
			if name == known {
				l.diags.AddHint(l.pos(c.Slash), "remove the space: //jsgen:"+name,
					"// jsgen:%s is a comment, not a directive", name)
			}
		}
	}
}

func firstWord(s string) string {
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return s[:i]
	}
	return s
}

// args parses the arguments of d, reporting malformed ones. ok is false when
// the arguments could not be parsed at all.
func (l *loader) args(d directive) ([]dirArg, bool) {
	raw, err := d.ParseArgs()
	if err != nil {
		l.diags.Add(l.pos(argsErrorPos(d, err)), "%v", err)
		return nil, false
	}
	ok := true
	out := make([]dirArg, 0, len(raw))
	inQuote := false // inside key="a b", already reported: skip to its end
	for _, a := range raw {
		if inQuote {
			inQuote = !strings.HasSuffix(a.Arg, `"`)
			continue
		}
		arg, good := l.arg(d, a)
		if good {
			out = append(out, arg)
		}
		ok = ok && good
		inQuote = !good && arg.Quoted
	}
	return out, ok
}

// argsErrorPos locates the text an argument parse error quotes after its
// last ": " (the rest of the line from the bad argument), falling back to
// the start of the arguments.
func argsErrorPos(d directive, err error) token.Pos {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && msg[i+2:] != "" {
		if j := strings.LastIndex(d.Args, msg[i+2:]); j >= 0 {
			return d.ArgsPos + token.Pos(j)
		}
	}
	return d.ArgsPos
}

// arg splits one directive argument into key and value.
func (l *loader) arg(d directive, a ast.DirectiveArg) (dirArg, bool) {
	arg := dirArg{Pos: a.Pos, ValPos: a.Pos}
	text := a.Arg
	if off := int(a.Pos - d.Slash); off >= 0 && off < len(d.comment.Text) {
		if q := d.comment.Text[off]; q == '"' || q == '`' {
			// Quoted as a whole ("prefix=a b"): the value has no position
			// of its own.
			arg.Quoted = true
			key, value, found := strings.Cut(text, "=")
			if !found {
				arg.Value = text
				return arg, true
			}
			arg.Key, arg.Value, arg.HasValue = key, value, true
			return arg, l.checkArgKey(d, arg)
		}
	}
	key, value, found := strings.Cut(text, "=")
	if !found {
		arg.Value = text
		return arg, true
	}
	arg.Key, arg.Value, arg.HasValue = key, value, true
	arg.ValPos = a.Pos + token.Pos(len(key)+1)
	if !l.checkArgKey(d, arg) {
		return arg, false
	}
	if value != "" && (value[0] == '"' || value[0] == '`') {
		unq, err := strconv.Unquote(value)
		if err != nil {
			arg.Quoted = value[0] == '"' && !strings.HasSuffix(value[1:], `"`)
			l.diags.AddHint(l.pos(arg.ValPos), `to put spaces in a value, quote the whole argument: "`+key+`=a b"`,
				"//jsgen:%s: malformed quoted value %s", d.Name, value)
			return arg, false
		}
		arg.Value, arg.Quoted = unq, true
	}
	return arg, true
}

func (l *loader) checkArgKey(d directive, arg dirArg) bool {
	if arg.Key == "" {
		l.diags.Add(l.pos(arg.Pos), "//jsgen:%s: argument %q has no name before '='", d.Name, "="+arg.Value)
		return false
	}
	return true
}

// keyArgs checks that every argument is key=value with a key from known,
// each at most once, and returns them by key.
func (l *loader) keyArgs(d directive, args []dirArg, known ...string) map[string]dirArg {
	out := map[string]dirArg{}
	for _, a := range args {
		switch {
		case !a.HasValue:
			if len(known) == 0 {
				l.diags.Add(l.pos(a.Pos), "//jsgen:%s takes no arguments", d.Name)
			} else {
				l.diags.AddHint(l.pos(a.Pos), didYouMean(a.Value, known, "%s=..."),
					"//jsgen:%s: argument %q is not key=value", d.Name, a.Value)
			}
		case !slices.Contains(known, a.Key):
			if len(known) == 0 {
				l.diags.Add(l.pos(a.Pos), "//jsgen:%s takes no arguments", d.Name)
			} else {
				l.diags.AddHint(l.pos(a.Pos), didYouMean(a.Key, known, "%s"),
					"//jsgen:%s: unknown argument %q", d.Name, a.Key)
			}
		case hasKey(out, a.Key):
			l.diags.Add(l.pos(a.Pos), "//jsgen:%s: duplicate argument %q", d.Name, a.Key)
		default:
			out[a.Key] = a
		}
	}
	return out
}

// nameArg splits off the leading name argument of //jsgen:events and
// //jsgen:controller, reporting when it is missing.
func (l *loader) nameArg(d directive, args []dirArg, spec *ast.TypeSpec) (name *dirArg, rest []dirArg) {
	if len(args) == 0 || args[0].HasValue {
		l.diags.AddHint(l.pos(d.Slash), "write //jsgen:"+d.Name+" Name ... (for example //jsgen:"+d.Name+" "+exampleName(spec.Name.Name)+")",
			"//jsgen:%s needs a name as its first argument", d.Name)
		return nil, args
	}
	return &args[0], args[1:]
}

func exampleName(typeName string) string {
	if typeName == "" {
		return "Name"
	}
	return strings.ToUpper(typeName[:1]) + typeName[1:]
}

func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}
