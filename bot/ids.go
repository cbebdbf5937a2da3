package bot

// Identifiers shared with manifest.yaml (callback ids) and with the views the bot builds
// (block and action ids). They are part of the contract with Slack: renaming one breaks
// shortcuts or modals that are already open.
const (
	callbackGlobalShortcut  = "invite_testers"
	callbackMessageShortcut = "invite_testers_from_message"
	callbackInviteModal     = "invite_modal"
	callbackFindModal       = "find_modal"

	actionHomeInvite = "home_invite"
	actionHomeFind   = "home_find"
	actionRevoke     = "revoke"
	actionFindRemove = "find_remove"

	blockTarget    = "target"
	blockEmails    = "emails"
	blockDownloads = "downloads"
	blockFilter    = "filter"
)
