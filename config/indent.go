package config

import (
	"fmt"
	"strings"
)

// A YAML parser reports an indentation mistake where it notices it, often a line or more
// above the line whose indentation is wrong ("line 1: did not find expected '-' indicator").
// indentProblem looks for that line itself, so the message names the line to fix.

// block is one level of indentation open at a line: its column, and whether only list items
// ("- …") may start there (a list indented deeper than its key).
type block struct {
	indent    int
	itemsOnly bool
}

// indentProblem returns the first line (1-based) whose indentation cannot be right, and what
// is wrong with it, or 0 when it finds none. It reads only the block structure that mapping
// files use; on anything it does not follow (a flow collection over several lines) it gives up
// rather than guess.
func indentProblem(data []byte) (line int, problem string) {
	open := []block{{indent: 0}}
	opens := false     // the previous line ends with a key whose value is on the next lines
	scalarIndent := -1 // inside a block scalar (| or >) of a key at this indent
	for i, raw := range strings.Split(string(data), "\n") {
		n := i + 1
		text := strings.TrimRight(raw, " \r")
		content := strings.TrimLeft(text, " ")
		indent := len(text) - len(content)
		if strings.HasPrefix(content, "\t") {
			return n, "a tab indents this line; YAML indents with spaces only, so replace the tab with spaces"
		}
		if scalarIndent >= 0 {
			if content == "" || indent > scalarIndent {
				continue
			}
			scalarIndent = -1
		}
		if content == "" || strings.HasPrefix(content, "#") || content == "---" {
			continue
		}
		if strings.Count(content, "[") != strings.Count(content, "]") || strings.Count(content, "{") != strings.Count(content, "}") {
			return 0, ""
		}
		top := open[len(open)-1]
		switch {
		case indent > top.indent && !opens:
			return n, fmt.Sprintf("this line is indented by %d spaces, deeper than the line above allows, which has its value already; indent it by %d, as the key above it", indent, top.indent)
		case indent > top.indent:
			open = append(open, block{indent: indent})
		default:
			closed := -1 // the innermost level this line steps out of
			for len(open) > 1 && open[len(open)-1].indent > indent {
				closed = open[len(open)-1].indent
				open = open[:len(open)-1]
			}
			if at := open[len(open)-1].indent; at != indent {
				if closed < 0 {
					closed = at
				}
				return n, fmt.Sprintf("this line is indented by %d spaces, which lines up with no line above it; indent it by %d, as the keys it belongs with", indent, closed)
			}
		}
		isItem := content == "-" || strings.HasPrefix(content, "- ")
		if open[len(open)-1].itemsOnly && !isItem {
			return n, fmt.Sprintf("this line lines up with the - of the list item above; indent it by %d spaces, as the item's first key", indent+2)
		}
		if isItem {
			open[len(open)-1].itemsOnly = len(open) > 1 && open[len(open)-2].indent < indent
			content = strings.TrimLeft(strings.TrimPrefix(content, "-"), " ")
			if content != "" {
				open = append(open, block{indent: len(text) - len(content)}) // the item's keys
			}
		}
		value := content
		if j := strings.Index(content, " #"); j >= 0 {
			value = strings.TrimRight(content[:j], " ")
		}
		opens = strings.HasSuffix(value, ":") || value == "" || value == "-"
		if k := strings.Index(value, ": "); k >= 0 {
			v := strings.TrimSpace(value[k+2:])
			if strings.HasPrefix(v, "|") || strings.HasPrefix(v, ">") {
				scalarIndent = indent
			}
		}
	}
	return 0, ""
}
