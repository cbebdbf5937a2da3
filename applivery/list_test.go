package applivery_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/testerbot/testerbot/applivery"
)

// pagedUsers serves emails as a mongoose-paginate listing, honouring page
// and limit like the real API.
func pagedUsers(emails []string) http.HandlerFunc {
	return pagedUsersWithout(emails)
}

// pagedUsersWithout is pagedUsers leaving the given members out of every
// page, as servers that do not send them would.
func pagedUsersWithout(emails []string, omit ...string) http.HandlerFunc {
	items := make([]map[string]any, len(emails))
	for i, email := range emails {
		items[i] = map[string]any{"id": fmt.Sprintf("%024x", i), "email": email, "publishedApplicationId": appID}
	}
	return pagedItems(items, omit...)
}

// pagedItems serves items as a mongoose-paginate listing, leaving the given
// members out of every page.
func pagedItems(all []map[string]any, omit ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		page = max(page, 1)
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		if limit < 1 {
			limit = 10
		}
		start, end := min((page-1)*limit, len(all)), min(page*limit, len(all))
		totalPages := max(1, (len(all)+limit-1)/limit)
		var next any
		if page < totalPages {
			next = page + 1
		}
		data := map[string]any{
			"items": all[start:end], "totalDocs": len(all), "limit": limit, "page": page, "totalPages": totalPages,
			"hasNextPage": page < totalPages, "nextPage": next, "hasPrevPage": page > 1, "prevPage": nil,
		}
		for _, key := range omit {
			delete(data, key)
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"status": true, "data": data})
	}
}

func emails(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("tester%02d@example.com", i)
	}
	return out
}

