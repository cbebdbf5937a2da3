package config

import (
	"reflect"
	"slices"
	"strings"
)

// LoadEnv reads and validates the environment through lookup, which is
// os.LookupEnv in production and a map in tests (so tests never touch the
// real process environment).
//
// Values are trimmed of surrounding whitespace, because secrets mounted from
// files often carry a trailing newline. An empty value counts as unset, so
// `LOG_LEVEL=` in an env file means "use the default". Every missing or
// malformed variable is reported in one *Problems error; secret values never
// appear in it.
//
// envconfig.Process itself is not used: it reads the real environment and
// stops at the first error. The tags keep envconfig's meaning, though.
func LoadEnv(lookup func(string) (string, bool)) (*Env, error) {
	return loadEnv(lookup, nil)
}

// appliveryVars are the variables needed to talk to Applivery.
var appliveryVars = []string{"APPLIVERY_API_TOKEN", "APPLIVERY_ORGANIZATION", "APPLIVERY_API_URL", "APPLIVERY_TIMEOUT"}

// LoadAppliveryEnv is LoadEnv for commands that only talk to Applivery,
// such as `testerbot stores`, which an admin runs before Slack or the
// mapping file are set up. It reads and checks APPLIVERY_API_TOKEN,
// APPLIVERY_ORGANIZATION, APPLIVERY_API_URL and APPLIVERY_TIMEOUT only,
// reporting problems with no other variable, and leaves every other field of
// the Env at its zero value.
func LoadAppliveryEnv(lookup func(string) (string, bool)) (*Env, error) {
	return loadEnv(lookup, appliveryVars)
}

// loadEnv reads the variables named in only, or all of them when only is
// nil.
func loadEnv(lookup func(string) (string, bool), only []string) (*Env, error) {
	var env Env
	var problems problemList
	value := reflect.ValueOf(&env).Elem()
	for _, f := range envFields() {
		if only != nil && !slices.Contains(only, f.name) {
			continue
		}
		msg := loadField(value.Field(f.index), f, lookup)
		if rule := envRules[f.name]; msg == "" && rule != nil {
			if detail := rule(&env); detail != "" {
				msg = f.name + " " + detail
			}
		}
		if msg != "" {
			problems.add(0, "%s", msg)
		}
	}
	if err := problems.err("environment configuration"); err != nil {
		return nil, err
	}
	return &env, nil
}

// loadField fills one field from its variable or default and returns a
// problem sentence, or "" when the field is fine.
func loadField(field reflect.Value, f envField, lookup func(string) (string, bool)) string {
	raw, _ := lookup(f.name)
	raw = strings.TrimSpace(raw)
	if raw == "" {
		raw = f.def
	}
	if raw == "" {
		if f.required {
			return f.name + " is required but not set"
		}
		return ""
	}
	if err := setField(field, raw); err != nil {
		if f.secret {
			return f.name + " must be " + parseHint(field)
		}
		return f.name + " must be " + parseHint(field) + ", got " + quote(raw)
	}
	return ""
}
