package slackfake

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jsonOf builds a decoded JSON value from a template, as the fake decodes
// what it receives.
func jsonOf(t *testing.T, format string, args ...any) any {
	t.Helper()
	wrapped, err := decodeObject(fmt.Appendf(nil, `{"v":`+format+`}`, args...))
	require.NoError(t, err)
	return wrapped["v"]
}

// x is a string of n characters.
func x(n int) string { return strings.Repeat("x", n) }

// repeat joins n copies of item into a JSON array's contents.
func repeat(n int, item string) string {
	return strings.TrimSuffix(strings.Repeat(item+",", n), ",")
}

func problemStrings(problems []problem) []string {
	out := make([]string, 0, len(problems))
	for _, p := range problems {
		out = append(out, p.String())
	}
	return out
}

const (
	plainT   = `{"type":"plain_text","text":%q}`
	button   = `{"type":"button","action_id":"b","text":{"type":"plain_text","text":"Go"}}`
	divider  = `{"type":"divider"}`
	option   = `{"text":{"type":"plain_text","text":"iOS"},"value":"ios"}`
	textArea = `{"type":"input","block_id":"in","label":{"type":"plain_text","text":"Emails"},"element":%s}`
)

func TestMessageBlockLimits(t *testing.T) {
	tests := []struct {
		name   string
		blocks string
		args   []any
		want   []string
	}{
		{
			name: "a message using every kind of block within limits",
			blocks: `[{"type":"header","text":{"type":"plain_text","text":%q}},
				{"type":"section","block_id":"s","text":{"type":"mrkdwn","text":%q},"fields":[` + repeat(10, `{"type":"mrkdwn","text":"f"}`) + `],
				 "accessory":{"type":"button","action_id":"revoke","text":{"type":"plain_text","text":"Revoke"},"value":%q,
				  "confirm":{"title":{"type":"plain_text","text":"Sure?"},"text":{"type":"mrkdwn","text":%q},
				   "confirm":{"type":"plain_text","text":"Yes"},"deny":{"type":"plain_text","text":"No"}}}},
				{"type":"context","elements":[` + repeat(10, `{"type":"mrkdwn","text":"c"}`) + `]},
				{"type":"actions","elements":[` + repeat(25, button) + `]},
				{"type":"input","label":{"type":"plain_text","text":"Pick"},"element":{"type":"static_select","action_id":"p",
				 "options":[` + repeat(100, option) + `],"initial_option":` + option + `}}]`,
			args: []any{strings.Repeat("🚀", 150), x(3000), x(2000), x(300)},
		},
		{
			name:   "more than 50 blocks",
			blocks: `[` + repeat(51, divider) + `]`,
			want:   []string{"no more than 50 items allowed [json-pointer:/blocks]"},
		},
		{
			name: "confirm text past 300 characters, counted in code points",
			blocks: `[{"type":"section","text":{"type":"mrkdwn","text":"t"},"accessory":{"type":"button","text":{"type":"plain_text","text":"Go"},
				"confirm":{"title":{"type":"plain_text","text":"Sure?"},"text":{"type":"plain_text","text":%q},
				"confirm":{"type":"plain_text","text":"Yes"},"deny":{"type":"plain_text","text":"No"}}}}]`,
			args: []any{strings.Repeat("é", 301)},
			want: []string{"must be less than 301 characters [json-pointer:/blocks/0/accessory/confirm/text/text]"},
		},
		{
			name: "confirm dialog without deny, with long title and buttons",
			blocks: `[{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"Go"},
				"confirm":{"title":` + plainT + `,"text":{"type":"plain_text","text":"t"},"confirm":` + plainT + `}}]}]`,
			args: []any{x(101), x(31)},
			want: []string{
				"must be less than 101 characters [json-pointer:/blocks/0/elements/0/confirm/title/text]",
				"must be less than 31 characters [json-pointer:/blocks/0/elements/0/confirm/confirm/text]",
				"missing required field: deny [json-pointer:/blocks/0/elements/0/confirm]",
			},
		},
		{
			name:   "header past 150 characters, in mrkdwn",
			blocks: `[{"type":"header","text":{"type":"mrkdwn","text":%q}}]`,
			args:   []any{x(151)},
			want: []string{
				"must be a valid enum value [json-pointer:/blocks/0/text/type]",
				"must be less than 151 characters [json-pointer:/blocks/0/text/text]",
			},
		},
		{
			name:   "empty section text",
			blocks: `[{"type":"section","text":{"type":"mrkdwn","text":""}}]`,
			want:   []string{"must be more than 0 characters [json-pointer:/blocks/0/text/text]"},
		},
		{
			name:   "section without text or fields",
			blocks: `[{"type":"section"}]`,
			want:   []string{"must provide either text or fields [json-pointer:/blocks/0]"},
		},
		{
			name:   "section text past 3000, 11 fields, one past 2000",
			blocks: `[{"type":"section","text":{"type":"mrkdwn","text":%q},"fields":[{"type":"mrkdwn","text":%q},` + repeat(10, `{"type":"plain_text","text":"f"}`) + `]}]`,
			args:   []any{x(3001), x(2001)},
			want: []string{
				"must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
				"no more than 10 items allowed [json-pointer:/blocks/0/fields]",
				"must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]",
			},
		},
		{
			name:   "context with 11 elements, actions with 26",
			blocks: `[{"type":"context","elements":[` + repeat(11, `{"type":"plain_text","text":"c"}`) + `]},{"type":"actions","elements":[` + repeat(26, button) + `]}]`,
			want: []string{
				"no more than 10 items allowed [json-pointer:/blocks/0/elements]",
				"no more than 25 items allowed [json-pointer:/blocks/1/elements]",
			},
		},
		{
			name:   "button text, value and url past their limits",
			blocks: `[{"type":"actions","elements":[{"type":"button","text":` + plainT + `,"value":%q,"url":%q}]}]`,
			args:   []any{x(76), x(2001), x(3001)},
			want: []string{
				"must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
				"must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]",
				"must be less than 3001 characters [json-pointer:/blocks/0/elements/0/url]",
			},
		},
		{
			name:   "block_id and action_id past 255, and a block_id used twice",
			blocks: `[{"type":"divider","block_id":%q},{"type":"actions","block_id":"a","elements":[{"type":"button","action_id":%q,"text":{"type":"plain_text","text":"Go"}}]},{"type":"divider","block_id":"a"}]`,
			args:   []any{x(256), x(256)},
			want: []string{
				"must be less than 256 characters [json-pointer:/blocks/0/block_id]",
				"must be less than 256 characters [json-pointer:/blocks/1/elements/0/action_id]",
				"duplicate block_id [json-pointer:/blocks/2/block_id]",
			},
		},
		{
			name: "static select: 101 options, oversized option, foreign initial option, long placeholder",
			blocks: `[{"type":"section","text":{"type":"mrkdwn","text":"t"},"accessory":{"type":"static_select","placeholder":` + plainT + `,
				"options":[{"text":` + plainT + `,"value":%q,"description":` + plainT + `},` + repeat(100, option) + `],
				"initial_option":{"text":{"type":"plain_text","text":"Android"},"value":"android"}}}]`,
			args: []any{x(151), x(76), x(151), x(76)},
			want: []string{
				"must be less than 151 characters [json-pointer:/blocks/0/accessory/placeholder/text]",
				"no more than 100 items allowed [json-pointer:/blocks/0/accessory/options]",
				"must be less than 76 characters [json-pointer:/blocks/0/accessory/options/0/text/text]",
				"must be less than 151 characters [json-pointer:/blocks/0/accessory/options/0/value]",
				"must be less than 76 characters [json-pointer:/blocks/0/accessory/options/0/description/text]",
				"must match one of the provided options [json-pointer:/blocks/0/accessory/initial_option]",
			},
		},
		{
			name: "static select with both options and 101 option groups",
			blocks: `[{"type":"actions","elements":[{"type":"static_select","options":[` + option + `],
				"option_groups":[` + repeat(101, `{"label":{"type":"plain_text","text":"g"},"options":[`+option+`]}`) + `]}]}]`,
			want: []string{
				"no more than 100 items allowed [json-pointer:/blocks/0/elements/0/option_groups]",
				"must provide exactly one of options or option_groups [json-pointer:/blocks/0/elements/0]",
			},
		},
		{
			name:   "initial option found in an option group",
			blocks: `[{"type":"actions","elements":[{"type":"static_select","option_groups":[{"label":{"type":"plain_text","text":"g"},"options":[` + option + `]}],"initial_option":` + option + `}]}]`,
		},
		{
			name:   "external select may start on an option the bot will suggest",
			blocks: `[` + fmt.Sprintf(textArea, `{"type":"external_select","action_id":"tester","initial_option":`+option+`,"min_query_length":0}`) + `]`,
		},
		{
			name:   "plain-text input: lengths past 3000",
			blocks: `[` + fmt.Sprintf(textArea, `{"type":"plain_text_input","max_length":3001,"min_length":3001}`) + `]`,
			want: []string{
				"must be less than or equal to 3000 [json-pointer:/blocks/0/element/min_length]",
				"must be less than or equal to 3000 [json-pointer:/blocks/0/element/max_length]",
			},
		},
		{
			name:   "plain-text input: initial value longer than max_length",
			blocks: `[` + fmt.Sprintf(textArea, `{"type":"plain_text_input","max_length":10,"initial_value":%q}`) + `]`,
			args:   []any{x(11)},
			want:   []string{"must be less than 11 characters [json-pointer:/blocks/0/element/initial_value]"},
		},
		{
			name:   "plain-text input: initial value past 3000 without max_length",
			blocks: `[` + fmt.Sprintf(textArea, `{"type":"plain_text_input","initial_value":%q}`) + `]`,
			args:   []any{x(3001)},
			want:   []string{"must be less than 3001 characters [json-pointer:/blocks/0/element/initial_value]"},
		},
		{
			name:   "input label and hint past 2000",
			blocks: `[{"type":"input","label":` + plainT + `,"hint":` + plainT + `,"element":{"type":"plain_text_input"}}]`,
			args:   []any{x(2001), x(2001)},
			want: []string{
				"must be less than 2001 characters [json-pointer:/blocks/0/label/text]",
				"must be less than 2001 characters [json-pointer:/blocks/0/hint/text]",
			},
		},
		{
			name:   "elements in blocks that do not take them, and an unknown block",
			blocks: `[` + fmt.Sprintf(textArea, button) + `,{"type":"actions","elements":[{"type":"plain_text_input"}]},{"type":"sectoin"}]`,
			want: []string{
				"failed to match all allowed schemas [json-pointer:/blocks/0/element]",
				"failed to match all allowed schemas [json-pointer:/blocks/1/elements/0]",
				"must be a valid enum value [json-pointer:/blocks/2/type]",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blocks := jsonOf(t, tt.blocks, tt.args...)

			got := problemStrings(checkBlocks(blocks, "/blocks"))

			assert.ElementsMatch(t, tt.want, got)
		})
	}
}

