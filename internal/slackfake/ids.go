package slackfake

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
)

// firstTS is the Unix second the fake's message timestamps start at, so ts
// values look like Slack's ("1700000000.000100") and sort in posting order.
const firstTS = 1_700_000_000

// idSource mints identifiers in the formats Slack uses. Sequential parts
// keep test output readable; random parts make IDs unguessable the way the
// bot would meet them in production. It is guarded by Server.mu.
type idSource struct {
	messages, views, triggers, events, responseURLs int
}

// randomHex returns n random bytes as lowercase hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms.
	return hex.EncodeToString(b)
}

// envelopeID looks like Slack's Socket Mode envelope IDs (a random UUID).
func (*idSource) envelopeID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	h := hex.EncodeToString(b)
	return strings.Join([]string{h[0:8], h[8:12], h[12:16], h[16:20], h[20:32]}, "-")
}

// messageTS returns the next message timestamp: 100 µs after the previous.
func (ids *idSource) messageTS() string {
	ids.messages++
	micros := ids.messages * 100
	return fmt.Sprintf("%d.%06d", firstTS+micros/1_000_000, micros%1_000_000)
}

func (ids *idSource) viewID() string {
	ids.views++
	return fmt.Sprintf("V0%08X", ids.views)
}

// triggerID mimics "944799105734.773906753841.38b5894552bdd4a780554ee59d1f3638".
func (ids *idSource) triggerID() string {
	ids.triggers++
	return fmt.Sprintf("%d.%d.%s", 1_000_000_000+ids.triggers, 773906753841, randomHex(16))
}

func (ids *idSource) eventID() string {
	ids.events++
	return fmt.Sprintf("Ev0%08X", ids.events)
}

// responsePath mimics hooks.slack.com's /commands/T…/123/secret shape.
func (ids *idSource) responsePath(kind string) string {
	ids.responseURLs++
	return fmt.Sprintf("/%s/%s/%d/%s", kind, teamID, ids.responseURLs, randomHex(12))
}

func (*idSource) viewHash(unix int64) string {
	return fmt.Sprintf("%d.%s", unix, randomHex(4))
}

func (*idSource) ticket() string { return randomHex(16) }
