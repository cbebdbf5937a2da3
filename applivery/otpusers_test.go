package applivery_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
)

func TestCreateOTPUserSendsDocumentedRequest(t *testing.T) {
	s := newStub(t, respond(200, `{"status":true,"data":[`+userJSON+`]}`))
	c, _ := newTestClient(t, s, applivery.WithUserAgent("testerbot/1.2"))

	user, err := c.CreateOTPUser(context.Background(), storeID, applivery.OTPUserRequest{
		Email: "ada@example.com", AllowedDownloadsNum: applivery.Unlimited, PublishedApplicationID: appID,
	})
	require.NoError(t, err)

	req := s.last(t)
	assert.Equal(t, http.MethodPost, req.Method)
	assert.Equal(t, storePath+"/otp-users", req.Path)
	assert.Equal(t, "Bearer "+testToken, req.Header.Get("Authorization"))
	assert.Equal(t, "application/json", req.Header.Get("Content-Type"))
	assert.Equal(t, "application/json", req.Header.Get("Accept"))
	assert.Equal(t, "testerbot/1.2", req.Header.Get("User-Agent"))
	assert.JSONEq(t, `{"email":"ada@example.com","allowedDownloadsNum":-1,"publishedApplicationId":"`+appID+`"}`, req.Body)

	assert.Equal(t, userID, user.ID)
	assert.Equal(t, "Ada@Example.com", user.Email)
	assert.Equal(t, -1, user.AllowedDownloadsNum)
	assert.Equal(t, appID, user.PublishedApplicationID)
	assert.Equal(t, storeID, user.StoreID)
	assert.Equal(t, time.Date(2026, 3, 1, 9, 30, 0, 123e6, time.UTC), user.CreatedAt.UTC())
	assert.Nil(t, user.LastLoginAt)
	require.NotNil(t, user.LastDownloadAt)
	assert.Equal(t, time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), user.LastDownloadAt.UTC())
}

func TestCreateOTPUserAcceptsSingleObjectAndLegacyShapes(t *testing.T) {
	legacy := `{"_id":"` + userID + `","email":"a@b.io","allowedDownloadsNum":3,
		"publishedApplication":{"_id":"` + appID + `","name":"Beta"},"createdAt":"not a date"}`
	s := newStub(t, respond(200, `{"status":true,"data":`+legacy+`}`))
	c, _ := newTestClient(t, s)

	user, err := c.CreateOTPUser(context.Background(), storeID, applivery.OTPUserRequest{Email: "a@b.io", AllowedDownloadsNum: 3, PublishedApplicationID: appID})
	require.NoError(t, err)
	assert.Equal(t, userID, user.ID)
	assert.Equal(t, appID, user.PublishedApplicationID)
	assert.Equal(t, 3, user.AllowedDownloadsNum)
	assert.True(t, user.CreatedAt.IsZero(), "an unparseable date is left unset")
}

func TestPublishedApplicationMayBeABareID(t *testing.T) {
	s := newStub(t, respond(200, `{"status":true,"data":{"items":[{"id":"`+userID+`","email":"a@b.io","publishedApplication":"`+appID+`"}]}}`))
	c, _ := newTestClient(t, s)

	page, err := c.ListOTPUsers(context.Background(), storeID, applivery.ListOTPUsersOptions{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, appID, page.Items[0].PublishedApplicationID)
}

func TestDeleteOTPUserAcceptsEmptyAndEnvelopedAnswers(t *testing.T) {
	for name, h := range map[string]http.HandlerFunc{
		"204":       func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) },
		"enveloped": respond(200, `{"status":true,"data":{}}`),
	} {
		t.Run(name, func(t *testing.T) {
			s := newStub(t, h)
			c, _ := newTestClient(t, s)

			require.NoError(t, c.DeleteOTPUser(context.Background(), storeID, userID))
			req := s.last(t)
			assert.Equal(t, http.MethodDelete, req.Method)
			assert.Equal(t, storePath+"/otp-users/"+userID, req.Path)
		})
	}
}

