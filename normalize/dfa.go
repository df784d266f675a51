package normalize

import (
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
)

// dfa is a deterministic automaton over the digits for one of
// libphonenumber's metadata patterns: its answers are those of the regexp
// the library builds from the pattern, at a fraction of the cost and without
// making the input escape.
type dfa struct {
	next   [][10]int32 // -1: no match possible any more
	accNow []bool      // a match ends here, not needing the end of the text
	accEnd []bool      // a match ends here at the end of the text
}

const maxDFAStates = 1 << 14

// newDFA compiles pattern (unanchored text; the caller's anchoring is
// whole-string or prefix at match time); ok is false when the pattern uses
// what the automaton does not model or grows too large.
func newDFA(pattern string) (*dfa, bool) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, false
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return nil, false
	}
	a := &dfa{}
	ok := true
	// closure follows the empty transitions from the pcs of kernel; it
	// returns the consuming instructions reached and whether Match is.
	closure := func(kernel []uint32, begin, end bool) ([]uint32, bool) {
		seen := make(map[uint32]bool)
		var out []uint32
		match := false
		stack := append([]uint32(nil), kernel...)
		for len(stack) > 0 {
			pc := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[pc] {
				continue
			}
			seen[pc] = true
			in := &prog.Inst[pc]
			switch in.Op {
			case syntax.InstAlt, syntax.InstAltMatch:
				stack = append(stack, in.Arg, in.Out)
			case syntax.InstCapture, syntax.InstNop:
				stack = append(stack, in.Out)
			case syntax.InstEmptyWidth:
				e := syntax.EmptyOp(in.Arg)
				if e&^(syntax.EmptyBeginText|syntax.EmptyEndText|syntax.EmptyBeginLine|syntax.EmptyEndLine) != 0 {
					ok = false
					continue
				}
				if (e&(syntax.EmptyBeginText|syntax.EmptyBeginLine) != 0 && !begin) ||
					(e&(syntax.EmptyEndText|syntax.EmptyEndLine) != 0 && !end) {
					continue
				}
				stack = append(stack, in.Out)
			case syntax.InstMatch:
				match = true
			case syntax.InstFail:
			default:
				out = append(out, pc)
			}
		}
		slices.Sort(out)
		return out, match
	}
	key := func(k []uint32, begin bool) string {
		var b strings.Builder
		if begin {
			b.WriteByte('^')
		}
		for _, pc := range k {
			b.WriteString(strconv.FormatUint(uint64(pc), 36))
			b.WriteByte(',')
		}
		return b.String()
	}
	type pending struct {
		kernel []uint32
		begin  bool
	}
	ids := map[string]int32{}
	var queue []pending
	state := func(k []uint32, begin bool) int32 {
		s := key(k, begin)
		if id, ok := ids[s]; ok {
			return id
		}
		id := int32(len(a.next))
		ids[s] = id
		a.next = append(a.next, [10]int32{})
		_, now := closure(k, begin, false)
		_, end := closure(k, begin, true)
		a.accNow = append(a.accNow, now)
		a.accEnd = append(a.accEnd, end)
		queue = append(queue, pending{k, begin})
		return id
	}
	state([]uint32{uint32(prog.Start)}, true)
	for i := 0; i < len(queue) && ok; i++ {
		if len(a.next) > maxDFAStates {
			return nil, false
		}
		p := queue[i]
		cons, _ := closure(p.kernel, p.begin, false)
		for c := 0; c < 10; c++ {
			var k []uint32
			for _, pc := range cons {
				if prog.Inst[pc].MatchRune(rune('0' + c)) {
					k = append(k, prog.Inst[pc].Out)
				}
			}
			if len(k) == 0 {
				a.next[i][c] = -1
				continue
			}
			slices.Sort(k)
			k = slices.Compact(k)
			a.next[i][c] = state(k, false)
		}
	}
	if !ok {
		return nil, false
	}
	return a, true
}

// full reports whether all of d (digits) matches: "^(?:pattern)$".
func (a *dfa) full(d []byte) bool {
	s := int32(0)
	for _, c := range d {
		if s = a.next[s][c-'0']; s < 0 {
			return false
		}
	}
	return a.accEnd[s]
}

// prefix reports whether some prefix of d matches: "^(?:pattern)".
func (a *dfa) prefix(d []byte) bool {
	s := int32(0)
	for _, c := range d {
		if a.accNow[s] {
			return true
		}
		if s = a.next[s][c-'0']; s < 0 {
			return false
		}
	}
	return a.accEnd[s] || a.accNow[s]
}
