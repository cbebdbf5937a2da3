package applivery

// Permissions a service account's token needs, named as in the API
// reference, one per call this client makes. When the token lacks the
// permission of a call, its *ErrorResponse carries the name in Permission
// and matches ErrForbidden.
const (
	PermissionListStores        = "mad.store.management.list"
	PermissionGetStore          = "mad.store.management.get"
	PermissionListPublishedApps = "mad.store.publishedApplication.list"
	PermissionGetPublishedApp   = "mad.store.publishedApplication.get"
	PermissionListOTPUsers      = "mad.store.otpUsers.list"
	PermissionGetOTPUser        = "mad.store.otpUsers.get"
	PermissionCreateOTPUser     = "mad.store.otpUsers.create"
	PermissionUpdateOTPUser     = "mad.store.otpUsers.update"
	PermissionRemoveOTPUser     = "mad.store.otpUsers.remove"
)