func TestListOTPUsersSendsFiltersAndDecodesThePage(t *testing.T) {
	s := newStub(t, pagedUsers(emails(25)))
	c, _ := newTestClient(t, s)

	page, err := c.ListOTPUsers(context.Background(), storeID, applivery.ListOTPUsersOptions{
		Page: 3, Limit: 10, Email: "Tester", PublishedApplicationID: appID,
	})
	require.NoError(t, err)

	req := s.last(t)
	assert.Equal(t, storePath+"/otp-users", req.Path)
	assert.Equal(t, url.Values{
		"page": {"3"}, "limit": {"10"}, "email": {"Tester"}, "publishedApplicationId": {appID},
	}, req.Query)
	assert.Len(t, page.Items, 5)
	assert.Equal(t, "tester20@example.com", page.Items[0].Email)
	assert.Equal(t, 25, page.TotalDocs)
	assert.Equal(t, 3, page.Page)
	assert.Equal(t, 3, page.TotalPages)
	require.NotNil(t, page.HasNextPage)
	assert.False(t, *page.HasNextPage)
	assert.Equal(t, 0, page.NextPage, "null nextPage reads as 0")
}

func TestListOTPUsersOmitsZeroOptions(t *testing.T) {
	s := newStub(t, pagedUsers(nil))
	c, _ := newTestClient(t, s)

	page, err := c.ListOTPUsers(context.Background(), storeID, applivery.ListOTPUsersOptions{})
	require.NoError(t, err)
	assert.Empty(t, s.last(t).Query)
	assert.Empty(t, page.Items)
}

func TestListAllOTPUsersWalksEveryPage(t *testing.T) {
	s := newStub(t, pagedUsers(emails(23)))
	c, _ := newTestClient(t, s)

	users, total, err := c.ListAllOTPUsers(context.Background(), storeID, applivery.ListOTPUsersOptions{Limit: 10}, 0)
	require.NoError(t, err)
	assert.Equal(t, 23, total)
	require.Len(t, users, 23)
	assert.Equal(t, "tester22@example.com", users[22].Email)
	assert.Len(t, s.requests(), 3)
}

func TestListAllOTPUsersStopsAtTheCap(t *testing.T) {
	s := newStub(t, pagedUsers(emails(100)))
	c, _ := newTestClient(t, s)

	users, total, err := c.ListAllOTPUsers(context.Background(), storeID, applivery.ListOTPUsersOptions{Limit: 10}, 15)
	require.NoError(t, err)
	assert.Equal(t, 100, total, "total counts all matching users")
	assert.Len(t, users, 15)
	assert.Len(t, s.requests(), 2, "no page is fetched beyond the cap")
}

func TestListAllOTPUsersReturnsWhatItHadOnError(t *testing.T) {
	s := newStub(t, sequence(pagedUsers(emails(30)), respond(404, `{}`)))
	c, _ := newTestClient(t, s)

	users, _, err := c.ListAllOTPUsers(context.Background(), storeID, applivery.ListOTPUsersOptions{Limit: 10}, 0)
	assert.ErrorIs(t, err, applivery.ErrNotFound)
	assert.Len(t, users, 10)
}

func TestFindOTPUserPicksTheExactEmailAmongPartialMatches(t *testing.T) {
	s := newStub(t, pagedUsers([]string{"xada@example.com", "ada@example.com.evil", "ADA@Example.COM", "ada@example.co"}))
	c, _ := newTestClient(t, s)

	user, err := c.FindOTPUser(context.Background(), storeID, appID, "ada@example.com")
	require.NoError(t, err)
	require.NotNil(t, user)
	assert.Equal(t, "ADA@Example.COM", user.Email)

	q := s.last(t).Query
	assert.Equal(t, []string{"ada@example.com"}, q["email"], "an address without + means the same read as text or as a regex")
	assert.Equal(t, []string{appID}, q["publishedApplicationId"])
}

