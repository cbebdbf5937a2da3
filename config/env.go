package config

import (
	"cmp"
	"fmt"
	"iter"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Env is the process configuration read from environment variables. Each
// field is filled from the variable named beside it; EnvUsage describes
// them.
type Env struct {
	SlackAppToken         string        // SLACK_APP_TOKEN (secret)
	SlackBotToken         string        // SLACK_BOT_TOKEN (secret)
	AppliveryAPIToken     string        // APPLIVERY_API_TOKEN (secret)
	AppliveryOrganization string        // APPLIVERY_ORGANIZATION
	ChannelsFile          string        // CHANNELS_FILE
	SlackAPIURL           string        // SLACK_API_URL, always ending with /
	AppliveryAPIURL       string        // APPLIVERY_API_URL, never ending with /
	LogLevel              string        // LOG_LEVEL: debug, info, warn or error
	LogFormat             string        // LOG_FORMAT: json or text
	QALeadsCacheTTL       time.Duration // QA_LEADS_CACHE_TTL
	MaxEmailsPerRequest   int           // MAX_EMAILS_PER_REQUEST
	InviteConcurrency     int           // INVITE_CONCURRENCY
	AppliveryMaxInFlight  int           // APPLIVERY_MAX_IN_FLIGHT
	RequestTTL            time.Duration // REQUEST_TTL
	MaxOpenRequests       int           // MAX_OPEN_REQUESTS
	LeaseTTL              time.Duration // LEASE_TTL
	MaxCommandBytes       int           // MAX_COMMAND_BYTES
	AuditDB               string        // AUDIT_DB
	DatabaseURL           string        // DATABASE_URL (secret); "" means the SQLite file AuditDB
	AppliveryTimeout      time.Duration // APPLIVERY_TIMEOUT
	ShutdownTimeout       time.Duration // SHUTDOWN_TIMEOUT
	HTTPAddr              string        // HTTP_ADDR
	SlackMinute           time.Duration // SLACK_MINUTE
}

// envVar is one environment variable: its name, what help says about it,
// and the field of an Env it fills.
type envVar struct {
	name     string
	def      string // used when the variable is unset or empty; "" when there is none
	required bool
	secret   bool // never printed, logged or echoed in a problem
	desc     string
	field    envField
}

// envVars lists every variable, in the order help shows them, each bound to
// its field of e. The list is the one place to edit when a variable is
// added: loading, help and printing all read it.
func envVars(e *Env) []envVar {
	return []envVar{
		{name: "SLACK_APP_TOKEN", required: true, secret: true, field: text(&e.SlackAppToken, token("xapp-", "xoxb-", "SLACK_BOT_TOKEN")),
			desc: "Slack app-level token (xapp-...) with connections:write, used to open the Socket Mode connection"},
		{name: "SLACK_BOT_TOKEN", required: true, secret: true, field: text(&e.SlackBotToken, token("xoxb-", "xapp-", "SLACK_APP_TOKEN")),
			desc: "Slack bot token (xoxb-...) used for Web API calls such as posting replies"},
		{name: "APPLIVERY_API_TOKEN", required: true, secret: true, field: text(&e.AppliveryAPIToken, token("", "", "")),
			desc: "Applivery service account API token allowed to create OTP users"},
		{name: "APPLIVERY_ORGANIZATION", required: true, field: text(&e.AppliveryOrganization, slug),
			desc: "Applivery workspace (organization) slug, as it appears in dashboard URLs"},
		{name: "CHANNELS_FILE", def: "channels.yaml", field: text(&e.ChannelsFile, nil),
			desc: "path of the YAML file mapping Slack channels to Applivery stores and apps"},
		{name: "SLACK_API_URL", def: "https://slack.com/api/", field: text(&e.SlackAPIURL, baseURL(withTrailingSlash)),
			desc: "Slack Web API base URL (always ends with /); override only for tests"},
		{name: "APPLIVERY_API_URL", def: "https://api.applivery.io", field: text(&e.AppliveryAPIURL, baseURL(withoutTrailingSlash)),
			desc: "Applivery API base URL (trailing / removed); override only for tests"},
		{name: "LOG_LEVEL", def: "info", field: text(&e.LogLevel, oneOf("debug", "info", "warn", "error")),
			desc: "minimum log level: debug, info, warn or error"},
		{name: "LOG_FORMAT", def: "json", field: text(&e.LogFormat, oneOf("json", "text")),
			desc: "log output format: json or text"},
		{name: "QA_LEADS_CACHE_TTL", def: "5m", field: duration(&e.QALeadsCacheTTL, positive),
			desc: "how long QA lead user group memberships are cached"},
		{name: "MAX_EMAILS_PER_REQUEST", def: "100", field: integer(&e.MaxEmailsPerRequest, between(1, 1000)),
			desc: "most email addresses accepted in one /invite-tester command (1-1000)"},
		{name: "INVITE_CONCURRENCY", def: "4", field: integer(&e.InviteConcurrency, between(1, 32)),
			desc: "Applivery invitations sent in parallel per command (1-32)"},
		{name: "APPLIVERY_MAX_IN_FLIGHT", def: "8", field: integer(&e.AppliveryMaxInFlight, between(1, 64)),
			desc: "most Applivery requests in flight at once across all the work of this process (1-64)"},
		{name: "REQUEST_TTL", def: "168h", field: duration(&e.RequestTTL, between(time.Hour, 90*24*time.Hour)),
			desc: "how long a request for testers waits for a QA lead's decision before it expires (1h-90 days)"},
		{name: "MAX_OPEN_REQUESTS", def: "5", field: integer(&e.MaxOpenRequests, between(1, 100)),
			desc: "most requests for testers one person may have waiting for the QA leads at once (1-100)"},
		{name: "LEASE_TTL", def: "30s", field: duration(&e.LeaseTTL, between(5*time.Second, 10*time.Minute)),
			desc: "how long an unfinished invite waits for a process that stopped renewing it before another takes it over (5s-10m)"},
		{name: "MAX_COMMAND_BYTES", def: "8000", field: integer(&e.MaxCommandBytes, between(1, 1<<20)),
			desc: "longest /invite-tester command text accepted, in bytes"},
		{name: "AUDIT_DB", def: "invites.db", field: text(&e.AuditDB, nil),
			desc: "path of the SQLite database recording every invitation, used when DATABASE_URL is unset"},
		{name: "DATABASE_URL", secret: true, field: text(&e.DatabaseURL, databaseURL),
			desc: "PostgreSQL URL (postgres://user:password@host:5432/testerbot) for a database shared by several replicas; unset means the SQLite file AUDIT_DB"},
		{name: "APPLIVERY_TIMEOUT", def: "10s", field: duration(&e.AppliveryTimeout, positive),
			desc: "timeout for one Applivery API request"},
		{name: "SLACK_MINUTE", def: "1m", field: duration(&e.SlackMinute, between(600*time.Millisecond, 10*time.Minute)),
			desc: "the minute of Slack's rate limits, by which the bot paces its messages (one post a second per channel, 50 edits a minute); shorter only against a test Slack"},
		{name: "SHUTDOWN_TIMEOUT", def: "25s", field: duration(&e.ShutdownTimeout, positive),
			desc: "grace period for in-flight commands after SIGTERM"},
		{name: "HTTP_ADDR", def: ":8080", field: text(&e.HTTPAddr, listenAddr),
			desc: "listen address of the health and metrics HTTP server"},
	}
}

// LoadEnv reads and validates the environment through lookup, which is
// os.LookupEnv in production and a map in tests (so tests never touch the
// real process environment).
//
// Values are trimmed of surrounding whitespace, because secrets mounted from
// files often carry a trailing newline. An empty value counts as unset, so
// `LOG_LEVEL=` in an env file means "use the default". Every missing or
// malformed variable is reported in one *Problems error; secret values never
// appear in it.
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
	for _, v := range envVars(&env) {
		if only != nil && !slices.Contains(only, v.name) {
			continue
		}
		if problem := v.load(lookup); problem != "" {
			problems.add(0, "%s %s", v.name, problem)
		}
	}
	if err := problems.err("environment configuration"); err != nil {
		return nil, err
	}
	return &env, nil
}

