package normalize

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	// MaxCellBytes caps the text read from one cell: a longer cell is
	// rejected as too_long without being scanned, so any input costs O(n)
	// at worst (for trimming) and a bounded amount of memory.
	MaxCellBytes = 4096
	// maxDigits is the most digits kept for one number; more is too_long.
	maxDigits = 20
	// maxExtDigits is the longest extension accepted after "ramal", "x"…
	maxExtDigits = 7
	// MaxNumbersPerCell caps the results of one cell; further numbers are
	// ignored.
	MaxNumbersPerCell = 16
	// maxInputEcho is how much of a rejected over-long cell Result.Input keeps.
	maxInputEcho = 64
)

// segment is the part of a cell that holds one number.
type segment struct {
	start, end int // trimmed byte range of the segment's text in the cell
	d          [maxDigits]byte
	n          int  // digits seen; may exceed maxDigits
	plus       bool // a '+' before the first digit
	extS, extE int  // extension digits, as a byte range in the cell
	text       bool // words that are not extension markers
	glued      bool // letters inside a run of digits ("9876S-4321")
	moreS      int  // further extensions ("e 215" of "ramais 210 e 215"),
	moreE      int  // as a byte range in the cell
	pstate     uint8
	paren      int // digits inside a leading "(…)" group: "(47)" → 2, "(0xx47)" → 3
	pre        int // digits before a "(" that came after digits: "55 (11)" → 2, "1(82)" → 1
	preClose   int // digits before that group's ")": "55 (11)" → 4
}

// Parenthesis states of a segment: a leading "(" before any digit, then
// its ")".
const (
	parenNone uint8 = iota
	parenOpen
	parenClosed
)

func (s *segment) parenthesis(c byte) {
	switch {
	case c == '(' && s.n == 0 && s.pstate == parenNone:
		s.pstate = parenOpen
	case c == ')' && s.pre > 0 && s.preClose == 0 && s.pstate == parenNone:
		s.preClose = s.n
	case c == ')' && s.pstate == parenOpen:
		s.pstate, s.paren = parenClosed, s.n
	}
}

// dddGroup reports whether the segment starts with a parenthesised DDD:
// "(47)", "(047)", "(0xx47)", and returns how many digits follow it.
func (s *segment) dddGroup() (int, bool) {
	if s.plus || s.pstate != parenClosed || s.n > maxDigits {
		return 0, false
	}
	if s.paren == 2 || (s.paren == 3 && s.d[0] == '0') {
		return s.n - s.paren, true
	}
	return 0, false
}

func (s *segment) digits() []byte { return s.d[:min(s.n, maxDigits)] }
func (s *segment) hasExt() bool   { return s.extE > s.extS }

func (s *segment) mark(i, j int) {
	if s.start < 0 {
		s.start = i
	}
	s.end = j
}

func (s *segment) add(c byte) {
	if s.n < maxDigits {
		s.d[s.n] = c
	}
	s.n++
}

// splittable reports whether a hard separator ('/', ';', ',' …) ends this
// number here. A separator right after a bare DDD ("11/98765-4321",
// "(011)/…") is only punctuation.
func (s *segment) splittable() bool {
	if s.hasExt() {
		return true
	}
	return s.n >= 4 || (s.n == 3 && s.d[0] != '0')
}

// readExt reads an extension starting at i (after its marker): optional
// spaces and ".:=-", then 1–maxExtDigits digits.
func (s *segment) readExt(str string, i int) (int, bool) {
	if s.hasExt() {
		return i, false
	}
	for i < len(str) && (str[i] == ' ' || str[i] == '.' || str[i] == ':' || str[i] == '=' || str[i] == '-' || str[i] == '\t') {
		i++
	}
	j := i
	for j < len(str) && isDigit(str[j]) {
		j++
	}
	if j == i || j-i > maxExtDigits {
		return i, false
	}
	s.extS, s.extE = i, j
	return s.moreExt(str, j), true
}