func TestFindOTPUserLooksBeyondTheFirstPage(t *testing.T) {
	list := append(emails(120), "tester@example.com")
	s := newStub(t, pagedUsers(list))
	c, _ := newTestClient(t, s)

	user, err := c.FindOTPUser(context.Background(), storeID, appID, "Tester@Example.com")
	require.NoError(t, err)
	require.NotNil(t, user)
	assert.Equal(t, "tester@example.com", user.Email)
}

func TestFindOTPUserReturnsNilWhenAbsent(t *testing.T) {
	s := newStub(t, pagedUsers([]string{"ada@example.com.evil", "xada@example.com"}))
	c, _ := newTestClient(t, s)

	user, err := c.FindOTPUser(context.Background(), storeID, appID, "ada@example.com")
	require.NoError(t, err)
	assert.Nil(t, user)
}

func TestFindOTPUserIgnoresUsersOfOtherApps(t *testing.T) {
	other := "0000000000000000000000ff"
	s := newStub(t, respond(200, `{"status":true,"data":{"items":[{"id":"`+userID+`","email":"ada@example.com","publishedApplicationId":"`+other+`"}],"totalDocs":1,"page":1,"hasNextPage":false}}`))
	c, _ := newTestClient(t, s)

	user, err := c.FindOTPUser(context.Background(), storeID, appID, "ada@example.com")
	require.NoError(t, err)
	assert.Nil(t, user)
}

func TestFindOTPUserSendsTheLongestPiecePlusFree(t *testing.T) {
	// "ada+beta@example.com" read as a regex does not match itself, and
	// escaped ("ada\+beta…") it matches nothing read as text: the piece
	// after the "+" means the same under both readings.
	s := newStub(t, pagedUsers([]string{"beta@example.com", "xada+beta@example.com", "ada+beta@example.com"}))
	c, _ := newTestClient(t, s)

	user, err := c.FindOTPUser(context.Background(), storeID, appID, " ada+beta@example.com ")
	require.NoError(t, err)
	require.NotNil(t, user)
	assert.Equal(t, "ada+beta@example.com", user.Email, "the exact address, picked here")
	assert.Equal(t, "beta@example.com", s.last(t).Query.Get("email"))
}

func TestFilterPieces(t *testing.T) {
	for text, sent := range map[string]string{
		"alice@x.io":        "alice@x.io",
		"alice+qa@x.io":     "qa@x.io",
		"a+b+longest@x.io":  "longest@x.io",
		"first.last+q@x.io": "first.last",
		"o'neil_x-y@x.io":   "o'neil_x-y@x.io",
		"+":                 "",
		"a+b (qa)":          "b ",
	} {
		s := newStub(t, pagedUsers(nil))
		c, _ := newTestClient(t, s)

		_, _, err := c.ListAllOTPUsers(context.Background(), storeID, applivery.ListOTPUsersOptions{Email: text}, 0)
		require.NoError(t, err)
		q := s.last(t).Query
		assert.Equal(t, sent, q.Get("email"), "for %q", text)
		assert.Equal(t, sent != "", q.Has("email"), "no usable piece sends no filter: %q", text)
	}
}

func TestListingsCheckEveryUserAndCountThemHere(t *testing.T) {
	// A server reading "qa+beta" as a regex, or "beta" loosely, answers with
	// more than was asked for; only the addresses containing the text count.
	s := newStub(t, pagedUsers([]string{"qa+beta@x.io", "qaabeta@x.io", "beta@x.io", "QA+Beta@y.io"}))
	c, _ := newTestClient(t, s)

	users, total, err := c.ListAllOTPUsers(context.Background(), storeID, applivery.ListOTPUsersOptions{Email: "qa+beta"}, 1)
	require.NoError(t, err)
	assert.Equal(t, 2, total, "counted here, not Applivery's 4")
	require.Len(t, users, 1, "capped")
	assert.Equal(t, "qa+beta@x.io", users[0].Email)

	page, err := c.ListOTPUsers(context.Background(), storeID, applivery.ListOTPUsersOptions{Email: "qa+beta"})
	require.NoError(t, err)
	assert.Len(t, page.Items, 2)
}

