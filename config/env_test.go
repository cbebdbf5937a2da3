package config

import (
	"bytes"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Token values containing "SECRET" let tests check they never leak.
const (
	appToken       = "xapp-1-A0-SECRET-app"
	botToken       = "xoxb-1-SECRET-bot"
	appliveryToken = "SECRET-applivery"
)

// requiredEnv holds just the variables without defaults.
func requiredEnv() map[string]string {
	return map[string]string{
		"SLACK_APP_TOKEN":        appToken,
		"SLACK_BOT_TOKEN":        botToken,
		"APPLIVERY_API_TOKEN":    appliveryToken,
		"APPLIVERY_ORGANIZATION": "acme",
	}
}

// setenv gives the test exactly vars as the testerbot variables of its environment: the
// others are blank, which counts as unset.
func setenv(t *testing.T, vars map[string]string) {
	for _, name := range Names() {
		t.Setenv(name, vars[name])
	}
}

// loadWith is Load with exactly vars set.
func loadWith(t *testing.T, vars map[string]string) (*Env, error) {
	setenv(t, vars)
	return Load()
}

func loadApplivery(t *testing.T, vars map[string]string) (*AppliveryEnv, error) {
	setenv(t, vars)
	return LoadApplivery()
}

// with returns requiredEnv plus the given name/value pairs.
func with(pairs ...string) map[string]string {
	vars := requiredEnv()
	for i := 0; i+1 < len(pairs); i += 2 {
		vars[pairs[i]] = pairs[i+1]
	}
	return vars
}

func TestLoadEnvAppliesDefaults(t *testing.T) {
	env, err := loadWith(t, requiredEnv())
	require.NoError(t, err)
	want := &Env{
		SlackAppToken: appToken,
		SlackBotToken: botToken,
		AppliveryEnv: AppliveryEnv{
			AppliveryAPIToken:     appliveryToken,
			AppliveryOrganization: "acme",
			AppliveryAPIURL:       "https://api.applivery.io",
			AppliveryTimeout:      Duration(10 * time.Second),
		},
		ChannelsFile:         "channels.yaml",
		SlackAPIURL:          "https://slack.com/api/",
		LogLevel:             "info",
		LogFormat:            "json",
		QALeadsCacheTTL:      Duration(5 * time.Minute),
		MaxEmailsPerRequest:  100,
		InviteConcurrency:    4,
		AppliveryMaxInFlight: 8,
		LeaseTTL:             Duration(30 * time.Second),
		RequestTTL:           Duration(7 * 24 * time.Hour),
		MaxOpenRequests:      5,
		MaxCommandBytes:      8000,
		AuditDB:              "invites.db",
		ShutdownTimeout:      Duration(25 * time.Second),
		HTTPAddr:             ":8080",
		SlackConnections:     2,
		SlackMinute:          Duration(time.Minute),
	}
	assert.Equal(t, want, env)

	built := Defaults()
	for name, value := range requiredEnv() {
		require.NoError(t, built.Set(name, value))
	}
	require.NoError(t, built.Validate())
	assert.Equal(t, want, built, "an Env built from Defaults is the one Load reads")
}

func TestSetNamesAnUnknownVariable(t *testing.T) {
	assert.EqualError(t, Defaults().Set("SLACK_TOKEN", "x"), "SLACK_TOKEN is not a testerbot variable")
	assert.EqualError(t, Defaults().Set("LEASE_TTL", "soon"), `LEASE_TTL must be a duration such as 30s, 5m, 12h or 7d, got "soon"`)
}

func TestDurationsTakeDays(t *testing.T) {
	for raw, want := range map[string]time.Duration{
		"7d": 7 * 24 * time.Hour, "90d": 90 * 24 * time.Hour, "1d12h": 36 * time.Hour, " 2d ": 48 * time.Hour,
		"36h": 36 * time.Hour, "1h30m": 90 * time.Minute,
	} {
		env, err := loadWith(t, with("REQUEST_TTL", raw))
		require.NoError(t, err, raw)
		assert.Equal(t, want, env.RequestTTL.D(), raw)
	}
	for _, raw := range []string{"7", "d", "7days", "1.5d", "7d-1h", "-7d", "7D"} {
		_, err := loadWith(t, with("REQUEST_TTL", raw))
		assert.Equal(t, []string{`REQUEST_TTL must be a duration such as 30s, 5m, 12h or 7d, got "` + raw + `"`,
			"the variables after REQUEST_TTL were not read: fix it and run again to check them"}, problemsOf(t, err), raw)
	}
	assert.Equal(t, "7d", Duration(7*24*time.Hour).String())
	assert.Equal(t, "36h0m0s", Duration(36*time.Hour).String())
}

func TestLoadAppliveryEnvReadsOnlyWhatAppliveryNeeds(t *testing.T) {
	env, err := loadApplivery(t, map[string]string{
		"APPLIVERY_API_TOKEN": appliveryToken, "APPLIVERY_ORGANIZATION": "acme", "APPLIVERY_API_URL": "http://127.0.0.1:9998/",
		"LOG_FORMAT": "xml", // wrong, but not this command's business
	})
	require.NoError(t, err)
	assert.Equal(t, &AppliveryEnv{
		AppliveryAPIToken:     appliveryToken,
		AppliveryOrganization: "acme",
		AppliveryAPIURL:       "http://127.0.0.1:9998",
		AppliveryTimeout:      Duration(10 * time.Second),
	}, env)

	_, err = loadApplivery(t, map[string]string{
		"APPLIVERY_API_TOKEN": "SECRET with space", "APPLIVERY_TIMEOUT": "soon",
	})
	// APPLIVERY_TIMEOUT, the last variable, is one envconfig cannot convert; the problems
	// of those before it are still reported.
	assert.Equal(t, []string{
		`APPLIVERY_TIMEOUT must be a duration such as 30s, 5m, 12h or 7d, got "soon"`,
		"APPLIVERY_API_TOKEN contains whitespace; paste the token again",
		"APPLIVERY_ORGANIZATION is required but not set",
	}, problemsOf(t, err))
	assert.NotContains(t, err.Error(), "SECRET")
}

func TestLoadEnvReadsAndNormalizesEveryVariable(t *testing.T) {
	env, err := loadWith(t, with(
		"SLACK_APP_TOKEN", "  "+appToken+"\n", // as mounted from a secret file
		"CHANNELS_FILE", "/etc/testerbot/channels.yaml",
		"SLACK_API_URL", "http://127.0.0.1:9999/api",
		"APPLIVERY_API_URL", "http://127.0.0.1:9998/",
		"LOG_LEVEL", "DEBUG",
		"LOG_FORMAT", "Text",
		"QA_LEADS_CACHE_TTL", "90s",
		"MAX_EMAILS_PER_REQUEST", "1000",
		"INVITE_CONCURRENCY", "32",
		"MAX_OPEN_REQUESTS", "010",
		"MAX_COMMAND_BYTES", "4000",
		"AUDIT_DB", "/data/invites.db",
		"APPLIVERY_TIMEOUT", "1500ms",
		"SHUTDOWN_TIMEOUT", "1m",
		"HTTP_ADDR", "127.0.0.1:0",
		"DATABASE_URL", "postgres://bot:SECRET-db@db.internal:5432/testerbot?sslmode=verify-full",
	))
	require.NoError(t, err)
	assert.Equal(t, appToken, env.SlackAppToken, "surrounding whitespace is trimmed")
	assert.Equal(t, "/etc/testerbot/channels.yaml", env.ChannelsFile)
	assert.Equal(t, "http://127.0.0.1:9999/api/", env.SlackAPIURL, "slack-go needs the trailing slash")
	assert.Equal(t, "http://127.0.0.1:9998", env.AppliveryAPIURL, "paths are appended to it")
	assert.Equal(t, "debug", env.LogLevel)
	assert.Equal(t, "text", env.LogFormat)
	assert.Equal(t, 90*time.Second, env.QALeadsCacheTTL.D())
	assert.Equal(t, Number(1000), env.MaxEmailsPerRequest)
	assert.Equal(t, Number(32), env.InviteConcurrency)
	assert.Equal(t, Number(10), env.MaxOpenRequests, "base 10: 010 is ten, not octal eight")
	assert.Equal(t, Number(4000), env.MaxCommandBytes)
	assert.Equal(t, "/data/invites.db", env.AuditDB)
	assert.Equal(t, 1500*time.Millisecond, env.AppliveryTimeout.D())
	assert.Equal(t, time.Minute, env.ShutdownTimeout.D())
	assert.Equal(t, "127.0.0.1:0", env.HTTPAddr)
	assert.Equal(t, "postgres://bot:SECRET-db@db.internal:5432/testerbot?sslmode=verify-full", env.DatabaseURL)
}

func TestLoadEnvTreatsEmptyAsUnset(t *testing.T) {
	env, err := loadWith(t, with("LOG_LEVEL", "", "INVITE_CONCURRENCY", "  "))
	require.NoError(t, err)
	assert.Equal(t, "info", env.LogLevel)
	assert.Equal(t, Number(4), env.InviteConcurrency)
}

func TestLoadEnvRejects(t *testing.T) {
	tests := []struct {
		name, value, want string
	}{
		{"SLACK_APP_TOKEN", "", "SLACK_APP_TOKEN is required but not set"},
		{"SLACK_APP_TOKEN", "xoxp-SECRET", "SLACK_APP_TOKEN must start with xapp-"},
		{"SLACK_APP_TOKEN", "xoxb-SECRET", "SLACK_APP_TOKEN must start with xapp-, not xoxb-; is it swapped with SLACK_BOT_TOKEN?"},
		{"SLACK_BOT_TOKEN", "xapp-SECRET", "SLACK_BOT_TOKEN must start with xoxb-, not xapp-; is it swapped with SLACK_APP_TOKEN?"},
		{"SLACK_BOT_TOKEN", "xoxb-SECRET token", "SLACK_BOT_TOKEN contains whitespace; paste the token again"},
		{"APPLIVERY_API_TOKEN", " ", "APPLIVERY_API_TOKEN is required but not set"},
		{"APPLIVERY_ORGANIZATION", "acme/other", `APPLIVERY_ORGANIZATION must be the workspace slug (letters, digits, '.', '_' or '-'), got "acme/other"`},
		{"SLACK_API_URL", "slack.com/api", "SLACK_API_URL must be an absolute http:// or https:// URL"},
		{"SLACK_API_URL", "ftp://slack.com/api/", "SLACK_API_URL must be an absolute http:// or https:// URL"},
		{"APPLIVERY_API_URL", "https://api.applivery.io?x=1", "APPLIVERY_API_URL must not have a query (?...) or fragment (#...)"},
		{"LOG_LEVEL", "verbose", `LOG_LEVEL must be one of debug, info, warn, error, got "verbose"`},
		{"LOG_FORMAT", "logfmt", `LOG_FORMAT must be one of json, text, got "logfmt"`},
		{"QA_LEADS_CACHE_TTL", "0s", "QA_LEADS_CACHE_TTL must be a positive duration such as 30s, 5m or 7d, got 0s"},
		{"APPLIVERY_TIMEOUT", "-1s", "APPLIVERY_TIMEOUT must be a positive duration such as 30s, 5m or 7d, got -1s"},
		{"REQUEST_TTL", "91d", "REQUEST_TTL must be between 1h0m0s and 90d, got 91d"},
		{"MAX_EMAILS_PER_REQUEST", "0", "MAX_EMAILS_PER_REQUEST must be between 1 and 1000, got 0"},
		{"MAX_EMAILS_PER_REQUEST", "1001", "MAX_EMAILS_PER_REQUEST must be between 1 and 1000, got 1001"},
		{"INVITE_CONCURRENCY", "33", "INVITE_CONCURRENCY must be between 1 and 32, got 33"},
		{"MAX_COMMAND_BYTES", "-5", "MAX_COMMAND_BYTES must be between 1 and 1048576, got -5"},
		{"HTTP_ADDR", "8080", `HTTP_ADDR must be a listen address such as :8080 or 127.0.0.1:8080, got "8080"`},
		{"DATABASE_URL", "mysql://bot:SECRET@db/testerbot", "DATABASE_URL must be a postgres:// or postgresql:// URL"},
		{"DATABASE_URL", "/data/SECRET.db", "DATABASE_URL must be a postgres:// or postgresql:// URL"},
		{"DATABASE_URL", "postgres://bot:SECRET@db:5432/x%zz", "DATABASE_URL is not a valid URL; percent-encode special characters in the user name and password"},
		{"DATABASE_URL", "postgres://bot:SEC@RET@127.0.0.1:5432/testerbot", "DATABASE_URL has an unencoded @ in its user name or password; percent-encode it (@ is %40) and any other special character"},
		{"DATABASE_URL", "postgresql://bot:SECRET@@db/testerbot?x=a@b", "DATABASE_URL has an unencoded @ in its user name or password; percent-encode it (@ is %40) and any other special character"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			env, err := loadWith(t, with(tt.name, tt.value))
			assert.Nil(t, env)
			assert.Equal(t, []string{tt.want}, problemsOf(t, err))
			assert.NotContains(t, err.Error(), "SECRET")
		})
	}
}