func TestViewLimits(t *testing.T) {
	const input = `{"type":"input","block_id":"in","label":{"type":"plain_text","text":"Email"},"element":{"type":"plain_text_input"}}`
	tests := []struct {
		name string
		view string
		args []any
		want []string
	}{
		{
			name: "a modal at every limit",
			view: `{"type":"modal","title":` + plainT + `,"submit":` + plainT + `,"close":` + plainT + `,
				"private_metadata":%q,"callback_id":%q,"external_id":%q,"blocks":[` + input + `,` + repeat(99, divider) + `]}`,
			args: []any{x(24), x(24), x(24), x(3000), x(255), x(255)},
		},
		{
			name: "a modal past every limit",
			view: `{"type":"modal","title":` + plainT + `,"submit":` + plainT + `,"close":` + plainT + `,
				"private_metadata":%q,"callback_id":%q,"external_id":%q,"blocks":[` + repeat(101, divider) + `]}`,
			args: []any{x(25), x(25), x(25), x(3001), x(256), x(256)},
			want: []string{
				"must be less than 25 characters [json-pointer:/view/title/text]",
				"must be less than 25 characters [json-pointer:/view/submit/text]",
				"must be less than 25 characters [json-pointer:/view/close/text]",
				"must be less than 3001 characters [json-pointer:/view/private_metadata]",
				"must be less than 256 characters [json-pointer:/view/callback_id]",
				"must be less than 256 characters [json-pointer:/view/external_id]",
				"no more than 100 items allowed [json-pointer:/view/blocks]",
			},
		},
		{
			name: "a modal with an input block but no submit button, or title",
			view: `{"type":"modal","blocks":[` + input + `]}`,
			want: []string{
				"missing required field: title [json-pointer:/view]",
				"must provide a submit property when using input blocks [json-pointer:/view]",
			},
		},
		{
			name: "a Home tab of 101 blocks",
			view: `{"type":"home","blocks":[` + repeat(101, divider) + `]}`,
			want: []string{"no more than 100 items allowed [json-pointer:/view/blocks]"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			view, _ := jsonOf(t, tt.view, tt.args...).(map[string]any)

			got := problemStrings(checkView(view, "/view"))

			assert.ElementsMatch(t, tt.want, got)
		})
	}
}

func TestSuggestionLimits(t *testing.T) {
	tests := []struct {
		name string
		ack  string
		want []string
	}{
		{name: "100 options", ack: `{"options":[` + repeat(100, option) + `]}`},
		{name: "no match", ack: `{"options":[]}`},
		{name: "option groups", ack: `{"option_groups":[{"label":{"type":"plain_text","text":"Recent"},"options":[` + option + `]}]}`},
		{
			name: "101 options, one of them mrkdwn",
			ack:  `{"options":[{"text":{"type":"mrkdwn","text":"*iOS*"},"value":"ios"},` + repeat(100, option) + `]}`,
			want: []string{
				"no more than 100 items allowed [json-pointer:/options]",
				"must be a valid enum value [json-pointer:/options/0/text/type]",
			},
		},
		{
			name: "neither options nor groups",
			ack:  `{"text":"no"}`,
			want: []string{"must provide exactly one of options or option_groups [json-pointer:]"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ack, _ := jsonOf(t, tt.ack).(map[string]any)

			assert.ElementsMatch(t, tt.want, problemStrings(checkSuggestions(ack)))
		})
	}
}
