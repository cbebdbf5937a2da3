package bot

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/internal/address"
)

// Slack's limits on text, in characters.
const (
	maxMrkdwn    = 3000 // a section's text
	maxPlainText = 150  // labels, placeholders, titles of most elements
	maxOption    = 75   // an option's text
	maxTitle     = 24   // a modal's title and its submit and close buttons
)

// escaper turns the three characters Slack treats as control characters into entities, so
// anything a person typed or Applivery returned is shown as text: "<!channel>" or "<@U123>"
// typed into a command can never ping anyone.
var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// esc escapes user- or API-supplied text for mrkdwn and plain_text fields alike.
func esc(s string) string { return escaper.Replace(s) }

// code shows s as inline code; backticks inside would end the span, so they are dropped.
func code(s string) string { return "`" + strings.ReplaceAll(esc(s), "`", "'") + "`" }

// truncate keeps plain text within max characters, marking what was cut. For mrkdwn use
// cutMrkdwn, which never splits an entity.
func truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

// cutMrkdwn keeps mrkdwn within max characters, marking what was cut, without splitting an
// entity (&amp;) or a reference (<@U…>, <#C…>, <!date^…|…>, <https://…|…>): half of one would
// show as garbage, or make Slack refuse the whole message.
func cutMrkdwn(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	budget, used, cut := max-1, 0, 0
	for cut < len(s) {
		end := tokenEnd(s, cut)
		n := utf8.RuneCountInString(s[cut:end])
		if used+n > budget {
			break
		}
		used, cut = used+n, end
	}
	return s[:cut] + "…"
}

// tokenEnd returns where the unit of mrkdwn starting at i ends: a whole <…> reference, a whole
// &…; entity, or one character.
func tokenEnd(s string, i int) int {
	switch s[i] {
	case '<':
		if j := strings.IndexByte(s[i:], '>'); j > 0 {
			return i + j + 1
		}
	case '&':
		if j := strings.IndexByte(s[i:], ';'); j > 0 && j <= len("&amp;") {
			return i + j + 1
		}
	}
	_, size := utf8.DecodeRuneInString(s[i:])
	return i + size
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, truncate(s, maxPlainText), false, false)
}

// title is a modal's title or button text.
func title(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, truncate(s, maxTitle), false, false)
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, cutMrkdwn(s, maxMrkdwn), false, false)
}

// section is a block of mrkdwn text, cut to Slack's limit.
func section(text string, accessory *slack.Accessory) *slack.SectionBlock {
	return slack.NewSectionBlock(mrkdwn(text), nil, accessory)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// quoteList shows up to max items as inline code, escaped, saying how many more there were.
func quoteList(items []string, max int) string {
	return listUpTo(items, max, func(it string) string { return code(truncate(it, 80)) })
}

// refusalList is quoteList for what is not an address, each followed by why.
func refusalList(refused []address.Refusal, max int) string {
	return listUpTo(refused, max, func(r address.Refusal) string {
		return code(truncate(r.Input, 80)) + " (" + esc(truncate(r.Reason, 80)) + ")"
	})
}

// listUpTo shows up to max items, saying how many more there were.
func listUpTo[T any](items []T, max int, show func(T) string) string {
	var parts []string
	for i, it := range items {
		if i == max {
			parts = append(parts, fmt.Sprintf("and %d more", len(items)-max))
			break
		}
		parts = append(parts, show(it))
	}
	return strings.Join(parts, ", ")
}

// slackDate lets Slack show a time in each reader's own time zone, with UTC as the fallback.
func slackDate(t time.Time) string {
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), t.UTC().Format("2006-01-02 15:04 UTC"))
}

func downloadsText(n int) string {
	if n < 0 {
		return "unlimited downloads"
	}
	return plural(n, "download allowed", "downloads allowed")
}

// maxMessageText is where Slack truncates a message's top-level text.
const maxMessageText = 40000

// messageText is a message's top-level text: what its sections and context lines say, in order.
// Screen readers and notifications read only this text, so it carries everything the blocks
// say (the testers, their OTP user ids, why one failed, a request's addresses and reason);
// built from the blocks themselves, it cannot fall behind them. Buttons are left out: they are
// actions, not content.
func messageText(blocks []slack.Block) string {
	var parts []string
	add := func(t *slack.TextBlockObject) {
		switch {
		case t == nil || t.Text == "":
		case t.Type == slack.PlainTextType:
			parts = append(parts, esc(t.Text))
		default:
			parts = append(parts, t.Text)
		}
	}
	for _, b := range blocks {
		switch b := b.(type) {
		case *slack.SectionBlock:
			add(b.Text)
			for _, f := range b.Fields {
				add(f)
			}
		case *slack.ContextBlock:
			for _, el := range b.ContextElements.Elements {
				if t, ok := el.(*slack.TextBlockObject); ok {
					add(t)
				}
			}
		case *slack.HeaderBlock:
			add(b.Text)
		}
	}
	return cutMrkdwn(strings.Join(parts, "\n"), maxMessageText)
}