// A value envconfig cannot convert stops its reading: what was read before it is still
// checked, and the problem says the rest was not read.
func TestLoadStopsAtAValueEnvconfigCannotConvert(t *testing.T) {
	for _, tt := range []struct{ name, value, want string }{
		{"QA_LEADS_CACHE_TTL", "5", `QA_LEADS_CACHE_TTL must be a duration such as 30s, 5m, 12h or 7d, got "5"`},
		{"SHUTDOWN_TIMEOUT", "soon", `SHUTDOWN_TIMEOUT must be a duration such as 30s, 5m, 12h or 7d, got "soon"`},
		{"INVITE_CONCURRENCY", "four", `INVITE_CONCURRENCY must be a whole number, got "four"`},
	} {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			vars := with(tt.name, tt.value, "LOG_FORMAT", "xml")
			delete(vars, "APPLIVERY_ORGANIZATION")
			_, err := loadWith(t, vars)
			assert.Equal(t, []string{
				tt.want,
				"the variables after " + tt.name + " were not read: fix it and run again to check them",
				"APPLIVERY_ORGANIZATION is required but not set",
				`LOG_FORMAT must be one of json, text, got "xml"`,
			}, problemsOf(t, err))
		})
	}
}

func TestLoadEnvReportsEveryProblemAtOnce(t *testing.T) {
	_, err := loadWith(t, map[string]string{
		"SLACK_BOT_TOKEN":    "SECRET-without-prefix",
		"LOG_FORMAT":         "xml",
		"INVITE_CONCURRENCY": "0",
	})
	assert.Equal(t, `environment configuration is invalid:
  - SLACK_APP_TOKEN is required but not set
  - SLACK_BOT_TOKEN must start with xoxb-
  - APPLIVERY_API_TOKEN is required but not set
  - APPLIVERY_ORGANIZATION is required but not set
  - LOG_FORMAT must be one of json, text, got "xml"
  - INVITE_CONCURRENCY must be between 1 and 32, got 0`, err.Error())
}

