package config

import (
	"strings"
	"text/tabwriter"

	"github.com/kelseyhightower/envconfig"
)

// EnvVar describes one environment variable, for README tables and --help.
type EnvVar struct {
	Name        string
	Default     string // "" when there is none
	Required    bool
	Secret      bool // never print its value
	Description string
}

// EnvVars lists every variable LoadEnv reads, in declaration order.
func EnvVars() []EnvVar {
	fields := envFields()
	vars := make([]EnvVar, len(fields))
	for i, f := range fields {
		vars[i] = EnvVar{Name: f.name, Default: f.def, Required: f.required, Secret: f.secret, Description: f.description}
	}
	return vars
}

// usageFormat is an envconfig usage template: one aligned row per variable.
const usageFormat = `Environment variables:

NAME	DEFAULT	DESCRIPTION
{{range .}}{{usage_key .}}	{{if usage_required .}}(required){{else}}{{usage_default .}}{{end}}	{{usage_description .}}
{{end}}`

// EnvUsage renders the variables as an aligned text table for --help,
// letting envconfig walk the same tags LoadEnv reads.
func EnvUsage() string {
	var b strings.Builder
	table := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	if err := envconfig.Usagef("", &Env{}, table, usageFormat); err != nil {
		// Only a broken template or tag can fail, and the tests render it.
		panic("config: rendering environment usage: " + err.Error())
	}
	_ = table.Flush() // writes to a strings.Builder cannot fail
	return b.String()
}
