package ops

import "strconv"

// otherLabel replaces label values we refuse to keep, so a surprising input
// costs one series rather than one per distinct value.
const otherLabel = "other"

// maxCodeLen bounds free-form label values; real Slack error codes and
// envelope types are far shorter.
const maxCodeLen = 40

// clampCode keeps short snake_case values such as Slack error codes
// ("ratelimited", "channel_not_found") and maps anything else — empty, long,
// or containing other characters — to "other". Free-form text (an error
// message that slipped into a code) would otherwise create unbounded series.
func clampCode(code string) string {
	if code == "" || len(code) > maxCodeLen {
		return otherLabel
	}
	for _, r := range code {
		if !isCodeRune(r) {
			return otherLabel
		}
	}
	return code
}

func isCodeRune(r rune) bool {
	return (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_'
}

// statusLabel renders an HTTP status for the requests counter. Applivery's
// client reports 0 when no response arrived (network error, timeout); that
// and anything outside the HTTP range become "error".
func statusLabel(status int) string {
	if status < 100 || status > 599 {
		return "error"
	}
	return strconv.Itoa(status)
}
