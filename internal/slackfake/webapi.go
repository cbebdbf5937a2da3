package slackfake

import (
	"encoding/json"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// reply holds the fields of a successful answer; "ok":true is added on the way out.
type reply map[string]any

// apiRequest is a Web API call decoded from either encoding slack-go uses:
// form posts (token in the body) or JSON posts (token in Authorization).
type apiRequest struct {
	method string
	token  string
	args   map[string]string
	json   json.RawMessage
}

// apiMethod says which token a method accepts and how the fake answers it.
// Handlers run under Server.mu and return either a reply or a Slack error code.
type apiMethod struct {
	appLevel bool
	handle   func(s *Server, req *apiRequest) (reply, string)
}

var apiMethods = map[string]apiMethod{
	"apps.connections.open": {appLevel: true, handle: (*Server).appsConnectionsOpen},
	"auth.test":             {handle: (*Server).authTest},
	"chat.postMessage":      {handle: (*Server).chatPostMessage},
	"chat.postEphemeral":    {handle: (*Server).chatPostEphemeral},
	"chat.update":           {handle: (*Server).chatUpdate},
	"views.open":            {handle: (*Server).viewsOpen},
	"views.push":            {handle: (*Server).viewsPush},
	"views.update":          {handle: (*Server).viewsUpdate},
	"views.publish":         {handle: (*Server).viewsPublish},
	"usergroups.users.list": {handle: (*Server).usergroupsUsersList},
	"conversations.info":    {handle: (*Server).conversationsInfo},
	"conversations.members": {handle: (*Server).conversationsMembers},
	"users.info":            {handle: (*Server).usersInfo},
	"users.lookupByEmail":   {handle: (*Server).usersLookupByEmail},
}

// answer is what the fake writes back for one call.
type answer struct {
	status     int
	retryAfter time.Duration // set only for 429s
	body       []byte
	errCode    string
	messages   []string // response_metadata.messages of a refusal
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	req, code := parseAPIRequest(r)
	if code != "" {
		writeAnswer(w, failure(code, nil))
		return
	}

	s.mu.Lock()
	at := s.now()
	ans := s.answerLocked(req)
	s.state.calls = append(s.state.calls, Call{
		Method: req.method, Args: req.args, JSON: req.json, At: at, Error: ans.errCode, Messages: ans.messages,
		limited: ans.status == http.StatusTooManyRequests,
	})
	s.notifyLocked()
	s.mu.Unlock()

	writeAnswer(w, ans)
}

// answerLocked applies injected rate limits and Slack's own (limits.go), then routing, then
// auth, then the method itself, the order in which Slack's own gates fire.
func (s *Server) answerLocked(req *apiRequest) answer {
	retryAfter, limited := s.takeRateLimitLocked(req.method)
	if !limited {
		retryAfter, limited = s.takeLimitLocked(req, time.Now())
	}
	if limited {
		ans := failure("ratelimited", nil)
		ans.status, ans.retryAfter = http.StatusTooManyRequests, retryAfter
		return ans
	}
	if code, failed := s.takeFailureLocked(req.method); failed {
		return failure(code, nil)
	}
	if code := s.refusalLocked(req); code != "" {
		return failure(code, nil)
	}
	method, known := apiMethods[req.method]
	if !known {
		return failure("unknown_method", nil)
	}
	want := botToken
	if method.appLevel {
		want = appToken
	}
	if code := authError(req.token, want); code != "" {
		return failure(code, nil)
	}
	fields, code := method.handle(s, req)
	if code != "" {
		return failure(code, fields)
	}
	fields["ok"] = true
	return answer{status: http.StatusOK, body: mustJSON(fields)}
}

func authError(token, want string) string {
	switch token {
	case want:
		return ""
	case "":
		return "not_authed"
	default:
		return "invalid_auth"
	}
}

// failure is Slack's error shape: HTTP 200 with ok:false, except for 429s,
// plus whatever detail the handler gave (see refuse).
func failure(code string, detail reply) answer {
	body := map[string]any{"ok": false, "error": code}
	for key, value := range detail {
		body[key] = value
	}
	metadata, _ := detail["response_metadata"].(responseMetadata)
	return answer{status: http.StatusOK, body: mustJSON(body), errCode: code, messages: metadata.Messages}
}

// responseMetadata carries the messages Slack adds to a refusal.
type responseMetadata struct {
	Messages []string `json:"messages"`
}

// refuse answers like Slack when it refuses what a request holds: the error
// code, with each problem in response_metadata.messages and, for chat.*'s
// invalid_blocks, in errors too.
func refuse(code string, problems []problem) (reply, string) {
	if len(problems) == 0 {
		return nil, code
	}
	detail := reply{"response_metadata": responseMetadata{Messages: errorMessages(problems)}}
	if code == "invalid_blocks" {
		errors := make([]string, len(problems))
		for i, p := range problems {
			errors[i] = p.String()
		}
		detail["errors"] = errors
	}
	return detail, code
}

func writeAnswer(w http.ResponseWriter, ans answer) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if ans.status == http.StatusTooManyRequests {
		// Slack sends whole seconds; slack-go parses them as an integer.
		seconds := max(1, int(math.Ceil(ans.retryAfter.Seconds())))
		w.Header().Set("Retry-After", strconv.Itoa(seconds))
	}
	w.WriteHeader(ans.status)
	_, _ = w.Write(ans.body)
}

// parseAPIRequest decodes the call and lifts the token out of the arguments,
// so recorded calls never hold a credential. A body that does not decode is
// answered with the error code Slack uses for it.
func parseAPIRequest(r *http.Request) (*apiRequest, string) {
	req := &apiRequest{method: strings.TrimPrefix(r.URL.Path, "/api/")}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	if mediaType == "application/json" {
		if req.json, req.args, err = parseJSONArgs(r.Body); err != nil {
			return nil, "invalid_json"
		}
	} else if req.args, err = parseFormArgs(r); err != nil {
		return nil, "invalid_form_data"
	}
	req.token = bearerToken(r.Header.Get("Authorization"))
	if req.token == "" {
		req.token = req.args["token"]
	}
	delete(req.args, "token")
	return req, ""
}

func bearerToken(header string) string {
	token, ok := strings.CutPrefix(header, "Bearer ")
	if !ok {
		return ""
	}
	return strings.TrimSpace(token)
}

func parseFormArgs(r *http.Request) (map[string]string, error) {
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	args := make(map[string]string, len(r.Form))
	for key, values := range r.Form {
		args[key] = values[0]
	}
	return args, nil
}

// parseJSONArgs flattens the top level of a JSON body: strings become their
// value, anything else (objects such as "view") its raw JSON text.
func parseJSONArgs(body io.Reader) (json.RawMessage, map[string]string, error) {
	raw, err := io.ReadAll(body)
	if err != nil {
		return nil, nil, err
	}
	args := map[string]string{}
	if len(strings.TrimSpace(string(raw))) == 0 {
		return nil, args, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, nil, err
	}
	for key, value := range fields {
		var text string
		if json.Unmarshal(value, &text) == nil {
			args[key] = text
		} else {
			args[key] = string(value)
		}
	}
	return raw, args, nil
}
