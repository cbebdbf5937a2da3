package store

// The black-box tests share the helpers that the white-box tests use.
var (
	ForEachConfig  = forEachConfig
	ForEachDB      = forEachDB
	SQLiteConfig   = sqliteConfig
	PostgresConfig = postgresConfig
	OpenForTest    = openForTest
)
