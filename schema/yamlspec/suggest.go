package yamlspec

import (
	"fmt"
	"strings"
)

// unknownKeyHint says what to write instead of the unknown key: a specific
// explanation for the usual confusions, else the closest allowed key, else
// the list of allowed keys.
func unknownKeyHint(key string, allowed []string) string {
	if h := knownConfusion(key, allowed); h != "" {
		return h
	}
	if s := suggest(key, allowed); s != "" {
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

// suggest returns the allowed key closest to key (ignoring case), or "" when
// none is close enough to be a likely typo.
func suggest(key string, allowed []string) string {
	limit := min(2, max(1, len(key)/3))
	best, bestDist := "", limit+1
	for _, a := range allowed {
		if abs(len(a)-len(key)) > limit {
			continue
		}
		if d := distance(strings.ToLower(key), strings.ToLower(a)); d < bestDist {
			best, bestDist = a, d
		}
	}
	return best
}

// distance is the optimal-string-alignment edit distance between a and b
// (insertions, deletions, substitutions and adjacent transpositions), over
// bytes; keys are short ASCII words.
func distance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
