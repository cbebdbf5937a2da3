package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
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
// findings: those without a line first, then the rest in file order.
func (l problemList) err(subject string) error {
	if len(l) == 0 {
		return nil
	}
	sorted := slices.Clone(l)
	slices.SortStableFunc(sorted, func(a, b problem) int { return cmp.Compare(a.line, b.line) })
	list := make([]string, len(sorted))
	for i, p := range sorted {
		list[i] = p.msg
		if p.line > 0 {
			list[i] = fmt.Sprintf("line %d: %s", p.line, p.msg)
		}
	}
	return &Problems{Subject: subject, List: list}
}
