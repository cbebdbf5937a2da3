package app_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/testerbot/testerbot/config"
	"github.com/testerbot/testerbot/internal/app"
)

// runMain runs the program as main does, with env as the testerbot variables of the process's
// environment (the others blank, which counts as unset): t.Setenv, so not in parallel tests.
func runMain(t *testing.T, env map[string]string, args ...string) (int, string) {
	t.Helper()
	for _, name := range config.Names() {
		t.Setenv(name, env[name])
	}
	var out bytes.Buffer
	code := app.Main(context.Background(), args, &out, &out)
	return code, out.String()
}

func TestMissingConfigurationNamesEveryProblemAtOnce(t *testing.T) {
	code, out := runMain(t, map[string]string{"SLACK_BOT_TOKEN": "xapp-oops-secret-value", "LOG_FORMAT": "xml"})
	assert.Equal(t, 1, code)
	for _, name := range []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "APPLIVERY_API_TOKEN", "APPLIVERY_ORGANIZATION", "LOG_FORMAT"} {
		assert.Contains(t, out, name)
	}
	assert.NotContains(t, out, "oops-secret-value", "a token's value is never echoed")
	assert.NotContains(t, out, "goroutine", "no stack trace")
}

func TestBadMappingFileNamesEveryProblemAtOnce(t *testing.T) {
	h := newHarness(t, withMapping(`
channels:
  - channel: C0IOSBETA1
    store: not-hex
    apps: []
    downloads: 0
  - channel: C0IOSBETA1
    store: 64a1b2c3d4e5f6a7b8c9d0e1
    apps:
      - id: 64a1b2c3d4e5f6a7b8c9d0e2
        name: Acme
    dowloads: 3
`))
	code, out := runMain(t, h.env)
	assert.Equal(t, 1, code)
	for _, want := range []string{"not-hex", "at least one app", "downloads", "listed twice", "dowloads"} {
		assert.Contains(t, out, want)
	}
}

func TestMissingMappingFile(t *testing.T) {
	h := newHarness(t, withEnv("CHANNELS_FILE", "/nonexistent/channels.yaml"))
	code, out := runMain(t, h.env)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "/nonexistent/channels.yaml")
}

func TestHelpListsTheEnvironment(t *testing.T) {
	code, out := runMain(t, nil, "help")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "testerbot check")
}
