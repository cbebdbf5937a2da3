package outbox

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/slack-go/slack"

	"github.com/testerbot/testerbot/internal/slackauth"
)

// failureKind is what the sender does about a failed call.
type failureKind int

const (
	transient      failureKind = iota // try again later (network, Slack's 5xx, internal_error)
	rateLimited                       // wait out Retry-After, for that channel or method only
	tokenRefused                      // stop sending until the token works again
	channelGone                       // final: the bot cannot post there
	refusedForGood                    // final: Slack will never take this message
	tooLong                           // split it
	badBlocks                         // send the text alone, which carries what the blocks say
	noMember                          // a DM to an address that is nobody in the workspace
	stopped                           // the process is stopping
)

type failure struct {
	kind       failureKind
	code       string
	retryAfter time.Duration
}

// Slack's error codes by what they mean for a message; a refused token's are slackauth's.
var codeKinds = map[string]failureKind{
	"not_in_channel": channelGone, "channel_not_found": channelGone, "is_archived": channelGone,
	"restricted_action": channelGone, "restricted_action_thread_only": channelGone,
	"restricted_action_read_only_channel": channelGone, "ekm_access_denied": channelGone,
	"invalid_blocks": badBlocks, "invalid_blocks_format": badBlocks, "too_many_blocks": badBlocks,
	"msg_too_long":    tooLong,
	"users_not_found": noMember, "user_not_found": noMember, "user_disabled": noMember,
	"internal_error": transient, "fatal_error": transient, "service_unavailable": transient,
	"request_timeout": transient, "ratelimited": rateLimited,
}

// classify says what a failed call means.
func classify(err error) failure {
	if limited, ok := errors.AsType[*slack.RateLimitedError](err); ok {
		return failure{kind: rateLimited, code: "ratelimited", retryAfter: limited.RetryAfter}
	}
	if errors.Is(err, context.Canceled) {
		return failure{kind: stopped, code: "stopped"}
	}
	if se, ok := errors.AsType[slack.SlackErrorResponse](err); ok {
		if kind, known := codeKinds[se.Err]; known {
			return failure{kind: kind, code: se.Err}
		}
		if slackauth.Refused(se.Err) {
			return failure{kind: tokenRefused, code: se.Err}
		}
		return failure{kind: refusedForGood, code: se.Err} // invalid_arguments, message_not_found, …
	}
	if sc, ok := errors.AsType[slack.StatusCodeError](err); ok {
		switch {
		case sc.Code == 429:
			return failure{kind: rateLimited, code: "ratelimited", retryAfter: time.Minute}
		case sc.Code >= 400 && sc.Code < 500:
			return failure{kind: refusedForGood, code: "http_" + strconv.Itoa(sc.Code)} // a used or expired response_url
		}
	}
	return failure{kind: transient, code: err.Error()}
}
