package config

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// This file finds where a YAML syntax error really is. yaml.v3 reports the
// line where the parser noticed it was lost, which for an unclosed { or
// quote, a bad indent or a tab is often the start of the enclosing block,
// far from the mistake. locateSyntax reads the raw bytes with a small
// model of YAML's layout (indentation levels, flow brackets, quotes,
// block scalars, comments) and returns the first place where that model
// breaks. It runs only on a file yaml.v3 rejected, so it has to find the
// culprit, not to prove the file valid; when it finds nothing, the caller
// keeps yaml.v3's own message.

// culprit is where a syntax error is and what to say about it.
type culprit struct {
	line, col int // 1-based; col counts characters
	msg, hint string
}

// opener is an unclosed {, [ or quote.
type opener struct {
	ch        byte
	line, col int // 1-based
	indent    int // indentation of the line it is on
}

// indentLevel is one open block level: the column of its keys or "- " entries.
type indentLevel struct {
	col int    // 0-based
	key string // the last key seen at this level, "-" for list entries
}

// lineKind is what the last content line left open for the next one.
type lineKind struct {
	opens bool   // it ended with "key:" or "-" and no value: a child may follow
	plain bool   // it ended in a plain scalar, which may continue on the next line
	key   string // its last key, for hints
	col   int    // that key's column
}

type syntaxScanner struct {
	lines   []string
	no      int // current line, 1-based
	flow    []opener
	quote   *opener // a quoted scalar that runs past the end of its line
	inBlock bool    // inside a block scalar (| or >)
	block   int     // its content is indented more than this
	levels  []indentLevel
	prev    lineKind
	found   *culprit
	// content says the first document has begun; done that it has ended.
	content, done bool
}

// locateSyntax returns the first syntax error it can place in data, or nil.
func locateSyntax(data []byte) *culprit {
	text := strings.TrimPrefix(string(data), "\uFEFF")
	s := &syntaxScanner{lines: splitLines(text)}
	for i, l := range s.lines {
		s.no = i + 1
		s.scanLine(l)
		if s.found != nil {
			return s.found
		}
		if s.done {
			return nil
		}
	}
	switch {
	case s.quote != nil:
		return s.unclosedQuote(0)
	case len(s.flow) > 0:
		return unclosedFlow(s.flow[len(s.flow)-1])
	}
	return nil
}

// splitLines splits text at the line breaks yaml.v3 counts: \r\n, \r, \n,
// and the Unicode NEL, LS and PS.
func splitLines(text string) []string {
	var lines []string
	start := 0
	for i := 0; i < len(text); {
		n := 0
		switch {
		case text[i] == '\r' && i+1 < len(text) && text[i+1] == '\n':
			n = 2
		case text[i] == '\r' || text[i] == '\n':
			n = 1
		case strings.HasPrefix(text[i:], "\u0085"):
			n = 2
		case strings.HasPrefix(text[i:], "\u2028") || strings.HasPrefix(text[i:], "\u2029"):
			n = 3
		}
		if n == 0 {
			i++
			continue
		}
		lines = append(lines, text[start:i])
		i += n
		start = i
	}
	return append(lines, text[start:])
}

func (s *syntaxScanner) fail(byteCol int, text, msg, hint string) {
	if s.found == nil {
		s.found = &culprit{line: s.no, col: charCol(text, byteCol), msg: msg, hint: hint}
	}
}

// charCol turns a 0-based byte offset into a 1-based character column.
func charCol(text string, i int) int {
	if i > len(text) {
		i = len(text)
	}
	return utf8.RuneCountInString(text[:i]) + 1
}

func (s *syntaxScanner) unclosedQuote(runsInto int) *culprit {
	q := s.quote
	name := fmt.Sprintf("%c quote", q.ch)
	hint := fmt.Sprintf("add the closing %c at the end of the value", q.ch)
	if runsInto > 0 {
		hint += fmt.Sprintf(" (as it is, the value runs on into line %d)", runsInto)
	}
	return &culprit{line: q.line, col: q.col, msg: "this " + name + " is never closed", hint: hint}
}

func unclosedFlow(o opener) *culprit {
	closer := byte('}')
	if o.ch == '[' {
		closer = ']'
	}
	return &culprit{line: o.line, col: o.col, msg: fmt.Sprintf("this %c is never closed", o.ch),
		hint: fmt.Sprintf("add the closing %c; a %c…%c that spans lines must close before the next key of the block", closer, o.ch, closer)}
}

func spaces(n int) string {
	if n == 1 {
		return "1 space"
	}
	return fmt.Sprintf("%d spaces", n)
}

