package config

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kelseyhightower/envconfig"
)

// Env is the process configuration read from environment variables by envconfig. Each field's
// `envconfig` tag names its variable, `default` is used when the variable is unset or blank,
// and `desc` is what help says about it.
//
// Two tags are this package's own. `secret` values are never printed, logged or echoed in a
// problem. `mandatory` variables must be set; they are not tagged `required`, because envconfig
// stops at the first missing one, and Load reports every problem at once.
type Env struct {
	SlackAppToken string `envconfig:"SLACK_APP_TOKEN" mandatory:"true" secret:"true" desc:"Slack app-level token (xapp-...) with connections:write, used to open the Socket Mode connection"`
	SlackBotToken string `envconfig:"SLACK_BOT_TOKEN" mandatory:"true" secret:"true" desc:"Slack bot token (xoxb-...) used for Web API calls such as posting replies"`
	AppliveryEnv
	ChannelsFile         string   `envconfig:"CHANNELS_FILE" default:"channels.yaml" desc:"path of the YAML file mapping Slack channels to Applivery stores and apps"`
	SlackAPIURL          string   `envconfig:"SLACK_API_URL" default:"https://slack.com/api/" desc:"Slack Web API base URL (a trailing / is added); change it only to point the bot at a fake Slack in tests"`
	LogLevel             string   `envconfig:"LOG_LEVEL" default:"info" desc:"minimum log level: debug, info, warn or error"`
	LogFormat            string   `envconfig:"LOG_FORMAT" default:"json" desc:"log output format: json or text"`
	QALeadsCacheTTL      Duration `envconfig:"QA_LEADS_CACHE_TTL" default:"5m" desc:"how long QA lead user group memberships are cached"`
	MaxEmailsPerRequest  Number   `envconfig:"MAX_EMAILS_PER_REQUEST" default:"100" desc:"most email addresses accepted in one /invite-tester command (1-1000)"`
	InviteConcurrency    Number   `envconfig:"INVITE_CONCURRENCY" default:"4" desc:"Applivery invitations sent in parallel per command (1-32)"`
	AppliveryMaxInFlight Number   `envconfig:"APPLIVERY_MAX_IN_FLIGHT" default:"8" desc:"most Applivery requests in flight at once across all the work of this process (1-64)"`
	RequestTTL           Duration `envconfig:"REQUEST_TTL" default:"7d" desc:"how long a request for testers waits for a QA lead's decision before it expires (1h-90d)"`
	MaxOpenRequests      Number   `envconfig:"MAX_OPEN_REQUESTS" default:"5" desc:"most requests for testers one person may have waiting for the QA leads at once (1-100)"`
	LeaseTTL             Duration `envconfig:"LEASE_TTL" default:"30s" desc:"how long an unfinished invite waits for a process that stopped renewing it before another takes it over (5s-10m)"`
	MaxCommandBytes      Number   `envconfig:"MAX_COMMAND_BYTES" default:"8000" desc:"longest /invite-tester command text accepted, in bytes"`
	AuditDB              string   `envconfig:"AUDIT_DB" default:"invites.db" desc:"path of the SQLite database recording every invitation, used when DATABASE_URL is unset; its folder must be writable by the bot (uid 65532 in the image)"`
	DatabaseURL          string   `envconfig:"DATABASE_URL" secret:"true" desc:"PostgreSQL URL (postgres://user:password@host:5432/testerbot) for a database shared by several replicas; unset means the SQLite file AUDIT_DB"`
	SlackConnections     Number   `envconfig:"SLACK_CONNECTIONS" default:"2" desc:"Socket Mode connections this process holds, so that one being refreshed by Slack leaves another serving (1-10; Slack allows 10 per app across every replica)"`
	SlackMinute          Duration `envconfig:"SLACK_MINUTE" default:"1m" desc:"the minute of Slack's rate limits, by which the bot paces its messages (one post a second per channel, 50 edits a minute); shorter only against a test Slack"`
	ShutdownTimeout      Duration `envconfig:"SHUTDOWN_TIMEOUT" default:"25s" desc:"grace period for in-flight commands after SIGTERM; give the container longer to stop"`
	HTTPAddr             string   `envconfig:"HTTP_ADDR" default:":8080" desc:"listen address of the health and metrics HTTP server"`
}

