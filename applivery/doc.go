// Package applivery is a small client for the parts of the Applivery
// Workspace API that testerbot needs: managing the OTP users of a private
// store and reading the published apps and stores they belong to.
//
// The client is built for an unattended bot, so it is careful where a
// hand-written curl call is not:
//
//   - It retries only when that is safe. Rate limits (HTTP 429) are retried
//     for every method because the server did not process the request.
//     Server errors and network failures are retried only for idempotent
//     methods (GET, DELETE). A failed create whose outcome the client
//     cannot know is reported with [OutcomeUnknown] so the caller can look
//     the tester up before trying again, instead of the client silently
//     inviting someone twice.
//   - It is right however Applivery reads the OTP-user listing's email
//     filter, which the reference leaves open (plain text or a regular
//     expression): it sends a piece of the address that means the same under
//     both, reads every page and checks each user itself. [MayStillLand]
//     tells a create that got no answer, which may still land, from one
//     Applivery answered, which a look-up settles at once.
//   - It never puts the service-account token into an error string, so
//     errors can be logged and shown in Slack as they are.
//   - Clients can share a [Gate], which bounds the requests in flight for
//     the whole process, takes turns between units of work ([WithShare]) and
//     holds every request back while Applivery asks to slow down.
//
// Errors from the API are returned as *[ErrorResponse] and can be matched
// with errors.Is against the sentinels such as [ErrNotFound].
package applivery
