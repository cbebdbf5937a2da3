// Tests for manifest.yaml, the one-paste Slack app setup. A manifest Slack rejects, or one that
// silently drops a command, shortcut, event or scope the bot relies on, only shows up when a
// person pastes it into api.slack.com; these tests catch both before that.
package main_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

const (
	manifestPath = "manifest.yaml"

	// schemaPathEnv overrides where Slack's manifest schema is read from.
	schemaPathEnv = "SLACK_MANIFEST_SCHEMA"
	// defaultSchemaPath is relative to the repository root (the test's working directory): the
	// schema lives in a shared/ folder beside the clone, both locally and in CI.
	defaultSchemaPath = "../shared/slack-manifest-schema/manifest.schema.1.0.0.json"
)

func TestManifestIsAcceptedBySlackSchema(t *testing.T) {
	schema := compileSlackSchema(t)
	if err := schema.Validate(loadManifestJSON(t)); err != nil {
		t.Fatalf("%s is not a valid Slack app manifest:\n%v", manifestPath, err)
	}
}

// TestSlackSchemaRejectsBrokenManifests proves the validator really validates: each case breaks
// the real manifest in one way Slack would refuse, and the error must point at that break.
func TestSlackSchemaRejectsBrokenManifests(t *testing.T) {
	schema := compileSlackSchema(t)
	cases := []struct {
		name      string
		breakIt   func(manifest map[string]any)
		wantInErr string
	}{
		{
			name: "typo in a settings key",
			breakIt: func(m map[string]any) {
				settings := m["settings"].(map[string]any)
				settings["socket_mode_enable"] = settings["socket_mode_enabled"]
				delete(settings, "socket_mode_enabled")
			},
			wantInErr: "socket_mode_enable",
		},
		{
			name: "string where a boolean belongs",
			breakIt: func(m map[string]any) {
				m["settings"].(map[string]any)["socket_mode_enabled"] = "yes"
			},
			wantInErr: "/settings/socket_mode_enabled",
		},
		{
			name: "slash command without its leading slash",
			breakIt: func(m map[string]any) {
				firstSlashCommand(m)["command"] = "invite-tester"
			},
			wantInErr: "/features/slash_commands/0/command",
		},
		{
			// The schema's domain pattern starts with a (?!...) lookahead, which Go's regexp
			// cannot even compile: only regexp2 rejects a domain starting with a dot.
			name: "unfurl domain starting with a dot (lookahead pattern)",
			breakIt: func(m map[string]any) {
				m["features"].(map[string]any)["unfurl_domains"] = []any{".example.com"}
			},
			wantInErr: "/features/unfurl_domains/0",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			manifest := loadManifestJSON(t)
			tc.breakIt(manifest)
			err := schema.Validate(manifest)
			if err == nil {
				t.Fatal("the schema accepted a manifest Slack would reject")
			}
			if !strings.Contains(err.Error(), tc.wantInErr) {
				t.Fatalf("rejected for another reason; want the error to mention %q, got:\n%v", tc.wantInErr, err)
			}
		})
	}
}

// TestSlackSchemaAcceptsValidLookaheadMatch is the other half of the lookahead case above: a
// well-formed domain passes, so the rejection is the pattern's doing and not a blanket failure.
func TestSlackSchemaAcceptsValidLookaheadMatch(t *testing.T) {
	schema := compileSlackSchema(t)
	manifest := loadManifestJSON(t)
	manifest["features"].(map[string]any)["unfurl_domains"] = []any{"example.com"}
	if err := schema.Validate(manifest); err != nil {
		t.Fatalf("a valid unfurl domain was rejected:\n%v", err)
	}
}

// botManifest holds the parts of the manifest the bot's code depends on.
type botManifest struct {
	Features struct {
		AppHome struct {
			HomeTabEnabled bool `yaml:"home_tab_enabled"`
		} `yaml:"app_home"`
		SlashCommands []struct {
			Command string `yaml:"command"`
			URL     string `yaml:"url"`
		} `yaml:"slash_commands"`
		Shortcuts []struct {
			Type       string `yaml:"type"`
			CallbackID string `yaml:"callback_id"`
		} `yaml:"shortcuts"`
	} `yaml:"features"`
	OAuthConfig struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		EventSubscriptions struct {
			RequestURL string   `yaml:"request_url"`
			BotEvents  []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		Interactivity struct {
			IsEnabled  bool   `yaml:"is_enabled"`
			RequestURL string `yaml:"request_url"`
		} `yaml:"interactivity"`
		SocketModeEnabled bool `yaml:"socket_mode_enabled"`
	} `yaml:"settings"`
}

