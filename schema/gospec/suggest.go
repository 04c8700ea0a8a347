package gospec

import (
	"strings"

	"github.com/jsgen-dev/jsgen/schema/diag"
)

// didYouMean returns a hint naming the candidate closest to got (by edit
// distance, ignoring case), or listing all candidates when none is close.
// format is applied to each candidate name (e.g. "//jsgen:%s").
func didYouMean(got string, candidates []string, format string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := diag.Distance(got, c)
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	if bestDist >= 0 && bestDist < len(got) && bestDist <= max(1, (len(best)+1)/2) {
		return "did you mean " + sprintf(format, best) + "?"
	}
	names := make([]string, len(candidates))
	for i, c := range candidates {
		names[i] = sprintf(format, c)
	}
	return "known: " + strings.Join(names, ", ")
}

func sprintf(format, s string) string { return strings.Replace(format, "%s", s, 1) }
