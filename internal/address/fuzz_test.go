package address_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dlclark/regexp2"

	"github.com/testerbot/testerbot/internal/address"
)

// applivery is Applivery's documented pattern for an email, look-aheads and all, compiled with an
// engine that has them: the fuzzer checks Normalize against the pattern, not against itself.
var applivery = regexp2.MustCompile(
	`^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$`, regexp2.ECMAScript)

// FuzzParse: whatever people type or paste, every address Parse or Find accepts is printable
// ASCII, matches Applivery's pattern within its length limits, and parses again to itself; Parse
// never returns the same person twice, and what it refuses is shown without invisible characters.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{"a@b.co", "<mailto:a@b.co|a@b.co>", "x, y;z\n", "<mailto:|>", "@@", "a@b.c.",
		"a@İnfo.com", "a@аcme.com", "a\u202e@acme.com", "a@ac\u200bme.com", "a@xn--bcher-kva.de", "a@b@acme.com"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		addrs, refused := address.Parse(text)
		seen := map[string]bool{}
		for _, a := range addrs {
			checkAccepted(t, "Parse", a)
			if key := strings.ToLower(a); seen[key] {
				t.Fatalf("Parse returned %q twice", a)
			} else {
				seen[key] = true
			}
		}
		for _, r := range refused {
			if !utf8.ValidString(r.Input) || strings.ContainsFunc(r.Input, invisibleOrControl) || r.Reason == "" {
				t.Fatalf("refusal %+v hides characters or gives no reason", r)
			}
		}
		for _, a := range address.Find(text) {
			checkAccepted(t, "Find", a)
		}
	})
}

func checkAccepted(t *testing.T, by, a string) {
	t.Helper()
	if strings.ContainsFunc(a, func(r rune) bool { return r < '!' || r > '~' }) {
		t.Fatalf("%s accepted %q, which is not printable ASCII", by, a)
	}
	if ok, err := applivery.MatchString(a); err != nil || !ok {
		t.Fatalf("%s accepted %q, which does not match Applivery's pattern", by, a)
	}
	if len(a) > 254 || strings.IndexByte(a, '@') > 64 {
		t.Fatalf("%s accepted %q, which is too long", by, a)
	}
	again, refused := address.Parse(a)
	if len(again) != 1 || again[0] != a || len(refused) != 0 {
		t.Fatalf("%s accepted %q, which parses again as %q, refusing %v", by, a, again, refused)
	}
}

// invisibleOrControl is a looser restatement of what must never be shown unescaped.
func invisibleOrControl(r rune) bool {
	switch r {
	case '\u200b', '\u200c', '\u200d', '\u200e', '\u200f', '\u2028', '\u2029', '\u2060', '\ufeff', '\u00ad':
		return true
	}
	return r < ' ' || r == 0x7f || r >= 0x80 && r < 0xa0 || r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069'
}