func leadingSpaces(s string) int {
	n := 0
	for n < len(s) && s[n] == ' ' {
		n++
	}
	return n
}

// blank says whether a line holds nothing but white space and a comment.
func blank(s string) bool {
	t := strings.TrimLeft(s, " \t")
	return t == "" || t[0] == '#'
}

// structural says whether a line, read as a block line, starts a list entry
// or a key: the sign that an unclosed { or quote above has swallowed it.
func structural(s string) bool {
	t := strings.TrimLeft(s, " ")
	if t == "-" || strings.HasPrefix(t, "- ") {
		return true
	}
	if t == "" || strings.ContainsRune("#{}[],&*!|>'\"%@`", rune(t[0])) {
		return false
	}
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case ':':
			return i+1 == len(t) || t[i+1] == ' '
		case '{', '}', '[', ']', ',', '#', '"':
			return false
		}
	}
	return false
}

func (s *syntaxScanner) scanLine(text string) {
	if s.inBlock {
		if blank(text) || leadingSpaces(text) > s.block {
			return
		}
		s.inBlock = false
		s.prev.opens, s.prev.plain = false, false
	}
	switch {
	case s.quote != nil:
		if structural(text) && leadingSpaces(text) <= s.quote.indent {
			s.found = s.unclosedQuote(s.no)
			return
		}
		end, closed := scanQuote(text, 0, s.quote.ch)
		if !closed {
			s.checkEscapes(text, 0, len(text), s.quote.ch)
			return
		}
		s.checkEscapes(text, 0, end-1, s.quote.ch)
		s.quote = nil
		s.lexRest(text, end, leadingSpaces(text), true)
		if len(s.flow) == 0 && s.quote == nil {
			s.prev.opens, s.prev.plain = false, false
		}
	case len(s.flow) > 0:
		if structural(text) && leadingSpaces(text) <= s.flow[0].indent {
			s.found = unclosedFlow(s.flow[len(s.flow)-1])
			return
		}
		s.lexRest(text, 0, leadingSpaces(text), false)
		if len(s.flow) == 0 && s.quote == nil {
			s.prev.opens, s.prev.plain = false, false
		}
	default:
		s.blockLine(text)
	}
}

// blockLine reads a line that starts in block context.
func (s *syntaxScanner) blockLine(text string) {
	if blank(text) {
		return
	}
	ind := leadingSpaces(text)
	if text[ind] == '\t' {
		if s.prev.plain {
			rest := strings.TrimLeft(text, " \t")
			if k, _, _ := keyAt(rest, 0); k < 0 && rest != "-" && !strings.HasPrefix(rest, "- ") {
				return // white space before the rest of a plain scalar
			}
		}
		s.fail(ind, text, "a tab indents this line", "tabs cannot indent YAML; use spaces")
		return
	}
	rest := text[ind:]
	if ind == 0 && (rest == "---" || rest == "..." || strings.HasPrefix(rest, "--- ") || strings.HasPrefix(rest, "... ")) {
		if rest[0] == '.' || s.content {
			// The end of the first document: yaml.v3 reads no further.
			s.done = true
		}
		return
	}
	if ind == 0 && rest[0] == '%' {
		return // a directive
	}
	if !s.content && !structural(text) && strings.IndexByte("{[\"'|>&!*", rest[0]) < 0 {
		// The document is one plain scalar, not a mapping: this model of
		// a pipeline file does not apply (and Parse says what it expects).
		s.done = true
		return
	}
	s.content = true
	if rest[0] == '?' && (len(rest) == 1 || rest[1] == ' ') {
		// A complex key: beyond this model. Stop checking indentation.
		s.levels = nil
		s.prev = lineKind{opens: true}
		return
	}

	// The "- " entries that start the line, then its content.
	var entries []int
	i := ind
	for i < len(text) && text[i] == '-' && (i+1 == len(text) || text[i+1] == ' ') {
		entries = append(entries, i)
		i++
		i += leadingSpaces(text[i:])
	}
	keyCol, key, colon := -1, "", -1
	if i < len(text) {
		keyCol, key, colon = keyAt(text, i)
	}
	switch s.checkIndent(text, ind, entries, keyCol, key) {
	case indentBad:
		return
	case indentContinues:
		return // the rest of a plain scalar from the line above
	}
	s.lexRest(text, ind, ind, false)
	if s.found != nil {
		return
	}
	// What this line leaves open for the next.
	if len(s.flow) > 0 || s.quote != nil {
		s.prev = lineKind{key: key, col: keyCol}
		return
	}
	s.prev = s.endKind(text, i, entries, keyCol, key, colon)
}

