package store_test

import (
	"context"
	"testing"

	"github.com/testerbot/testerbot/internal/store"
	"github.com/testerbot/testerbot/internal/store/storetest"
)

// BenchmarkRecord measures one durable single-entry transaction, the cost a
// single invite adds to a request, on each database.
func BenchmarkRecord(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchmarkRecord(b, storetest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { benchmarkRecord(b, storetest.Postgres(b)) })
}

func benchmarkRecord(b *testing.B, cfg store.Config) {
	s := storetest.Open(b, cfg)
	ctx := context.Background()
	e := sample("bench")
	for b.Loop() {
		if err := s.Record(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}
