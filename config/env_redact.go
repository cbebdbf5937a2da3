package config

import (
	"fmt"
	"iter"
	"log/slog"
	"reflect"
	"strings"
)

const redacted = "[redacted]"

// LogValue lets slog print an Env (e.g. at startup) with secrets hidden.
func (e Env) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, len(envFields()))
	for name, value := range e.visibleValues() {
		attrs = append(attrs, slog.String(name, value))
	}
	return slog.GroupValue(attrs...)
}

// String keeps fmt's %v and %+v from printing secrets.
func (e Env) String() string {
	var b strings.Builder
	b.WriteString("{")
	for name, value := range e.visibleValues() {
		if b.Len() > 1 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s=%s", name, value)
	}
	b.WriteString("}")
	return b.String()
}

// GoString keeps fmt's %#v from printing secrets.
func (e Env) GoString() string { return "config.Env" + e.String() }

// visibleValues yields each variable name with its printable value: secrets
// show only whether they are set.
func (e Env) visibleValues() iter.Seq2[string, string] {
	return func(yield func(name, value string) bool) {
		v := reflect.ValueOf(e)
		for _, f := range envFields() {
			value := fmt.Sprint(v.Field(f.index).Interface())
			if f.secret && value != "" {
				value = redacted
			}
			if !yield(f.name, value) {
				return
			}
		}
	}
}