func TestSlogLevel(t *testing.T) {
	for level, want := range map[string]slog.Level{
		"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError,
	} {
		env, err := loadWith(t, with("LOG_LEVEL", level))
		require.NoError(t, err)
		assert.Equal(t, want, env.SlogLevel(), level)
	}
	assert.Equal(t, slog.LevelInfo, (&Env{}).SlogLevel(), "an Env built by hand falls back to info")
}

// Every field of Env is filled by exactly one variable: with each one set, no field is left at
// its zero value.
func TestEveryFieldHasOneVariable(t *testing.T) {
	env, err := loadWith(t, with("DATABASE_URL", "postgres://bot@db/testerbot"))
	require.NoError(t, err)
	names := map[string]bool{}
	for _, v := range variables(env) {
		assert.False(t, v.field.IsZero(), "no variable fills %s", v.name)
		assert.False(t, names[v.name], "%s fills two fields", v.name)
		names[v.name] = true
	}
	assert.Len(t, names, reflect.TypeFor[Env]().NumField()-1+reflect.TypeFor[AppliveryEnv]().NumField())
}

func TestEveryVariableIsDescribedAndEitherMandatoryOrDefaulted(t *testing.T) {
	var secrets []string
	for _, v := range variables(&Env{}) {
		assert.Regexp(t, `^[A-Z][A-Z_]+$`, v.name)
		assert.NotEmpty(t, v.tags.Get("desc"), v.name)
		assert.Empty(t, v.tags.Get("required"), "%s: envconfig would stop at the first missing variable", v.name)
		if v.tags.Get("secret") == "true" {
			secrets = append(secrets, v.name)
		}
		mandatory, def := v.tags.Get("mandatory") == "true", v.tags.Get("default")
		if v.name == "DATABASE_URL" {
			// The one optional variable without a default: unset selects SQLite.
			assert.False(t, mandatory)
			assert.Empty(t, def)
			continue
		}
		assert.True(t, mandatory != (def != ""), "%s must be either mandatory or defaulted", v.name)
	}
	assert.Equal(t, []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "APPLIVERY_API_TOKEN", "DATABASE_URL"}, secrets)
}

