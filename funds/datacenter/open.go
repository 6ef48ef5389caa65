package datacenter

import (
	"context"
	"crypto/ed25519"
	"log/slog"

	"postmeter/funds"
)

// Open opens the Data Center store that db names: a PostgreSQL database for a postgres:// (or
// postgresql://) URL, otherwise the embedded SQLite file at that path.
func Open(ctx context.Context, db string, log *slog.Logger) (Store, error) {
	if IsPostgresURL(db) {
		return OpenPostgres(ctx, db, PostgresOptions{Logger: log})
	}
	return OpenSQLite(ctx, db, SQLiteOptions{Logger: log})
}

// RatePublisher is a Store that keeps the rate tables published to the meters; both stores are.
type RatePublisher interface {
	Store
	PublishRates(ctx context.Context, key ed25519.PrivateKey, effective string, table []byte) error
	RateTables(ctx context.Context) ([]funds.SignedRates, error)
}

var (
	_ RatePublisher = (*SQLiteStore)(nil)
	_ RatePublisher = (*PostgresStore)(nil)
)