// load fills the variable's field from lookup, or else from its default,
// and says what is wrong with the value, or "".
func (v envVar) load(lookup func(string) (string, bool)) string {
	raw, _ := lookup(v.name)
	raw = strings.TrimSpace(raw)
	if raw == "" {
		raw = v.def
	}
	if raw == "" {
		if v.required {
			return "is required but not set"
		}
		return ""
	}
	return v.field.set(raw, !v.secret)
}

// EnvUsage renders the variables as an aligned text table for --help.
func EnvUsage() string {
	var b strings.Builder
	table := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprint(table, "Environment variables:\n\nNAME\tDEFAULT\tDESCRIPTION\n")
	for _, v := range envVars(&Env{}) {
		def := v.def
		if v.required {
			def = "(required)"
		}
		fmt.Fprintf(table, "%s\t%s\t%s\n", v.name, def, v.desc)
	}
	_ = table.Flush() // writes to a strings.Builder cannot fail
	return b.String()
}

// SlogLevel converts LogLevel for slog.HandlerOptions. LoadEnv has already
// rejected unknown levels, so the Info fallback only matters for an Env built
// by hand.
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
	for name, value := range e.visibleValues() {
		attrs = append(attrs, slog.String(name, value))
	}
	return slog.GroupValue(attrs...)
}

// String keeps fmt's %v and %+v from printing secrets.
func (e Env) String() string {
	var b strings.Builder
	b.WriteString("{")
	for name, value := range e.visibleValues() {
		if b.Len() > 1 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s=%s", name, value)
	}
	b.WriteString("}")
	return b.String()
}