// AppliveryEnv is what talking to Applivery needs, and all that `testerbot stores` reads, so an
// admin can list the stores before Slack or the mapping file are set up. Env embeds it.
type AppliveryEnv struct {
	AppliveryAPIToken     string   `envconfig:"APPLIVERY_API_TOKEN" mandatory:"true" secret:"true" desc:"Applivery service account API token; see the permissions below"`
	AppliveryOrganization string   `envconfig:"APPLIVERY_ORGANIZATION" mandatory:"true" desc:"Applivery workspace (organization) slug, as it appears in dashboard URLs"`
	AppliveryAPIURL       string   `envconfig:"APPLIVERY_API_URL" default:"https://api.applivery.io" desc:"Applivery API base URL (a trailing / is removed); change it only to point the bot at a fake Applivery in tests"`
	AppliveryTimeout      Duration `envconfig:"APPLIVERY_TIMEOUT" default:"10s" desc:"timeout for one Applivery API request"`
}

// Load reads and checks the process environment. envconfig fills the Env; then every missing
// or malformed variable is reported in one *Problems error, and secret values never appear in
// it. Values are trimmed of surrounding whitespace, because secrets mounted from files often
// carry a trailing newline, and a blank value counts as unset, so `LOG_LEVEL=` in an env file
// means "use the default".
//
// A value envconfig cannot convert at all (a duration such as "soon") stops its reading there:
// the problem names that variable and the variables before it, and says that those after it
// were not read.
func Load() (*Env, error) {
	var env Env
	if err := load(&env, env.rules); err != nil {
		return nil, err
	}
	return &env, nil
}

// LoadApplivery is Load for commands that only talk to Applivery: it reads and checks the
// APPLIVERY_API_TOKEN, APPLIVERY_ORGANIZATION, APPLIVERY_API_URL and APPLIVERY_TIMEOUT
// variables only, and reports problems with no other.
func LoadApplivery() (*AppliveryEnv, error) {
	var env AppliveryEnv
	if err := load(&env, env.rules); err != nil {
		return nil, err
	}
	return &env, nil
}

// Defaults is the configuration with every default applied and nothing read from the
// environment: a program that builds its Env by hand (an end-to-end test) starts from it, fills
// in the mandatory variables with Set, and calls Validate.
func Defaults() *Env {
	var env Env
	for _, v := range variables(&env) {
		if def := v.tags.Get("default"); def != "" {
			_ = v.decode(def) // the defaults are valid; TestDefaultsPassTheirOwnRules holds them to it
		}
	}
	return &env
}

// Set fills the variable name as Load would from the environment: trimmed, and blank meaning
// its default. It does not check the rules; Validate does.
func (e *Env) Set(name, value string) error {
	for _, v := range variables(e) {
		if v.name == name {
			if strings.TrimSpace(value) == "" {
				value = v.tags.Get("default")
			}
			if err := v.decode(value); err != nil {
				return fmt.Errorf("%s %v", name, err)
			}
			return nil
		}
	}
	return fmt.Errorf("%s is not a testerbot variable", name)
}

// Validate checks every variable against its rules, normalizes the values the rules normalize
// (URLs, letter case), and returns a *Problems listing every mistake, or nil.
func (e *Env) Validate() error {
	var problems problemList
	checkVariables(variables(e), e.rules(), &problems)
	return problems.err("environment configuration")
}

// Names lists every variable Load reads, in the order help shows them.
func Names() []string {
	var names []string
	for _, v := range variables(&Env{}) {
		names = append(names, v.name)
	}
	return names
}

// load fills spec from the process environment through envconfig, then checks it.
func load(spec any, rules func() map[string]func() string) error {
	var problems problemList
	err := envconfig.Process("", spec)
	stoppedAt := ""
	var parseErr *envconfig.ParseError
	switch {
	case errors.As(err, &parseErr):
		stoppedAt = parseErr.KeyName
	case err != nil:
		return err // a programming error: spec is not a struct pointer
	}
	read := variables(spec)
	if i := slices.IndexFunc(read, func(v variable) bool { return v.name == stoppedAt }); stoppedAt != "" && i >= 0 {
		// envconfig filled the fields before i only. Only the Decoders of Duration and Number
		// fail, and their errors quote no secret: secrets are text, which never fails.
		later := read[i+1:]
		read = read[:i]
		problems.add(0, "%s %v", stoppedAt, parseErr.Err)
		if len(later) > 0 {
			problems.add(0, "the variables after %s were not read: fix it and run again to check them", stoppedAt)
		}
	}
	for _, v := range read {
		v.blankMeansDefault()
	}
	checkVariables(read, rules(), &problems)
	return problems.err("environment configuration")
}