func TestDefaultsPassTheirOwnRules(t *testing.T) {
	env := Defaults()
	var problems problemList
	checkVariables(variables(env), env.rules(), &problems)
	assert.Equal(t, []string{
		"SLACK_APP_TOKEN is required but not set", "SLACK_BOT_TOKEN is required but not set",
		"APPLIVERY_API_TOKEN is required but not set", "APPLIVERY_ORGANIZATION is required but not set",
	}, problemsOf(t, problems.err("defaults")))
}

func TestUsageListsEveryVariable(t *testing.T) {
	var b strings.Builder
	require.NoError(t, Usage(&b))
	usage := b.String()
	for _, v := range variables(&Env{}) {
		assert.Contains(t, usage, v.name)
		assert.Contains(t, usage, v.tags.Get("desc"))
	}
	assert.Regexp(t, `(?m)^SLACK_APP_TOKEN +\(required\) +Slack app-level token`, usage)
	assert.Regexp(t, `(?m)^INVITE_CONCURRENCY +4 +Applivery invitations`, usage)
	assert.Regexp(t, `(?m)^REQUEST_TTL +7d +how long`, usage)
	assert.Regexp(t, `(?m)^DATABASE_URL +PostgreSQL URL`, usage)
}

func TestEnvPrintsWithoutSecrets(t *testing.T) {
	env, err := loadWith(t, with("DATABASE_URL", "postgres://bot:SECRET-db@db/testerbot"))
	require.NoError(t, err)

	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("starting", "config", env)
	outputs := map[string]string{
		"%v": fmt.Sprintf("%v", env), "%+v": fmt.Sprintf("%+v", *env), "%#v": fmt.Sprintf("%#v", env),
		"slog": logged.String(),
	}
	for how, out := range outputs {
		assert.NotContains(t, out, "SECRET", how)
		assert.Contains(t, out, "acme", how)
		assert.Contains(t, out, redacted, how)
	}
	assert.Contains(t, logged.String(), `"SLACK_BOT_TOKEN":"[redacted]"`)
	assert.Contains(t, logged.String(), `"DATABASE_URL":"[redacted]"`)
}

// An @ in a query parameter or a percent-encoded one in the password is fine.
func TestLoadEnvTakesAnEncodedAtInTheDatabaseURL(t *testing.T) {
	for _, raw := range []string{"postgres://bot:p%40ss@db/testerbot", "postgres://bot@db/testerbot?application_name=a@b"} {
		_, err := loadWith(t, with("DATABASE_URL", raw))
		assert.NoError(t, err, raw)
	}
}
