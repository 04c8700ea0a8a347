package diag

import "strings"

// Suggest returns the candidate closest to got, ignoring case, when its
// Distance to got is at most limit: the name a "did you mean" hint offers
// for a likely typo. On a tie the earlier candidate wins; with no candidate
// within limit it returns "".
func Suggest(got string, candidates []string, limit int) string {
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if d := Distance(got, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// Distance is the optimal-string-alignment edit distance between a and b,
// ignoring case: the number of insertions, deletions, substitutions and
// swaps of adjacent bytes that turn one into the other. Declaration names
// and keys are short ASCII words, so it counts bytes.
func Distance(a, b string) int {
	a, b = strings.ToLower(a), strings.ToLower(b)
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
