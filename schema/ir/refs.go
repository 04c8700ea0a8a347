package ir

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/jsgen-dev/jsgen/runtime"
	"github.com/jsgen-dev/jsgen/schema/decl"
)

// Identifier constraints of models and composite channel keys.

// maxSubjectLen is the longest bus subject the networked buses accept
// (runtime/bus/natsbus and redisbus, MaxSubjectLen).
const maxSubjectLen = 512

// idConstraints reads the identifier constraints of the model m beyond
// idMaxLength (already in model) and checks that they can be met.
func (b *builder) idConstraints(m *decl.Type, model *Model) {
	if m.IDMinLength != nil {
		if n, ok := b.intLit(m.IDMinLength, "idMinLength"); ok {
			switch {
			case n < 1 || n > 4096:
				b.diags.Add(m.IDMinLength.Pos, "idMinLength %d is out of range [1, 4096]", n)
			case n > model.IDMaxLength:
				b.diags.AddHint(m.IDMinLength.Pos, "lower idMinLength or raise idMaxLength",
					"idMinLength %d is greater than idMaxLength %d: no identifier of %s would be valid", n, model.IDMaxLength, model.Name)
			case n > 1:
				model.IDMinLength = n
			}
		}
	}
	if p := m.IDPattern; p != nil {
		if p.Value == "" {
			b.diags.AddHint(p.Pos, "remove idPattern or write a pattern, e.g. ^[a-z0-9-]+$", "empty idPattern")
		} else if _, err := regexp.Compile(p.Value); err != nil {
			b.diags.AddHint(p.Pos, "patterns use RE2 syntax: https://github.com/google/re2/wiki/Syntax", "invalid idPattern %q: %v", p.Value, unwrapRegexpErr(err))
		} else {
			model.IDPattern = p.Value
		}
	}
	if m.IDValues == nil && m.IDValuesPos.Line == 0 {
		return
	}
	if len(m.IDValues) == 0 {
		b.diags.AddHint(m.IDValuesPos, "list the identifiers, e.g. idValues: [red, blue], or remove idValues",
			"idValues of %s is empty: no identifier would be valid", model.Name)
		return
	}
	values := []string{}
	for _, v := range m.IDValues {
		if slices.Contains(values, v.Value) {
			b.diags.Add(v.Pos, "duplicate identifier %q in idValues of %s", v.Value, model.Name)
			continue
		}
		if why := model.IDProblem(v.Value); why != "" {
			b.diags.AddHint(v.Pos, "every value must be a valid identifier of "+model.Name,
				"idValues %s of %s: %s", strconv.QuoteToGraphic(v.Value), model.Name, why)
			continue
		}
		values = append(values, v.Value)
	}
	model.IDValues = values
}

// IDProblem says why id is not a valid identifier of m, or returns "". It
// applies the same rules, with the same wording, as m's generated Ref
// constructor: the built-in identifier rules and idMaxLength, then
// idMinLength, idPattern and idValues.
func (m *Model) IDProblem(id string) string {
	if err := runtime.CheckIdentifier(id, m.IDMaxLength); err != nil {
		return err.Error()
	}
	if m.IDMinLength > 1 && len(id) < m.IDMinLength {
		return IDMinLengthReason(m.IDMinLength)
	}
	if m.IDPattern != "" && !regexp.MustCompile(m.IDPattern).MatchString(id) {
		return IDPatternReason(m.IDPattern)
	}
	if m.IDValues != nil && !slices.Contains(m.IDValues, id) {
		return IDValuesReason(m.IDValues)
	}
	return ""
}

// longestID is the length in bytes of m's longest valid identifier, as far
// as its constraints say.
func (m *Model) longestID() int {
	if m.IDValues == nil {
		return m.IDMaxLength
	}
	n := 0
	for _, v := range m.IDValues {
		n = max(n, len(v))
	}
	return n
}

// shortenHint says how to shorten the longest identifiers of models: for
// each, what makes them long (idValues, an idMaxLength set, or the default
// idMaxLength when none is set).
func (b *builder) shortenHint(models []string) string {
	var ways, unset []string
	for _, name := range models {
		m := b.prog.Model(name)
		switch {
		case m.IDValues != nil:
			ways = append(ways, "shorten the longest idValues value of "+name)
		case m.IDMaxLengthSet:
			ways = append(ways, fmt.Sprintf("lower idMaxLength of %s (%d)", name, m.IDMaxLength))
		default:
			unset = append(unset, name)
		}
	}
	if len(unset) > 0 {
		ways = append(ways, fmt.Sprintf("set idMaxLength on %s (without it an identifier may be %d bytes)", strings.Join(unset, " and "), DefaultIDMaxLength))
	}
	return strings.Join(ways, "; or ")
}

// IDMinLengthReason is the refusal of an identifier shorter than min bytes.
func IDMinLengthReason(min int) string {
	return fmt.Sprintf("shorter than %d bytes", min)
}

// IDPatternReason is the refusal of an identifier that does not match
// pattern.
func IDPatternReason(pattern string) string {
	return "does not match idPattern " + strconv.Quote(pattern)
}

// IDValuesReason is the refusal of an identifier outside values.
func IDValuesReason(values []string) string {
	return "not one of " + strings.Join(values, ", ")
}

// compositeKey resolves the parts of a composite channel key into out: each
// part is a model, named once (YAML: by its model name); the Go key struct
// is <Channel>Key in the YAML form, the user's struct in the Go form.
func (b *builder) compositeKey(c *decl.Channel, out *Channel) {
	if c.Origin == decl.FromYAML {
		out.Key = ChannelNamesFor(c.Name.Name, true).Key
	} else {
		out.Key = c.Key.Name
	}
	seen := map[string]bool{}
	for _, p := range c.KeyParts {
		model := b.modelRef(p.Model, "channel key part", c.Origin)
		if model == "" {
			continue
		}
		goName := p.GoName.Name
		if goName == "" {
			goName = model
		}
		if goName == "Ref" {
			b.diags.AddHint(p.GoName.Pos, "rename the field", "key field Ref of %s collides with the Ref method jsgen generates on it", out.Key)
			continue
		}
		if seen[goName] {
			b.diags.AddHint(p.Model.Pos, "each model can appear once in a YAML key; declare the channels in Go to name the parts",
				"%s appears twice in the key of channels %s", model, c.Name.Name)
			continue
		}
		seen[goName] = true
		out.KeyParts = append(out.KeyParts, &KeyPart{GoName: goName, Model: model})
	}
}

// checkSubjectLen reports a channel family whose longest key makes a bus
// subject longer than the networked buses accept: the Bridge could not
// forward publishes on such keys. The package name counts when declared
// (a package named after its directory later is not known here).
func (b *builder) checkSubjectLen(c *decl.Channel, out *Channel) {
	n := len(SubjectPrefix(b.pkg.Name, out.Name)) + len(out.Prefix)
	models := []string{out.Key}
	if out.KeyParts != nil {
		models = models[:0]
		for _, p := range out.KeyParts {
			models = append(models, p.Model)
		}
		n += len(models) - 1
	}
	for _, name := range models {
		m := b.prog.Model(name)
		if m == nil {
			return
		}
		n += m.longestID()
	}
	if n > maxSubjectLen {
		b.diags.AddHint(c.Name.Pos, b.shortenHint(models),
			"channels %s: the bus subject of its longest key is %d bytes, more than the %d that NATS and Redis buses accept", c.Name.Name, n, maxSubjectLen)
	}
}