// TestManifestDeclaresWhatTheBotHandles runs without the schema: it guards the contract between
// this file and the bot's Socket Mode handlers.
func TestManifestDeclaresWhatTheBotHandles(t *testing.T) {
	var m botManifest
	if err := yaml.Unmarshal(readManifest(t), &m); err != nil {
		t.Fatalf("parse %s: %v", manifestPath, err)
	}
	f, s := m.Features, m.Settings

	if !s.SocketModeEnabled {
		t.Error("socket_mode_enabled must be true: the bot only listens on its Socket Mode websocket")
	}
	if !s.Interactivity.IsEnabled {
		t.Error("interactivity must be enabled, or shortcuts and modal submissions never arrive")
	}
	if s.Interactivity.RequestURL != "" || s.EventSubscriptions.RequestURL != "" {
		t.Error("Socket Mode needs no request_url; a URL here suggests a public endpoint that does not exist")
	}
	if !slices.Contains(s.EventSubscriptions.BotEvents, "app_home_opened") {
		t.Error("bot_events must include app_home_opened, or the Home tab is never published")
	}
	if !f.AppHome.HomeTabEnabled {
		t.Error("app_home.home_tab_enabled must be true: the bot publishes a Home tab")
	}

	commandFound := false
	for _, c := range f.SlashCommands {
		if c.Command == "/invite-tester" {
			commandFound = true
			if c.URL != "" {
				t.Errorf("/invite-tester has url %q; under Socket Mode it must have none", c.URL)
			}
		}
	}
	if !commandFound {
		t.Error("slash command /invite-tester is missing")
	}

	shortcutTypes := map[string]string{}
	for _, sc := range f.Shortcuts {
		shortcutTypes[sc.CallbackID] = sc.Type
	}
	for callbackID, wantType := range map[string]string{
		"invite_testers":              "global",
		"invite_testers_from_message": "message",
	} {
		switch got, found := shortcutTypes[callbackID]; {
		case !found:
			t.Errorf("shortcut %q is missing", callbackID)
		case got != wantType:
			t.Errorf("shortcut %q: type %q, want %q", callbackID, got, wantType)
		}
	}

	for scope, why := range map[string]string{
		"commands":        "receive /invite-tester and the shortcuts",
		"chat:write":      "post progress and results",
		"usergroups:read": "usergroups.users.list, to authorize leads given as a user group",
		"channels:read":   "conversations.info for public channel names",
		"groups:read":     "conversations.info for private channel names",
	} {
		if !slices.Contains(m.OAuthConfig.Scopes.Bot, scope) {
			t.Errorf("bot scope %q is missing; the bot needs it to %s", scope, why)
		}
	}
}

// compileSlackSchema compiles Slack's manifest schema with regexp2 as the regexp engine. Without
// the schema file the test is skipped locally, but fails in CI, where a skip would hide a
// broken setup.
func compileSlackSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	path := defaultSchemaPath
	if override := os.Getenv(schemaPathEnv); override != "" {
		path = override
	}
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		msg := fmt.Sprintf("Slack manifest schema not found at %s; put it there or set %s to its path", path, schemaPathEnv)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if err != nil {
		t.Fatalf("read Slack manifest schema: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse Slack manifest schema %s: %v", path, err)
	}

	compiler := jsonschema.NewCompiler()
	// Slack's patterns are ECMAScript and use lookahead, which Go's regexp package lacks.
	compiler.UseRegexpEngine(compileECMAScriptRegexp)
	if err := compiler.AddResource(path, doc); err != nil {
		t.Fatalf("add Slack manifest schema: %v", err)
	}
	schema, err := compiler.Compile(path)
	if err != nil {
		t.Fatalf("compile Slack manifest schema %s: %v", path, err)
	}
	return schema
}

// ecmaScriptRegexp adapts regexp2 to jsonschema's Regexp interface.
type ecmaScriptRegexp struct{ re *regexp2.Regexp }

func compileECMAScriptRegexp(pattern string) (jsonschema.Regexp, error) {
	re, err := regexp2.Compile(pattern, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	return ecmaScriptRegexp{re}, nil
}

// MatchString treats a matcher error (only a timeout, which is unset here) as no match, so a
// pattern can never let a value through by failing.
func (r ecmaScriptRegexp) MatchString(s string) bool {
	matched, err := r.re.MatchString(s)
	return err == nil && matched
}

func (r ecmaScriptRegexp) String() string { return r.re.String() }

func readManifest(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile(manifestPath)
	if err != nil {
		t.Fatalf("read %s: %v", manifestPath, err)
	}
	return raw
}

// loadManifestJSON returns a fresh copy of the manifest as the JSON Slack would receive: YAML
// decoded, then round-tripped through encoding/json so every value has a JSON type (and a
// non-string key, which JSON cannot represent, fails here rather than at Slack).
func loadManifestJSON(t *testing.T) map[string]any {
	t.Helper()
	var fromYAML any
	if err := yaml.Unmarshal(readManifest(t), &fromYAML); err != nil {
		t.Fatalf("parse %s: %v", manifestPath, err)
	}
	asJSON, err := json.Marshal(fromYAML)
	if err != nil {
		t.Fatalf("%s cannot be expressed as JSON: %v", manifestPath, err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(asJSON))
	if err != nil {
		t.Fatalf("re-read %s as JSON: %v", manifestPath, err)
	}
	manifest, ok := doc.(map[string]any)
	if !ok {
		t.Fatalf("%s must be a YAML mapping at the top level", manifestPath)
	}
	return manifest
}

func firstSlashCommand(m map[string]any) map[string]any {
	commands := m["features"].(map[string]any)["slash_commands"].([]any)
	return commands[0].(map[string]any)
}
