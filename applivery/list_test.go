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
	return func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		page = max(page, 1)
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		if limit < 1 {
			limit = 10
		}
		start, end := min((page-1)*limit, len(emails)), min(page*limit, len(emails))
		items := make([]map[string]any, 0, end-start)
		for i, email := range emails[start:end] {
			items = append(items, map[string]any{"id": fmt.Sprintf("%024x", start+i), "email": email, "publishedApplicationId": appID})
		}
		totalPages := max(1, (len(emails)+limit-1)/limit)
		var next any
		if page < totalPages {
			next = page + 1
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"status": true, "data": map[string]any{
			"items": items, "totalDocs": len(emails), "limit": limit, "page": page, "totalPages": totalPages,
			"hasNextPage": page < totalPages, "nextPage": next, "hasPrevPage": page > 1, "prevPage": nil,
		}})
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
	assert.False(t, page.HasNextPage)
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

func TestListAllOTPUsersSurvivesAnEmptyPageClaimingMore(t *testing.T) {
	s := newStub(t, respond(200, `{"status":true,"data":{"items":[],"totalDocs":5,"page":1,"hasNextPage":true,"nextPage":1}}`))
	c, _ := newTestClient(t, s)

	users, total, err := c.ListAllOTPUsers(context.Background(), storeID, applivery.ListOTPUsersOptions{}, 0)
	require.NoError(t, err)
	assert.Empty(t, users)
	assert.Equal(t, 5, total)
	assert.Len(t, s.requests(), 1)
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
	assert.Equal(t, []string{"ada@example.com"}, q["email"])
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

func TestFindOTPUserSearchesWithARegexSafeTerm(t *testing.T) {
	s := newStub(t, pagedUsers([]string{"ada+beta@example.com"}))
	c, _ := newTestClient(t, s)

	user, err := c.FindOTPUser(context.Background(), storeID, appID, "ada+beta@example.com")
	require.NoError(t, err)
	require.NotNil(t, user)
	term := s.last(t).Query.Get("email")
	assert.Equal(t, "beta@example.com", term)
	assert.False(t, strings.ContainsAny(term, `+*?()[]{}|^$\`))
}

func TestFindOTPUserNeedsAnEmail(t *testing.T) {
	s := newStub(t, pagedUsers(nil))
	c, _ := newTestClient(t, s)

	_, err := c.FindOTPUser(context.Background(), storeID, appID, "  ")
	assert.Error(t, err)
	assert.Empty(t, s.requests())
}
