package config

import "strings"

// editDistance is the optimal-string-alignment distance between a and b
// (insertions, deletions, substitutions and swaps of two neighbours each
// cost 1), compared case-insensitively.
func editDistance(a, b string) int {
	ra, rb := []rune(strings.ToLower(a)), []rune(strings.ToLower(b))
	n, m := len(ra), len(rb)
	d := make([][]int, n+1)
	for i := range d {
		d[i] = make([]int, m+1)
		d[i][0] = i
	}
	for j := 0; j <= m; j++ {
		d[0][j] = j
	}
	for i := 1; i <= n; i++ {
		for j := 1; j <= m; j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			v := min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				v = min(v, d[i-2][j-2]+1)
			}
			d[i][j] = v
		}
	}
	return d[n][m]
}

// closest returns the candidate nearest to s, if it is near enough to be a
// plausible typo: at most one edit for short words, two for longer ones, or
// the same word in another case or with `-` for `_`.
func closest(s string, candidates []string) (string, bool) {
	norm := func(x string) string { return strings.ReplaceAll(strings.ToLower(x), "-", "_") }
	for _, c := range candidates {
		if norm(c) == norm(s) {
			return c, true
		}
	}
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	limit := 1
	if len(s) >= 5 {
		limit = 2
	}
	if len(s) >= 12 {
		limit = 3
	}
	if best != "" && bestD <= limit && bestD < len(s) {
		return best, true
	}
	// a word cut short or run on: next_url for next_url_path
	best = ""
	if len(s) >= 4 {
		for _, c := range candidates {
			lc, ls := strings.ToLower(c), strings.ToLower(s)
			if (strings.HasPrefix(lc, ls) || strings.HasPrefix(ls, lc)) && len(c) >= 4 &&
				(best == "" || len(c) < len(best)) {
				best = c
			}
		}
	}
	return best, best != ""
}
