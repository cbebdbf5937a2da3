package appliverytest

import (
	"fmt"
	"net/url"
	"strconv"
)

// Listing defaults of mongoose-paginate, which the real API uses.
const (
	defaultPage  = 1
	defaultLimit = 10
)

// pageParams reads the page and limit every listing accepts; rep is the
// error to answer, with a zero status when they are fine.
func pageParams(q url.Values) (page, limit int, rep reply) {
	page, errPage := positiveInt(q.Get("page"), defaultPage)
	limit, errLimit := positiveInt(q.Get("limit"), defaultLimit)
	if errPage != nil || errLimit != nil {
		return 0, 0, invalid("page and limit must be positive integers")
	}
	return page, limit, reply{}
}

func positiveInt(raw string, fallback int) (int, error) {
	if raw == "" {
		return fallback, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("not a positive integer: %q", raw)
	}
	return n, nil
}

// pageJSON is mongoose-paginate's shape; absent neighbours are null.
type pageJSON[T any] struct {
	Items         []T  `json:"items"`
	TotalDocs     int  `json:"totalDocs"`
	Limit         int  `json:"limit"`
	Page          int  `json:"page"`
	TotalPages    int  `json:"totalPages"`
	PagingCounter int  `json:"pagingCounter"`
	HasPrevPage   bool `json:"hasPrevPage"`
	HasNextPage   bool `json:"hasNextPage"`
	PrevPage      *int `json:"prevPage"`
	NextPage      *int `json:"nextPage"`
}

// paginate cuts one page out of items; the page holds a copy, so it never
// aliases server state.
func paginate[T any](items []T, page, limit int) pageJSON[T] {
	total := len(items)
	totalPages := max(1, (total+limit-1)/limit)
	start := min((page-1)*limit, total)
	end := min(start+limit, total)
	p := pageJSON[T]{
		Items:         append([]T{}, items[start:end]...),
		TotalDocs:     total,
		Limit:         limit,
		Page:          page,
		TotalPages:    totalPages,
		PagingCounter: (page-1)*limit + 1,
		HasPrevPage:   page > 1,
		HasNextPage:   page < totalPages,
	}
	if p.HasPrevPage {
		prev := page - 1
		p.PrevPage = &prev
	}
	if p.HasNextPage {
		next := page + 1
		p.NextPage = &next
	}
	return p
}
