package yamlspec

import (
	"fmt"
	"strings"

	"github.com/jsgen-dev/jsgen/schema/diag"
)

// unknownKeyHint says what to write instead of the unknown key: a specific
// explanation for the usual confusions, else the closest allowed key, else
// the list of allowed keys.
func unknownKeyHint(key string, allowed []string) string {
	if h := knownConfusion(key, allowed); h != "" {
		return h
	}
	// A likely typo is one or two edits away, fewer for short keys.
	if s := diag.Suggest(key, allowed, min(2, max(1, len(key)/3))); s != "" {
		return fmt.Sprintf("did you mean `%s`?", s)
	}
	return "allowed keys: " + strings.Join(allowed, ", ")
}

// knownConfusion explains keys that are valid elsewhere or in the Go form.
func knownConfusion(key string, allowed []string) string {
	switch key {
	case "idMaxLength", "idMinLength", "idPattern", "idValues":
		return "`" + key + "` applies to models only"
	case "enum":
		if contains(allowed, "values") {
			return "write `type: enum` and list the values in `values: [a, b]`"
		}
	case "required":
		if contains(allowed, "optional") {
			return "fields are required unless marked `optional: true`"
		}
	case "ws":
		if contains(allowed, "path") {
			return "write the route's path as `path: /...`"
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
