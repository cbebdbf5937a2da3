package applivery

import "context"

// getPage fetches one page of a listing.
func getPage[T any](ctx context.Context, c *Client, req request) (*Page[T], error) {
	var page Page[T]
	if err := c.do(ctx, req, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// walkPages hands the pages of a listing, from page number first on, to
// visit until visit returns false or the listing ends. fetch gets one page by
// number; limit is the page size it asks for (0 for the server's default).
func walkPages[T any](ctx context.Context, first, limit int, fetch func(context.Context, int) (*Page[T], error), visit func(*Page[T]) bool) error {
	n := max(first, 1)
	for {
		page, err := fetch(ctx, n)
		if err != nil {
			return err
		}
		if !visit(page) || !page.hasMore(n, limit) {
			return nil
		}
		n = page.nextNumber(n)
	}
}

// hasMore says whether page number n, asked for with the given limit, has a
// successor. hasNextPage decides when the server sent it; otherwise
// totalPages, then totalDocs. An empty page always ends the walk: one that
// claims a successor would loop forever.
func (p *Page[T]) hasMore(n, limit int) bool {
	switch {
	case len(p.Items) == 0:
		return false
	case p.HasNextPage != nil:
		return *p.HasNextPage
	case p.TotalPages > 0:
		return n < p.TotalPages
	default:
		// Every page before this one was full.
		size := firstPositive(p.Limit, limit, len(p.Items))
		return (n-1)*size+len(p.Items) < p.TotalDocs
	}
}

// nextNumber trusts the server's nextPage only when it moves forward.
func (p *Page[T]) nextNumber(current int) int {
	if p.NextPage > current {
		return p.NextPage
	}
	return current + 1
}

func firstPositive(values ...int) int {
	for _, v := range values {
		if v > 0 {
			return v
		}
	}
	return 0
}
