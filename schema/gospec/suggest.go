package gospec

import (
	"strings"
)

// didYouMean returns a hint naming the candidate closest to got (by edit
// distance, ignoring case), or listing all candidates when none is close.
// format is applied to each candidate name (e.g. "//jsgen:%s").
func didYouMean(got string, candidates []string, format string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := editDistance(strings.ToLower(got), strings.ToLower(c))
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

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
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
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