// endKind works out whether the line, whose content starts at i, ends
// with an empty value (a child may follow) or a plain scalar, and notes a
// block scalar.
func (s *syntaxScanner) endKind(text string, i int, entries []int, keyCol int, key string, colon int) lineKind {
	k := lineKind{key: key, col: keyCol}
	if key == "" && len(entries) > 0 {
		k.key, k.col = "-", entries[len(entries)-1]
	}
	v := i // where the value starts
	if colon >= 0 {
		v = colon + 1
	}
	val := stripComment(text[min(v, len(text)):])
	val = strings.TrimSpace(val)
	// Anchors and tags before an empty value.
	for val != "" && (val[0] == '&' || val[0] == '!') {
		sp := strings.IndexByte(val, ' ')
		if sp < 0 {
			val = ""
			break
		}
		val = strings.TrimSpace(val[sp:])
	}
	switch {
	case val == "":
		k.opens = true
	case val[0] == '|' || val[0] == '>':
		if isBlockIndicator(val) {
			s.inBlock, s.block = true, k.col
			if k.col < 0 {
				s.block = i - 1 // a block scalar at the top of the document
			}
		}
	case val[0] == '"' || val[0] == '\'' || val[0] == '{' || val[0] == '[' || val[0] == '*':
	default:
		k.plain = true
	}
	return k
}

func isBlockIndicator(v string) bool {
	for i := 1; i < len(v); i++ {
		switch c := v[i]; {
		case c == '-' || c == '+' || (c >= '1' && c <= '9'):
		case c == ' ' || c == '\t':
			return true
		default:
			return false
		}
	}
	return true
}

// stripComment drops a " #" comment from a block value (outside quotes,
// roughly; good enough to see whether a value is empty).
func stripComment(v string) string {
	if strings.HasPrefix(v, "#") {
		return ""
	}
	if i := strings.Index(v, " #"); i >= 0 {
		return v[:i]
	}
	return v
}

// keyAt returns the column and name of a key starting at i ("name:" or
// a quoted "na me":) and the index of its colon, or -1, "", -1.
func keyAt(text string, i int) (col int, key string, colon int) {
	c := text[i]
	if c == '"' || c == '\'' {
		end, closed := scanQuote(text, i+1, c)
		j := end + leadingSpaces(text[end:])
		if !closed || j >= len(text) || text[j] != ':' || (j+1 < len(text) && text[j+1] != ' ' && text[j+1] != '\t') {
			return -1, "", -1
		}
		return i, text[i+1 : end-1], j
	}
	if strings.IndexByte("#{}[]&*!|>%@`,", c) >= 0 {
		return -1, "", -1
	}
	for j := i; j < len(text); j++ {
		switch text[j] {
		case ':':
			if j > i && (j+1 == len(text) || text[j+1] == ' ' || text[j+1] == '\t') {
				return i, strings.TrimRight(text[i:j], " "), j
			}
		case '#':
			if j > 0 && (text[j-1] == ' ' || text[j-1] == '\t') {
				return -1, "", -1
			}
		}
	}
	return -1, "", -1
}

// How a block line's indentation relates to the lines above it.
const (
	indentOK        = iota
	indentContinues // it continues a plain scalar of the line above
	indentBad       // a culprit was recorded
)