// checkVariables applies the mandatory rule and each variable's own rule to vars.
func checkVariables(vars []variable, rules map[string]func() string, problems *problemList) {
	for _, v := range vars {
		if v.field.IsZero() {
			if v.tags.Get("mandatory") == "true" {
				problems.add(0, "%s is required but not set", v.name)
			}
			if v.field.Kind() == reflect.String {
				continue // an unset optional text, such as DATABASE_URL, has nothing to check
			}
		}
		if rule := rules[v.name]; rule != nil {
			if problem := rule(); problem != "" {
				problems.add(0, "%s %s", v.name, problem)
			}
		}
	}
}

// rules are each variable's checks, which may normalize the value. Those of secrets never echo
// the value.
func (e *Env) rules() map[string]func() string {
	rules := e.AppliveryEnv.rules()
	for name, rule := range map[string]func() string{
		"SLACK_APP_TOKEN":         func() string { return token(&e.SlackAppToken, "xapp-", "xoxb-", "SLACK_BOT_TOKEN") },
		"SLACK_BOT_TOKEN":         func() string { return token(&e.SlackBotToken, "xoxb-", "xapp-", "SLACK_APP_TOKEN") },
		"SLACK_API_URL":           func() string { return baseURL(&e.SlackAPIURL, withTrailingSlash) },
		"LOG_LEVEL":               func() string { return oneOf(&e.LogLevel, "debug", "info", "warn", "error") },
		"LOG_FORMAT":              func() string { return oneOf(&e.LogFormat, "json", "text") },
		"QA_LEADS_CACHE_TTL":      func() string { return positive(e.QALeadsCacheTTL) },
		"MAX_EMAILS_PER_REQUEST":  func() string { return between(e.MaxEmailsPerRequest, 1, 1000) },
		"INVITE_CONCURRENCY":      func() string { return between(e.InviteConcurrency, 1, 32) },
		"APPLIVERY_MAX_IN_FLIGHT": func() string { return between(e.AppliveryMaxInFlight, 1, 64) },
		"REQUEST_TTL":             func() string { return between(e.RequestTTL, Duration(time.Hour), Duration(90*24*time.Hour)) },
		"MAX_OPEN_REQUESTS":       func() string { return between(e.MaxOpenRequests, 1, 100) },
		"LEASE_TTL":               func() string { return between(e.LeaseTTL, Duration(5*time.Second), Duration(10*time.Minute)) },
		"MAX_COMMAND_BYTES":       func() string { return between(e.MaxCommandBytes, 1, 1<<20) },
		"DATABASE_URL":            func() string { return databaseURL(e.DatabaseURL) },
		"SLACK_CONNECTIONS":       func() string { return between(e.SlackConnections, 1, 10) },
		"SLACK_MINUTE":            func() string { return between(e.SlackMinute, Duration(600*time.Millisecond), Duration(10*time.Minute)) },
		"SHUTDOWN_TIMEOUT":        func() string { return positive(e.ShutdownTimeout) },
		"HTTP_ADDR":               func() string { return listenAddr(e.HTTPAddr) },
	} {
		rules[name] = rule
	}
	return rules
}

func (e *AppliveryEnv) rules() map[string]func() string {
	return map[string]func() string{
		"APPLIVERY_API_TOKEN":    func() string { return token(&e.AppliveryAPIToken, "", "", "") },
		"APPLIVERY_ORGANIZATION": func() string { return slug(e.AppliveryOrganization) },
		"APPLIVERY_API_URL":      func() string { return baseURL(&e.AppliveryAPIURL, withoutTrailingSlash) },
		"APPLIVERY_TIMEOUT":      func() string { return positive(e.AppliveryTimeout) },
	}
}

// variable is one field of an Env (or AppliveryEnv) and the variable that fills it.
type variable struct {
	name  string
	tags  reflect.StructTag
	field reflect.Value // settable
}

// variables lists spec's variables in field order, as envconfig reads them: the fields of an
// embedded struct in its place.
func variables(spec any) []variable {
	s := reflect.ValueOf(spec).Elem()
	var vars []variable
	for i := range s.NumField() {
		f, info := s.Field(i), s.Type().Field(i)
		if info.Anonymous {
			vars = append(vars, variables(f.Addr().Interface())...)
			continue
		}
		vars = append(vars, variable{name: info.Tag.Get("envconfig"), tags: info.Tag, field: f})
	}
	return vars
}

