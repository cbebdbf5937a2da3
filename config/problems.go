package config

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Problems is every mistake found while checking one source of
// configuration. It exists so that main can print the whole list and exit,
// rather than the operator fixing one mistake per restart.
type Problems struct {
	// Subject names what was checked, e.g. "environment configuration" or
	// `channel mapping "channels.yaml"`; it heads the error message.
	Subject string
	// List holds one human-readable sentence per problem, each naming where
	// the problem is (a variable name, or a line and path in the file).
	List []string
}

// Error renders the heading followed by one problem per line.
func (p *Problems) Error() string {
	var b strings.Builder
	b.WriteString(p.Subject)
	b.WriteString(" is invalid:")
	for _, item := range p.List {
		b.WriteString("\n  - ")
		b.WriteString(item)
	}
	return b.String()
}

// problem is one finding plus the file line it concerns (0 when it has no
// line), kept apart so findings can be listed in file order.
type problem struct {
	line int
	msg  string
}

// problemList collects findings while checking; checks append to it instead
// of returning early, which is what makes "report everything at once" work.
type problemList []problem

func (l *problemList) add(line int, format string, args ...any) {
	*l = append(*l, problem{line: line, msg: fmt.Sprintf(format, args...)})
}

// err returns nil when nothing was found, otherwise a *Problems listing the
// findings: those without a line first, then the rest in file order. A
// finding made twice (a mapping merged into two channels is read twice) is
// listed once.
func (l problemList) err(subject string) error {
	if len(l) == 0 {
		return nil
	}
	sorted := slices.Clone(l)
	slices.SortStableFunc(sorted, func(a, b problem) int { return cmp.Compare(a.line, b.line) })
	var list []string
	seen := map[problem]bool{}
	for _, p := range sorted {
		if seen[p] {
			continue
		}
		seen[p] = true
		if p.line > 0 {
			p.msg = fmt.Sprintf("line %d: %s", p.line, p.msg)
		}
		list = append(list, p.msg)
	}
	return &Problems{Subject: subject, List: list}
}

// quote shows a user-supplied (non-secret) value, shortened (at a character
// boundary) so that a pasted blob cannot flood the error output.
func quote(s string) string {
	const limit = 60
	if len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strconv.Quote(s)
}
