package bot

import "strings"

// escaper turns the three characters Slack treats as control characters into entities, so
// anything a person typed or Applivery returned is shown as text: "<!channel>" or "<@U123>"
// typed into a command can never ping anyone.
var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// esc escapes user- or API-supplied text for mrkdwn and plain_text fields alike.
func esc(s string) string { return escaper.Replace(s) }

// code shows s as inline code; backticks inside would end the span, so they are dropped.
func code(s string) string { return "`" + strings.ReplaceAll(esc(s), "`", "'") + "`" }

// truncate keeps s within Slack's field limits, marking what was cut.
func truncate(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return string(r[:max-1]) + "…"
}