// decode fills the field from raw as envconfig does: through the field's Decoder, or as text.
func (v variable) decode(raw string) error {
	if d, ok := v.field.Addr().Interface().(envconfig.Decoder); ok {
		return d.Decode(raw)
	}
	v.field.SetString(strings.TrimSpace(raw))
	return nil
}

// blankMeansDefault trims a text value, and fills a variable that is set but blank with its
// default, which envconfig only does for unset ones. The Decoders leave a blank value unset.
func (v variable) blankMeansDefault() {
	if v.field.Kind() == reflect.String {
		v.field.SetString(strings.TrimSpace(v.field.String()))
	}
	raw, _ := os.LookupEnv(v.name)
	if def := v.tags.Get("default"); def != "" && strings.TrimSpace(raw) == "" {
		_ = v.decode(def)
	}
}

// Duration is a time.Duration that envconfig reads with its Decoder: Go's forms (30s, 5m,
// 1h30m) and whole days (7d, 1d12h), as the README and the bot's "for 14d" write them.
type Duration time.Duration

// daysPrefix is a whole number of days at the start of a duration.
var daysPrefix = regexp.MustCompile(`^(\d{1,5})d`)

// Decode implements envconfig.Decoder. A blank value leaves d unset, for its default.
func (d *Duration) Decode(raw string) error {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil
	}
	parsed, err := parseDuration(raw)
	if err != nil {
		return fmt.Errorf("must be a duration such as 30s, 5m, 12h or 7d, got %s", quote(raw))
	}
	*d = Duration(parsed)
	return nil
}

func parseDuration(raw string) (time.Duration, error) {
	var days time.Duration
	if m := daysPrefix.FindStringSubmatch(raw); m != nil {
		n, _ := strconv.Atoi(m[1]) // at most five digits
		days, raw = time.Duration(n)*24*time.Hour, raw[len(m[0]):]
		if raw == "" {
			return days, nil
		}
	}
	rest, err := time.ParseDuration(raw)
	if err != nil || (days > 0 && rest < 0) {
		return 0, errors.New("not a duration")
	}
	return days + rest, nil
}

// D is the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String writes whole days as days (7d), as they are written in the environment.
func (d Duration) String() string {
	const day = 24 * time.Hour
	if t := time.Duration(d); t >= day && t%day == 0 {
		return strconv.FormatInt(int64(t/day), 10) + "d"
	}
	return time.Duration(d).String()
}

// Number is a whole number that envconfig reads with its Decoder: in base 10 only ("010" is
// ten, not octal eight, as envconfig's own int would read it), and trimmed.
type Number int

// Decode implements envconfig.Decoder. A blank value leaves n unset, for its default.
func (n *Number) Decode(raw string) error {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil
	}
	v, err := strconv.Atoi(raw)
	if err != nil {
		return fmt.Errorf("must be a whole number, got %s", quote(raw))
	}
	*n = Number(v)
	return nil
}

// Usage writes the variables as an aligned table for help, through envconfig's own usage
// writer: name, default (or "(required)") and description.
func Usage(w io.Writer) error {
	table := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	const format = "Environment variables:\n\nNAME\tDEFAULT\tDESCRIPTION\n" +
		`{{range .}}{{usage_key .}}` + "\t" + `{{if eq (.Tags.Get "mandatory") "true"}}(required){{else}}{{usage_default .}}{{end}}` +
		"\t{{usage_description .}}\n{{end}}"
	if err := envconfig.Usagef("", &Env{}, table, format); err != nil {
		return err
	}
	return table.Flush()
}

// SlogLevel converts LogLevel for slog.HandlerOptions. Load has already rejected unknown
// levels, so the Info fallback only matters for an Env built by hand.
func (e *Env) SlogLevel() slog.Level {
	var level slog.Level
	if err := level.UnmarshalText([]byte(e.LogLevel)); err != nil {
		return slog.LevelInfo
	}
	return level
}

const redacted = "[redacted]"

// LogValue lets slog print an Env (e.g. at startup) with secrets hidden.
func (e Env) LogValue() slog.Value {
	var attrs []slog.Attr
	for _, v := range variables(&e) {
		attrs = append(attrs, slog.String(v.name, v.visible()))
	}
	return slog.GroupValue(attrs...)
}

// String keeps fmt's %v and %+v from printing secrets.
func (e Env) String() string {
	var b strings.Builder
	b.WriteString("{")
	for i, v := range variables(&e) {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s=%s", v.name, v.visible())
	}
	b.WriteString("}")
	return b.String()
}

