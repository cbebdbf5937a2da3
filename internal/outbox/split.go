package outbox

import (
	"context"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/testerbot/testerbot/internal/wait"
)

// split replaces a message Slack called too long by two halves, each in its place in the lane's
// order (keyed Key+"#1" and Key+"#2"). An edit cannot become two messages: it keeps its first
// half, marked as cut.
func (o *Outbox) split(ctx context.Context, r Record) {
	first, second := splitMessage(r.Message)
	parts := []Record{{Message: first, Ord: r.Ord + "1"}, {Message: second, Ord: r.Ord + "2"}}
	if r.Kind != Post {
		first.Text += "\n… (cut: too long for Slack)"
		parts = []Record{{Message: first, Ord: r.Ord + "1"}}
	}
	for i := range parts {
		p := &parts[i]
		p.Key = r.Key + "#" + string(rune('1'+i))
		p.State, p.CreatedAt, p.Replace = Pending, r.CreatedAt, false
		p.TS, p.Thread = r.TS, r.Thread
	}
	o.opts.Logger.Info("outbox: Slack called a message too long; sending it in parts", "key", r.Key, "group", r.Group)
	o.recordErr(r, wait.Record(ctx, func(ctx context.Context) error { return o.store.SplitMessage(ctx, r.Key, parts) }))
}

// textOnly replaces a message whose blocks Slack refused by its text alone, keyed Key+"#t".
func (o *Outbox) textOnly(ctx context.Context, r Record) {
	part := Record{Message: r.Message, Ord: r.Ord + "0", State: Pending, CreatedAt: r.CreatedAt}
	part.Key, part.Blocks, part.Replace = r.Key+"#t", nil, false
	o.recordErr(r, wait.Record(ctx, func(ctx context.Context) error { return o.store.SplitMessage(ctx, r.Key, []Record{part}) }))
}

// splitMessage cuts a message in two: its text at the line break nearest the middle (or the
// middle itself), and its blocks in two halves. A single block cannot be cut, so it is dropped
// and the text alone goes, since the text carries what the blocks say.
func splitMessage(m Message) (Message, Message) {
	first, second := m, m
	first.Text, second.Text = halves(m.Text)
	first.Blocks, second.Blocks = nil, nil
	var blocks []json.RawMessage
	if len(m.Blocks) > 0 && json.Unmarshal(m.Blocks, &blocks) == nil && len(blocks) > 1 {
		mid := len(blocks) / 2
		first.Blocks, _ = json.Marshal(blocks[:mid])
		second.Blocks, _ = json.Marshal(blocks[mid:])
	}
	return first, second
}

func halves(text string) (string, string) {
	if utf8.RuneCountInString(text) < 2 {
		return text, "…"
	}
	mid := len(text) / 2
	for mid > 0 && !utf8.RuneStart(text[mid]) {
		mid--
	}
	if nl := strings.LastIndexByte(text[:mid], '\n'); nl > len(text)/4 {
		return text[:nl], text[nl+1:]
	}
	if nl := strings.IndexByte(text[mid:], '\n'); nl >= 0 && mid+nl < 3*len(text)/4 {
		return text[:mid+nl], text[mid+nl+1:]
	}
	return text[:mid], text[mid:]
}