// checkIndent checks a block line's indentation against the open levels
// and records the line's own levels.
func (s *syntaxScanner) checkIndent(text string, ind int, entries []int, keyCol int, key string) int {
	top := -1
	if n := len(s.levels); n > 0 {
		top = s.levels[n-1].col
	}
	switch {
	case ind > top && (len(s.levels) == 0 || s.prev.opens):
		// A child of the line above.
	case ind > top && s.prev.plain && keyCol < 0:
		// (A "- " here is text too: "a\n  - b" is the scalar "a - b".)
		// The continuation of a plain scalar on several lines.
		return indentContinues
	case ind > top:
		what := "the line"
		hint := fmt.Sprintf("indent it %s, like the line above", spaces(top))
		switch {
		case s.prev.key == "-":
			what = "the list entry"
			hint = fmt.Sprintf("indent it %s, like the entry", spaces(s.prev.col))
		case s.prev.key != "":
			what = fmt.Sprintf("%q", s.prev.key)
			hint = fmt.Sprintf("indent it %s, like %q", spaces(s.prev.col), s.prev.key)
		}
		s.fail(ind, text, fmt.Sprintf("this line is indented more than %s above it, which already has a value", what),
			hint+", or move that value to make this line nest under it")
		return indentBad
	default:
		var popped *indentLevel
		for len(s.levels) > 0 && s.levels[len(s.levels)-1].col > ind {
			l := s.levels[len(s.levels)-1]
			popped = &l
			s.levels = s.levels[:len(s.levels)-1]
		}
		top = -1
		if n := len(s.levels); n > 0 {
			top = s.levels[n-1].col
		}
		if top != ind {
			var opts []string
			for _, l := range []*indentLevel{s.topLevel(), popped} {
				if l == nil {
					continue
				}
				if l.key == "-" {
					opts = append(opts, fmt.Sprintf("%d (like the list entries)", l.col))
				} else {
					opts = append(opts, fmt.Sprintf("%d (like %q)", l.col, l.key))
				}
			}
			hint := "indent it like the key it belongs beside"
			if len(opts) > 0 {
				hint = "indent it " + strings.Join(opts, " or ") + " spaces"
			}
			s.fail(ind, text, fmt.Sprintf("this line is indented %s, which lines up with no key above it", spaces(ind)), hint)
			return indentBad
		}
		if k := s.levels[len(s.levels)-1].key; k != "" && k != "-" && keyCol < 0 && len(entries) == 0 {
			s.fail(ind, text, fmt.Sprintf(`this line has no "key:", but it lines up with the keys of a mapping (like %q)`, k),
				`start it with a key and a colon ("name: value"), or indent it more if it continues the value above`)
			return indentBad
		}
	}
	s.push(ind, "")
	for _, e := range entries {
		s.push(e, "-")
	}
	if keyCol >= 0 {
		s.push(keyCol, key)
	}
	return indentOK
}

func (s *syntaxScanner) topLevel() *indentLevel {
	if len(s.levels) == 0 {
		return nil
	}
	l := s.levels[len(s.levels)-1]
	return &l
}

// push opens a level at col, or names the one already there.
func (s *syntaxScanner) push(col int, key string) {
	if n := len(s.levels); n > 0 && s.levels[n-1].col >= col {
		if key != "" && s.levels[n-1].col == col {
			s.levels[n-1].key = key
		}
		return
	}
	s.levels = append(s.levels, indentLevel{col: col, key: key})
}

// scanQuote finds the end of a quoted scalar whose body starts at i;
// it returns the index just after the closing quote and true, or false
// when the line ends first.
func scanQuote(text string, i int, q byte) (int, bool) {
	for i < len(text) {
		c := text[i]
		switch {
		case q == '"' && c == '\\':
			i += 2
		case c == q && q == '\'' && i+1 < len(text) && text[i+1] == '\'':
			i += 2
		case c == q:
			return i + 1, true
		default:
			i++
		}
	}
	return len(text), false
}

// validEscapes are the characters yaml.v3 allows after a backslash in
// double quotes, besides x, u and U with their hex digits (YAML's "\/" is
// not among them).
const validEscapes = "0abt\tnvfre \"'\\N_LP"

// checkEscapes reports an escape YAML does not know in text[from:to], the
// inside of a double-quoted scalar.
func (s *syntaxScanner) checkEscapes(text string, from, to int, q byte) {
	if q != '"' {
		return
	}
	for i := from; i < to && i < len(text); i++ {
		if text[i] != '\\' {
			continue
		}
		if i+1 >= len(text) {
			return // an escaped line break
		}
		c := text[i+1]
		if n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]; n > 0 {
			if i+2+n > len(text) || !isHex(text[i+2:i+2+n]) {
				s.fail(i, text, fmt.Sprintf(`"\%c" must be followed by %d hex digits`, c, n),
					`write \\ for a backslash, or use single quotes, where a backslash is an ordinary character`)
				return
			}
			i += 1 + n
			continue
		}
		if strings.IndexByte(validEscapes, c) < 0 {
			s.fail(i, text, fmt.Sprintf(`"\%c" is not an escape YAML knows (in double quotes a backslash starts an escape)`, c),
				`write \\ for a backslash, or use single quotes, where a backslash is an ordinary character`)
			return
		}
		i++
	}
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789abcdefABCDEF", rune(s[i])) {
			return false
		}
	}
	return true
}