// GoString keeps fmt's %#v from printing secrets.
func (e Env) GoString() string { return "config.Env" + e.String() }

// visible is the variable's printable value: a secret shows only whether it is set.
func (v variable) visible() string {
	value := fmt.Sprint(v.field.Interface())
	if v.tags.Get("secret") == "true" && value != "" {
		return redacted
	}
	return value
}

// The rules below check one value each and, where harmless, normalize it. Each returns what is
// wrong as the rest of a sentence that starts with the variable's name, or "". Those for
// secrets never echo the value.

// token verifies a secret's shape. swapPrefix and swapName catch the classic mistake of
// pasting the app token into the bot token variable and vice versa.
func token(token *string, prefix, swapPrefix, swapName string) string {
	if strings.ContainsFunc(*token, isSpace) {
		return "contains whitespace; paste the token again"
	}
	if prefix == "" || strings.HasPrefix(*token, prefix) {
		return ""
	}
	if strings.HasPrefix(*token, swapPrefix) {
		return fmt.Sprintf("must start with %s, not %s; is it swapped with %s?", prefix, swapPrefix, swapName)
	}
	return "must start with " + prefix
}

func isSpace(r rune) bool { return strings.ContainsRune(" \t\r\n\v\f", r) }

// slugPattern keeps the organization safe to place in a URL path unescaped.
var slugPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

func slug(s string) string {
	if s == "" || slugPattern.MatchString(s) {
		return "" // unset is the mandatory rule's to report
	}
	return "must be the workspace slug (letters, digits, '.', '_' or '-'), got " + quote(s)
}

type slashPolicy bool

const (
	withTrailingSlash    slashPolicy = true
	withoutTrailingSlash slashPolicy = false
)

// baseURL requires an absolute http(s) URL without query or fragment, because clients append
// paths to it, and fixes the trailing slash so that appending is predictable. The value is not
// echoed since URLs can carry credentials.
func baseURL(raw *string, slash slashPolicy) string {
	u, err := url.Parse(*raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "must be an absolute http:// or https:// URL"
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "must not have a query (?...) or fragment (#...)"
	}
	trimmed := strings.TrimRight(*raw, "/")
	if slash == withTrailingSlash {
		trimmed += "/"
	}
	*raw = trimmed
	return ""
}

// databaseURL accepts PostgreSQL's URI form, the only form the store opens (pgx reads exactly
// these two prefixes as a URI). The value is never echoed: it usually holds a password.
func databaseURL(raw string) string {
	if raw == "" {
		return "" // unset: the SQLite file AUDIT_DB
	}
	if !strings.HasPrefix(raw, "postgres://") && !strings.HasPrefix(raw, "postgresql://") {
		return "must be a postgres:// or postgresql:// URL"
	}
	if _, err := url.Parse(raw); err != nil {
		return "is not a valid URL; percent-encode special characters in the user name and password"
	}
	if strings.Count(authority(raw), "@") > 1 {
		// pgx would take what follows the first @ as the host and name it in its error.
		return "has an unencoded @ in its user name or password; percent-encode it (@ is %40) and any other special character"
	}
	return ""
}

// authority is the user, password, host and port of a URL: what lies between "://" and the
// path, query or fragment.
func authority(raw string) string {
	_, rest, _ := strings.Cut(raw, "://")
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// oneOf accepts any letter case and stores the lower-case form.
func oneOf(value *string, allowed ...string) string {
	lower := strings.ToLower(*value)
	if !slices.Contains(allowed, lower) {
		return fmt.Sprintf("must be one of %s, got %s", strings.Join(allowed, ", "), quote(*value))
	}
	*value = lower
	return ""
}

func listenAddr(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		if n, convErr := strconv.Atoi(port); convErr == nil && n >= 0 && n <= 65535 {
			return ""
		}
	}
	return "must be a listen address such as :8080 or 127.0.0.1:8080, got " + quote(addr)
}

func positive(d Duration) string {
	if d > 0 {
		return ""
	}
	return "must be a positive duration such as 30s, 5m or 7d, got " + d.String()
}

// between accepts lowest to highest, both included.
func between[T interface {
	cmp.Ordered
	fmt.Stringer
}](v, lowest, highest T) string {
	if v >= lowest && v <= highest {
		return ""
	}
	return fmt.Sprintf("must be between %v and %v, got %v", lowest, highest, v)
}

// String prints the number in base 10.
func (n Number) String() string { return strconv.Itoa(int(n)) }
