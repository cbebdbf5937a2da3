package bot

import (
	"fmt"

	"github.com/testerbot/testerbot/applivery"
	"github.com/testerbot/testerbot/internal/invite"
	"github.com/testerbot/testerbot/internal/slackauth"
)

// problemText says, in one sentence for the person who asked, why an email was refused or what
// an Applivery failure means and what to do about it.
func problemText(p invite.Problem) string {
	switch p.Kind {
	case invite.BadAddress:
		return "this is not a valid email address (" + esc(p.Detail) + ")"
	case invite.DomainNotAllowed:
		return "only addresses at " + esc(p.Detail) + " may be invited from this channel"
	case invite.Unauthorized:
		return "The bot's Applivery token was refused: ask an admin to check APPLIVERY_API_TOKEN."
	case invite.HostUnusable:
		return "The bot cannot use Applivery's address (its name does not resolve, or its certificate is not trusted): an admin must fix APPLIVERY_API_URL or the network. Trying again will not help."
	case invite.NotFound:
		return "Applivery does not know this store or app: ask an admin to check the ids in the channel mapping file."
	case invite.Rejected:
		return "Applivery rejected the data for this tester: check the address and the allowed downloads."
	case invite.LimitReached:
		return "The Applivery plan's limit was reached: remove unused testers or raise the limit."
	case invite.FilterTooLong:
		return fmt.Sprintf("That search text is too long for Applivery: use at most %d characters.", applivery.MaxFilterLength)
	case invite.RateLimited:
		return "Applivery is receiving too many requests: try again in a minute."
	case invite.Undetermined:
		return "Applivery never said whether the tester was created: check with `/invite-tester list` before inviting them again."
	case invite.Stopped:
		return "The bot stopped waiting for Applivery: try again in a moment."
	default:
		return "Applivery could not be reached or failed: try again in a few minutes."
	}
}

// explainError is problemText for an error from listing or removing testers.
func explainError(err error) string {
	p, _ := invite.Classify(err)
	return problemText(p)
}

// slackAdvice says what to do after a Slack call failed with code: when Slack refused the bot's token,
// that an admin must act, because trying again cannot help.
func slackAdvice(slackCode string) string {
	if slackauth.Refused(slackCode) {
		return "Slack refused my token: an admin must reinstall the app or update SLACK_BOT_TOKEN. Trying again will not help until then."
	}
	return "Please try again in a moment."
}
