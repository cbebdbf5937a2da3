package audit_test

import (
	"context"
	"testing"
)

// BenchmarkRecord measures one fsynced single-entry transaction, the cost a
// single invite adds to a request.
func BenchmarkRecord(b *testing.B) {
	s, _ := openTemp(b)
	ctx := context.Background()
	e := sample("bench")
	for b.Loop() {
		if err := s.Record(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}