func TestListOTPUsersSendsFiltersAndDecodesThePage(t *testing.T) {
	s := newStub(t, pagedUsers(emails(25)))
	c, _ := newTestClient(t, s)

	page, err := c.ListOTPUsers(context.Background(), storeID, applivery.ListOTPUsersOptions{
		Page: 3, Limit: 10, Email: "Tester", PublishedApplicationID: appID, Sort: "createdAt:desc",
	})
	require.NoError(t, err)

	req := s.last(t)
	assert.Equal(t, storePath+"/otp-users", req.Path)
	assert.Equal(t, url.Values{
		"page": {"3"}, "limit": {"10"}, "email": {"Tester"}, "publishedApplicationId": {appID}, "sort": {"createdAt:desc"},
	}, req.Query)
	assert.Len(t, page.Items, 5)
	assert.Equal(t, "tester20@example.com", page.Items[0].Email)
	assert.Equal(t, 25, page.TotalDocs)
	assert.Equal(t, 3, page.Page)
	assert.Equal(t, 3, page.TotalPages)
	require.NotNil(t, page.HasNextPage)
	assert.False(t, *page.HasNextPage)
	assert.Equal(t, 0, page.NextPage, "null nextPage reads as 0")
	assert.True(t, page.HasPrevPage)
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

func TestListAllOTPUsersWalksWithoutHasNextPage(t *testing.T) {
	cases := map[string][]string{
		"by totalPages":          {"hasNextPage", "nextPage"},
		"by totalDocs":           {"hasNextPage", "nextPage", "totalPages"},
		"by totalDocs, no limit": {"hasNextPage", "nextPage", "totalPages", "limit"},
		"hasNextPage alone":      {"totalPages", "totalDocs", "nextPage"},
	}
	for name, omit := range cases {
		t.Run(name, func(t *testing.T) {
			s := newStub(t, pagedUsersWithout(emails(23), omit...))
			c, _ := newTestClient(t, s)

			users, _, err := c.ListAllOTPUsers(context.Background(), storeID, applivery.ListOTPUsersOptions{Limit: 10}, 0)
			require.NoError(t, err)
			require.Len(t, users, 23)
			assert.Equal(t, "tester22@example.com", users[22].Email)
			assert.Len(t, s.requests(), 3, "no page is asked for beyond the last")
		})
	}
}

func TestListAllOTPUsersStopsWhenNothingSaysThereIsMore(t *testing.T) {
	s := newStub(t, respond(200, `{"status":true,"data":{"items":[{"id":"`+userID+`","email":"ada@example.com"}],"page":1}}`))
	c, _ := newTestClient(t, s)

	users, _, err := c.ListAllOTPUsers(context.Background(), storeID, applivery.ListOTPUsersOptions{}, 0)
	require.NoError(t, err)
	assert.Len(t, users, 1)
	assert.Len(t, s.requests(), 1)
}

func TestListAllOTPUsersSurvivesAnEmptyPageClaimingMore(t *testing.T) {
	for name, body := range map[string]string{
		"hasNextPage": `{"items":[],"totalDocs":5,"page":1,"hasNextPage":true,"nextPage":1}`,
		"totalPages":  `{"items":[],"totalDocs":5,"page":1,"totalPages":3}`,
		"totalDocs":   `{"items":[],"totalDocs":5,"page":1}`,
	} {
		t.Run(name, func(t *testing.T) {
			s := newStub(t, respond(200, `{"status":true,"data":`+body+`}`))
			c, _ := newTestClient(t, s)

			users, total, err := c.ListAllOTPUsers(context.Background(), storeID, applivery.ListOTPUsersOptions{}, 0)
			require.NoError(t, err)
			assert.Empty(t, users)
			assert.Equal(t, 5, total)
			assert.Len(t, s.requests(), 1)
		})
	}
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
	assert.Equal(t, []string{`ada@example\.com`}, q["email"])
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

func TestFindOTPUserSearchesForTheAddressAsALiteral(t *testing.T) {
	s := newStub(t, pagedUsers([]string{"ada+beta@example.com"}))
	c, _ := newTestClient(t, s)

	user, err := c.FindOTPUser(context.Background(), storeID, appID, " ada+beta@example.com ")
	require.NoError(t, err)
	require.NotNil(t, user)
	assert.Equal(t, `ada\+beta@example\.com`, s.last(t).Query.Get("email"))
}

func TestListingFiltersAreEscapedToo(t *testing.T) {
	s := newStub(t, pagedUsers(nil))
	c, _ := newTestClient(t, s)

	_, _, err := c.ListAllOTPUsers(context.Background(), storeID, applivery.ListOTPUsersOptions{Email: "a+b (qa)"}, 0)
	require.NoError(t, err)
	assert.Equal(t, `a\+b \(qa\)`, s.last(t).Query.Get("email"))
}

func TestTooLongFiltersAreRefusedBeforeAnyRequest(t *testing.T) {
	s := newStub(t, pagedUsers(nil))
	c, _ := newTestClient(t, s)
	ctx := context.Background()
	long := strings.Repeat("+", applivery.MaxFilterLength/2+1) // 502 characters once escaped

	_, err := c.ListOTPUsers(ctx, storeID, applivery.ListOTPUsersOptions{Email: long})
	assert.ErrorIs(t, err, applivery.ErrFilterTooLong)
	_, _, err = c.ListAllOTPUsers(ctx, storeID, applivery.ListOTPUsersOptions{Email: long}, 0)
	assert.ErrorIs(t, err, applivery.ErrFilterTooLong)
	_, err = c.FindOTPUser(ctx, storeID, appID, long+"@example.com")
	assert.ErrorIs(t, err, applivery.ErrFilterTooLong)
	assert.Empty(t, s.requests())

	_, err = c.ListOTPUsers(ctx, storeID, applivery.ListOTPUsersOptions{Email: long[1:]})
	assert.NoError(t, err, "exactly %d characters once escaped", applivery.MaxFilterLength)
}

func TestFindOTPUserNeedsAnEmail(t *testing.T) {
	s := newStub(t, pagedUsers(nil))
	c, _ := newTestClient(t, s)

	_, err := c.FindOTPUser(context.Background(), storeID, appID, "  ")
	assert.Error(t, err)
	assert.Empty(t, s.requests())
}
