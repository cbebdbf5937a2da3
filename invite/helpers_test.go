package invite_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
)

// readEmail peeks at a create's email without consuming the body the fake still needs.
func readEmail(r *http.Request) string {
	if r.Body == nil {
		return ""
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	var v struct{ Email string }
	_ = json.Unmarshal(body, &v)
	return v.Email
}