// moreExt reads further extensions after the first one: "ramais 210 e
// 215", "ramal 12 ou 13", "ramal 10/11", "ramais 10, 11 e 12". It returns
// where the segment goes on.
func (s *segment) moreExt(str string, j int) int {
	for {
		k := skipSpaces(str, j)
		switch {
		case k < len(str) && (str[k] == '/' || str[k] == ','):
			k++
		case k+1 < len(str) && str[k]|0x20 == 'e' && !isWordByte(str, k+1):
			k++
		case k+2 < len(str) && str[k]|0x20 == 'o' && str[k+1]|0x20 == 'u' && !isWordByte(str, k+2):
			k += 2
		default:
			return j
		}
		k = skipSpaces(str, k)
		e := k
		for e < len(str) && isDigit(str[e]) {
			e++
		}
		if e == k || e-k > maxExtDigits || digitFollows(str, e) || (e < len(str) && isASCIILetter(str[e])) {
			return j // a number, not an extension
		}
		if s.moreE == 0 {
			s.moreS = j
		}
		s.moreE, j = e, e
	}
}

func skipSpaces(str string, i int) int {
	for i < len(str) && (str[i] == ' ' || str[i] == '\t') {
		i++
	}
	return i
}

// isWordByte reports whether str[i] continues a word (a letter, or the
// start of a non-ASCII character).
func isWordByte(str string, i int) bool {
	return i < len(str) && (isASCIILetter(str[i]) || str[i] >= utf8.RuneSelf)
}

// nextNumber reports whether, at the blank str[i] after a complete number,
// another complete number starts (item "987654321 - 32415566",
// "32418877 987651234", "11 3333-4444 11 98765-4321"), and where.
func (s *segment) nextNumber(str string, i int) (int, bool) {
	if s.n < 8 || s.n > maxDigits || ((s.plus || s.d[0] == '0') && s.n < 10) {
		return 0, false
	}
	j := skipSpaces(str, i)
	if j < len(str) && str[j] == '-' {
		j = skipSpaces(str, j+1)
	} else if strings.HasPrefix(str[j:], "–") {
		j = skipSpaces(str, j+len("–"))
	}
	n, k := tokenDigits(str, j)
	if n == 2 && k < len(str) && (str[k] == ' ' || str[k] == '\t') { // a DDD, then the number
		n, _ = tokenDigits(str, skipSpaces(str, k))
	}
	return j, n >= 8
}

// tokenDigits counts the digits of the run starting at i, where single '-'
// or '.' may separate digits ("98765-4321"), and returns where it ends.
func tokenDigits(str string, i int) (int, int) {
	n := 0
	for i < len(str) {
		switch {
		case isDigit(str[i]):
			n++
			i++
		case (str[i] == '-' || str[i] == '.') && n > 0 && i+1 < len(str) && isDigit(str[i+1]):
			i++
		default:
			return n, i
		}
	}
	return n, i
}

func isASCIILetter(c byte) bool { return (c|0x20)-'a' < 26 }

