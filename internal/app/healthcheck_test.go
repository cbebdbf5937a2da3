package app

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReadyzURLUsesHTTPAddrsPort(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		"": "http://127.0.0.1:8080/readyz", ":8080": "http://127.0.0.1:8080/readyz", ":9090": "http://127.0.0.1:9090/readyz",
		"0.0.0.0:9091": "http://127.0.0.1:9091/readyz", "127.0.0.1:0": "http://127.0.0.1:8080/readyz",
	} {
		assert.Equal(t, want, readyzURL(addr), addr)
	}
}