// lexRest reads text from i for flow brackets, quotes and comments. indent
// is the line's indentation; afterNode says a scalar has just ended at i.
func (s *syntaxScanner) lexRest(text string, i, indent int, afterNode bool) {
	tokenStart := !afterNode
	valueAfterKey := false // in block context: a key's ':' was seen on this line
	entry := false         // in block context: a "- " was seen on this line
	for i < len(text) && s.found == nil {
		c := text[i]
		if len(s.flow) == 0 {
			// Block context.
			if c == ' ' || c == '\t' {
				i++
				continue
			}
			if c == '#' && (i == 0 || text[i-1] == ' ' || text[i-1] == '\t') {
				return
			}
			if afterNode {
				if c == ':' && (i+1 == len(text) || text[i+1] == ' ') {
					afterNode, tokenStart, valueAfterKey = false, true, true
					i++
					continue
				}
				switch {
				case !valueAfterKey && !entry && len(s.levels) <= 1:
					// A whole document that is one flow node or quoted
					// scalar: yaml.v3 ignores what follows it.
				case c == '}' || c == ']':
					open := map[byte]byte{'}': '{', ']': '['}[c]
					s.fail(i, text, fmt.Sprintf("this %c closes nothing", c), fmt.Sprintf("remove it, or add the %c it was meant to close", open))
				default:
					s.fail(i, text, "text after the end of the value", "put the whole value inside the quotes or brackets, or remove what follows them")
				}
				return
			}
			if c == '-' && tokenStart && (i+1 == len(text) || text[i+1] == ' ') {
				entry = true
				i++
				continue
			}
			switch {
			case c == '}' || c == ']':
				open := map[byte]byte{'}': '{', ']': '['}[c]
				s.fail(i, text, fmt.Sprintf("this %c closes nothing", c), fmt.Sprintf("remove it, or add the %c it was meant to close", open))
				return
			case c == '{' || c == '[':
				s.flow = append(s.flow, opener{ch: c, line: s.no, col: charCol(text, i), indent: indent})
				tokenStart = true
				i++
			case c == '"' || c == '\'':
				end, closed := scanQuote(text, i+1, c)
				if !closed {
					s.checkEscapes(text, i+1, len(text), c)
					s.quote = &opener{ch: c, line: s.no, col: charCol(text, i), indent: indent}
					return
				}
				s.checkEscapes(text, i+1, end-1, c)
				i = end
				afterNode = true
			case c == '&' || c == '!':
				for i < len(text) && text[i] != ' ' {
					i++
				}
			case c == '@' || c == '`' || c == '%':
				s.fail(i, text, fmt.Sprintf("a value cannot start with %c in YAML", c), fmt.Sprintf(`put the value in quotes: "%c…"`, c))
				return
			default:
				// A plain scalar: up to a ": " (a key), " #" or the end.
				for i < len(text) {
					if text[i] == ':' && (i+1 == len(text) || text[i+1] == ' ' || text[i+1] == '\t') {
						if valueAfterKey {
							s.fail(i, text, `this value contains ": ", which YAML reads as another key on the same line`,
								`put the whole value in quotes ("…") so that its ": " is text`)
							return
						}
						valueAfterKey = true
						i++
						break
					}
					if text[i] == '#' && (text[i-1] == ' ' || text[i-1] == '\t') {
						return
					}
					i++
				}
				tokenStart = true
			}
			continue
		}
		// Flow context. White space keeps tokenStart: in "[a "b"]" the
		// quote is part of the plain scalar a "b.
		switch c {
		case ' ', '\t':
			i++
		case ',':
			tokenStart = true
			i++
		case '#':
			if i == 0 || text[i-1] == ' ' || text[i-1] == '\t' {
				return
			}
			i++
		case '{', '[':
			s.flow = append(s.flow, opener{ch: c, line: s.no, col: charCol(text, i), indent: indent})
			tokenStart = true
			i++
		case '}', ']':
			top := s.flow[len(s.flow)-1]
			if (c == '}') != (top.ch == '{') {
				s.found = unclosedFlow(top)
				s.found.hint = fmt.Sprintf("the %c on line %d, col %d comes before its %c", c, s.no, charCol(text, i), map[byte]byte{'{': '}', '[': ']'}[top.ch])
				return
			}
			s.flow = s.flow[:len(s.flow)-1]
			i++
			tokenStart = false
			if len(s.flow) == 0 {
				afterNode = true
			}
		case ':':
			tokenStart = true
			i++
		case '"', '\'':
			if !tokenStart {
				i++
				continue
			}
			end, closed := scanQuote(text, i+1, c)
			if !closed {
				s.checkEscapes(text, i+1, len(text), c)
				s.quote = &opener{ch: c, line: s.no, col: charCol(text, i), indent: indent}
				return
			}
			s.checkEscapes(text, i+1, end-1, c)
			i = end
			tokenStart = false
		default:
			tokenStart = false
			i++
		}
	}
}