// GoString keeps fmt's %#v from printing secrets.
func (e Env) GoString() string { return "config.Env" + e.String() }

// visibleValues yields each variable name with its printable value: secrets
// show only whether they are set.
func (e Env) visibleValues() iter.Seq2[string, string] {
	return func(yield func(name, value string) bool) {
		for _, v := range envVars(&e) {
			value := v.field.String()
			if v.secret && value != "" {
				value = redacted
			}
			if !yield(v.name, value) {
				return
			}
		}
	}
}

// envField is the field of an Env that one variable fills.
type envField interface {
	// set parses raw into the field and checks it. It returns what is wrong
	// as the rest of a sentence that starts with the variable's name, or "";
	// raw appears in it only when show is true.
	set(raw string, show bool) string
	fmt.Stringer
}

// boundField is an envField holding a T.
type boundField[T any] struct {
	value *T
	parse func(string) (T, error)
	hint  string            // what parse accepts, e.g. "a whole number"
	check func(v *T) string // the value's rule, which may normalize it; nil when any value goes
}

func (f boundField[T]) set(raw string, show bool) string {
	v, err := f.parse(raw)
	if err != nil {
		if !show {
			return "must be " + f.hint
		}
		return "must be " + f.hint + ", got " + quote(raw)
	}
	*f.value = v
	if f.check == nil {
		return ""
	}
	return f.check(f.value)
}

func (f boundField[T]) String() string { return fmt.Sprint(*f.value) }

func text(v *string, check func(*string) string) envField {
	return boundField[string]{value: v, parse: func(s string) (string, error) { return s, nil }, check: check}
}

// integer reads base 10 only: "010" is ten, not octal eight.
func integer(v *int, check func(*int) string) envField {
	return boundField[int]{value: v, parse: strconv.Atoi, hint: "a whole number", check: check}
}

func duration(v *time.Duration, check func(*time.Duration) string) envField {
	return boundField[time.Duration]{value: v, parse: time.ParseDuration, hint: "a duration such as 30s or 5m", check: check}
}

// The rules below check one value each and, where harmless, normalize it.
// Those for secrets never echo the value.

// token verifies a secret's shape. swapPrefix and swapName catch the classic
// mistake of pasting the app token into the bot token variable and vice
// versa.
func token(prefix, swapPrefix, swapName string) func(*string) string {
	return func(token *string) string {
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
}

func isSpace(r rune) bool { return strings.ContainsRune(" \t\r\n\v\f", r) }

// slugPattern keeps the organization safe to place in a URL path unescaped.
var slugPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

func slug(s *string) string {
	if slugPattern.MatchString(*s) {
		return ""
	}
	return "must be the workspace slug (letters, digits, '.', '_' or '-'), got " + quote(*s)
}

type slashPolicy bool

const (
	withTrailingSlash    slashPolicy = true
	withoutTrailingSlash slashPolicy = false
)

// baseURL requires an absolute http(s) URL without query or fragment,
// because clients append paths to it, and fixes the trailing slash so that
// appending is predictable. The value is not echoed since URLs can carry
// credentials.
func baseURL(slash slashPolicy) func(*string) string {
	return func(raw *string) string {
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
}

// databaseURL accepts PostgreSQL's URI form, the only form the store opens
// (pgx reads exactly these two prefixes as a URI). The value is never
// echoed: it usually holds a password.
func databaseURL(raw *string) string {
	if !strings.HasPrefix(*raw, "postgres://") && !strings.HasPrefix(*raw, "postgresql://") {
		return "must be a postgres:// or postgresql:// URL"
	}
	if _, err := url.Parse(*raw); err != nil {
		return "is not a valid URL; percent-encode special characters in the user name and password"
	}
	if strings.Count(authority(*raw), "@") > 1 {
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
func oneOf(allowed ...string) func(*string) string {
	return func(value *string) string {
		lower := strings.ToLower(*value)
		if !slices.Contains(allowed, lower) {
			return fmt.Sprintf("must be one of %s, got %s", strings.Join(allowed, ", "), quote(*value))
		}
		*value = lower
		return ""
	}
}

func listenAddr(addr *string) string {
	_, port, err := net.SplitHostPort(*addr)
	if err == nil {
		if n, convErr := strconv.Atoi(port); convErr == nil && n >= 0 && n <= 65535 {
			return ""
		}
	}
	return "must be a listen address such as :8080 or 127.0.0.1:8080, got " + quote(*addr)
}

func positive(d *time.Duration) string {
	if *d > 0 {
		return ""
	}
	return "must be a positive duration such as 30s or 5m, got " + d.String()
}

// between accepts lowest to highest, both included.
func between[T cmp.Ordered](lowest, highest T) func(*T) string {
	return func(v *T) string {
		if *v >= lowest && *v <= highest {
			return ""
		}
		return fmt.Sprintf("must be between %v and %v, got %v", lowest, highest, *v)
	}
}