func TestTooLongFiltersAreRefusedBeforeAnyRequest(t *testing.T) {
	s := newStub(t, pagedUsers(nil))
	c, _ := newTestClient(t, s)
	ctx := context.Background()
	long := strings.Repeat("a", applivery.MaxFilterLength+1)

	_, err := c.ListOTPUsers(ctx, storeID, applivery.ListOTPUsersOptions{Email: long})
	assert.ErrorIs(t, err, applivery.ErrFilterTooLong)
	_, _, err = c.ListAllOTPUsers(ctx, storeID, applivery.ListOTPUsersOptions{Email: long}, 0)
	assert.ErrorIs(t, err, applivery.ErrFilterTooLong)
	_, err = c.FindOTPUser(ctx, storeID, appID, long+"@example.com")
	assert.ErrorIs(t, err, applivery.ErrFilterTooLong)
	assert.Empty(t, s.requests())

	_, err = c.ListOTPUsers(ctx, storeID, applivery.ListOTPUsersOptions{Email: long[1:]})
	assert.NoError(t, err, "exactly %d characters", applivery.MaxFilterLength)
	_, err = c.ListOTPUsers(ctx, storeID, applivery.ListOTPUsersOptions{Email: strings.Repeat("+", 600)})
	assert.NoError(t, err, "nothing of it is sent")
}

func TestFilterLimitCountsTheCharactersSent(t *testing.T) {
	for text, ok := range map[string]bool{
		strings.Repeat("a", applivery.MaxFilterLength):    true,
		strings.Repeat("a", applivery.MaxFilterLength+1):  false,
		strings.Repeat("é", applivery.MaxFilterLength):    true, // characters, not bytes
		strings.Repeat("a.", applivery.MaxFilterLength/2): true,
		strings.Repeat("ab+", applivery.MaxFilterLength):  true, // "ab" is sent
	} {
		s := newStub(t, pagedUsers(nil))
		c, _ := newTestClient(t, s)

		_, err := c.ListOTPUsers(context.Background(), storeID, applivery.ListOTPUsersOptions{Email: text})
		if ok {
			assert.NoError(t, err, "%d characters", len([]rune(text)))
		} else {
			assert.ErrorIs(t, err, applivery.ErrFilterTooLong, "%d characters", len([]rune(text)))
			assert.Empty(t, s.requests())
		}
	}
}

func TestScanForOTPUserReadsEveryPageWithoutAFilter(t *testing.T) {
	list := append(emails(250), "Late@Example.com")
	s := newStub(t, pagedUsers(list))
	c, _ := newTestClient(t, s)

	user, err := c.ScanForOTPUser(context.Background(), storeID, appID, "late@example.com")
	require.NoError(t, err)
	require.NotNil(t, user)
	assert.Equal(t, "Late@Example.com", user.Email)
	for _, r := range s.requests() {
		assert.False(t, r.Query.Has("email"))
		assert.Equal(t, appID, r.Query.Get("publishedApplicationId"))
	}
	assert.Len(t, s.requests(), 3, "three pages of 100")
}

func TestFindOTPUserNeedsAnEmail(t *testing.T) {
	s := newStub(t, pagedUsers(nil))
	c, _ := newTestClient(t, s)

	_, err := c.FindOTPUser(context.Background(), storeID, appID, "  ")
	assert.Error(t, err)
	assert.Empty(t, s.requests())
}

func TestDeleteAcceptsTheAnswersShapes(t *testing.T) {
	for name, body := range map[string]string{
		"the reference's":    `{"status":true,"data":{"delete":true}}`,
		"a deleted user":     `{"status":true,"data":` + userJSON + `}`,
		"no data":            `{"status":true}`,
		"an empty 204 reply": ``,
	} {
		t.Run(name, func(t *testing.T) {
			status := 200
			if body == "" {
				status = 204
			}
			s := newStub(t, respond(status, body))
			c, _ := newTestClient(t, s)

			require.NoError(t, c.DeleteOTPUser(context.Background(), storeID, userID))
			assert.Equal(t, http.MethodDelete, s.last(t).Method)
		})
	}
}