// wordEnd returns the end of the run of letters starting at i.
func wordEnd(str string, i int) int {
	for i < len(str) {
		c := str[i]
		if c < utf8.RuneSelf {
			if !isASCIILetter(c) {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(str[i:])
		if !unicode.IsLetter(r) {
			return i
		}
		i += size
	}
	return i
}

// extKeyword reports whether w announces an extension.
func extKeyword(w string) bool {
	switch len(w) {
	case 1:
		return w[0]|0x20 == 'r' || w[0]|0x20 == 'x'
	case 2, 3, 5, 6, 8, 9:
		for _, k := range [...]string{"rm", "ram", "rml", "ext", "ramal", "ramais", "anexo", "extensao", "extensão"} {
			if strings.EqualFold(w, k) {
				return true
			}
		}
	}
	return false
}

// digitFollows reports whether a digit comes at j, possibly after one '-'
// or '.'.
func digitFollows(str string, j int) bool {
	if j < len(str) && (str[j] == '-' || str[j] == '.') {
		j++
	}
	return j < len(str) && isDigit(str[j])
}

// scanSegment reads one number's text from str starting at i and returns
// where the next one starts.
func scanSegment(str string, i int, s *segment) int {
	*s = segment{start: -1}
	for i < len(str) {
		c := str[i]
		var stop bool
		switch {
		case isDigit(c):
			if s.n > 0 && s.hasExt() {
				return i // digits after a number's extension start the next number
			}
			s.mark(i, i+1)
			s.add(c)
			i++
		case c == '+':
			if s.n > 0 || s.hasExt() {
				return i // the next number starts here
			}
			s.plus = true
			s.mark(i, i+1)
			i++
		case isSeparator(c):
			i, stop = s.separator(str, i)
		case c == '#':
			if j, ok := s.readExt(str, i+1); ok {
				s.mark(i, j)
				i = j
				continue
			}
			i++
		case c == ' ' || c == '\t':
			if s.n >= 8 {
				if j, ok := s.nextNumber(str, i); ok {
					return j
				}
			}
			i++
		case c < 0x20 || c == 0x7f:
			i++
		case c == '(' || c == ')':
			if c == '(' && s.n >= 8 && i+1 < len(str) && isDigit(str[i+1]) {
				return i // "(11) 3333-4444 (11) 98765-4321"
			}
			if c == '(' && s.n > 0 && s.n <= 4 && s.pre == 0 && s.pstate == parenNone {
				s.pre = s.n // a group after a prefix: "0 (47)", "55(47)", "1(82)"
			}
			s.parenthesis(c)
			s.mark(i, i+1)
			i++
		case c < utf8.RuneSelf && !isASCIILetter(c):
			s.mark(i, i+1) // punctuation: - . : and the like
			i++
		default:
			i, stop = s.other(str, i)
		}
		if stop {
			return i
		}
	}
	return i
}

// isSeparator reports whether c separates two numbers.
func isSeparator(c byte) bool {
	return c == '/' || c == ';' || c == ',' || c == '|' || c == '\n' || c == '\r' || c == '&'
}

// separator reads the hard separator ('/', ';', ',' …) at str[i]: it may
// announce an extension (",,123", ";ext=123") or end the number. It
// returns where to go on and whether the segment ends there.
func (s *segment) separator(str string, i int) (int, bool) {
	c := str[i]
	if c == ',' && i+1 < len(str) && str[i+1] == ',' { // ",," pause before an extension
		if j, ok := s.readExt(str, i+2); ok {
			s.mark(i, j)
			return j, false
		}
	}
	if c == ';' && len(str) >= i+4 && strings.EqualFold(str[i+1:i+4], "ext") { // ";ext=123"
		if j, ok := s.readExt(str, i+4); ok {
			s.mark(i, j)
			return j, false
		}
	}
	return i + 1, s.splittable()
}

// other reads a letter or a non-ASCII character at str[i]: fullwidth
// digits, dashes and other punctuation, "0xx", extension keywords, words.
// It returns where to go on and whether the segment ends there.
func (s *segment) other(str string, i int) (int, bool) {
	if c := str[i]; c >= utf8.RuneSelf {
		r, size := utf8.DecodeRuneInString(str[i:])
		switch {
		case r >= '０' && r <= '９': // fullwidth digits
			s.mark(i, i+size)
			s.add(byte('0' + r - '０'))
			return i + size, false
		case !unicode.IsLetter(r):
			if !unicode.IsSpace(r) && r != utf8.RuneError && r != '\uFEFF' {
				s.mark(i, i+size) // dashes, parentheses…
			}
			return i + size, false
		}
	}
	j := wordEnd(str, i)
	w := str[i:j]
	if s.n == 1 && s.d[0] == '0' && len(w) == 2 && w[0]|0x20 == 'x' && w[1]|0x20 == 'x' { // "0xx"
		s.mark(i, j)
		return j, false
	}
	if extKeyword(w) {
		if k, ok := s.readExt(str, j); ok {
			s.mark(i, k)
			return k, false
		}
	}
	if s.n >= 8 {
		return i, true // a word after a whole number: the next number may follow
	}
	if i > 0 && isDigit(str[i-1]) && digitFollows(str, j) {
		s.glued = true
	}
	s.text = true
	s.mark(i, j)
	return j, false
}

// unlist removes the brackets of a list-shaped cell, as some systems
// export several values: "[(21)3456-7890]", "[3811-2200,3811-2201]", "[]".
func unlist(s string) string {
	if len(s) >= 2 && s[0] == '[' && s[len(s)-1] == ']' {
		return trimCell(s[1 : len(s)-1])
	}
	return s
}

// trimCell removes surrounding spaces, control characters, BOMs and quotes.
func trimCell(s string) string {
	for len(s) > 0 {
		c := s[0]
		if c < utf8.RuneSelf {
			if c > ' ' && c != '"' && c != '\'' && c != '`' && c != 0x7f {
				break
			}
			s = s[1:]
			continue
		}
		r, size := utf8.DecodeRuneInString(s)
		if !unicode.IsSpace(r) && r != '\uFEFF' {
			break
		}
		s = s[size:]
	}
	for len(s) > 0 {
		c := s[len(s)-1]
		if c < utf8.RuneSelf {
			if c > ' ' && c != '"' && c != '\'' && c != '`' && c != 0x7f {
				break
			}
			s = s[:len(s)-1]
			continue
		}
		r, size := utf8.DecodeLastRuneInString(s)
		if !unicode.IsSpace(r) && r != '\uFEFF' {
			break
		}
		s = s[:len(s)-size]
	}
	return s
}

// isScientific reports whether s is a number in scientific notation, as
// Excel writes long numbers: "5.511987654321E+12", "5,51199E+12".
func isScientific(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j == i {
		return false
	}
	if j < len(s) && (s[j] == '.' || s[j] == ',') {
		j++
		for j < len(s) && isDigit(s[j]) {
			j++
		}
	}
	if j >= len(s) || s[j]|0x20 != 'e' {
		return false
	}
	j++
	if j < len(s) && (s[j] == '+' || s[j] == '-') {
		j++
	}
	k := j
	for k < len(s) && isDigit(s[k]) {
		k++
	}
	return k > j && k == len(s)
}

// stripFloatZero removes the ".0" that spreadsheets and scripts append to a
// number stored as a float ("11987654321.0"), when at least 8 digits precede
// it: the digits themselves are intact.
func stripFloatZero(s string) string {
	i := strings.LastIndexByte(s, '.')
	if i < 8 || i == len(s)-1 {
		return s
	}
	for k := i + 1; k < len(s); k++ {
		if s[k] != '0' {
			return s
		}
	}
	for k := 0; k < i; k++ {
		if !isDigit(s[k]) {
			return s
		}
	}
	return s[:i]
}

// placeholderDigits reports whether the digits are a filler: all the same
// digit ("0000-0000", "9999-9999", "000"), a subscriber of zeros
// ("(11) 0000-0000"), or a plain counting sequence ("12345678",
// "1234567890"). "(47) 99999-9999" is not: it is a valid mobile.
func placeholderDigits(d []byte) bool {
	n := len(d)
	if n >= 3 {
		k := 0
		for k < n && d[k] == '0' { // prefixes: "00 55 55 5555-5555"
			k++
		}
		if k == n || allSame(d[k:]) {
			return true
		}
	}
	if n >= 10 && string(d[n-8:]) == "00000000" {
		return true
	}
	if n >= 6 {
		s := string(d) // compared only: no allocation
		if strings.HasPrefix("0123456789", s) || strings.HasPrefix("1234567890", s) {
			return true
		}
	}
	return false
}

func allSame(d []byte) bool {
	for _, c := range d[1:] {
		if c != d[0] {
			return false
		}
	}
	return true
}

var foldAccents = strings.NewReplacer("ã", "a", "á", "a", "â", "a", "é", "e", "ê", "e", "í", "i", "ó", "o", "ô", "o", "õ", "o", "ú", "u", "ç", "c")

// placeholderText reports whether a cell without digits is a filler
// ("***", "---", "xxxx-xxxx", "não tem", "sem telefone", "n/a") rather than
// words that are not a number.
func placeholderText(s string) bool {
	symbols := true
	for _, r := range s {
		if !strings.ContainsRune("*-_.,/\\|#?!()[]{}~=+ xX:;", r) && !unicode.IsSpace(r) {
			symbols = false
			break
		}
	}
	if symbols {
		return true
	}
	w := strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && r != '/'
	}), " ")
	w = foldAccents.Replace(w)
	switch w {
	case "sem", "nao", "n/a", "n/d", "na", "nd", "nt", "s/n", "sn", "s/tel", "null", "nil", "none", "nulo", "vazio", "nenhum", "nenhuma",
		"inexistente", "desconhecido", "nao informado", "nao informou", "nao consta", "nao ha", "nao possui", "nao tem",
		"sem numero", "sem telefone", "sem tel", "sem fone", "sem celular", "sem contato", "nao sei":
		return true
	}
	for _, p := range [...]string{"sem ", "nao tem", "nao possui", "nao informado", "nao consta", "nenhum"} {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
}
