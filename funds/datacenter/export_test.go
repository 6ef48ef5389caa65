package datacenter

import (
	"context"
	"fmt"
)

// SchemaV1 is the first schema, for migration tests.
const SchemaV1 = schema

// Planted weaknesses for the adversary harness: each switches one check off in this test binary only.

// PlantNoNonceMemory makes the store accept a nonce it has seen before (replays).
func PlantNoNonceMemory(s Store) { weaknessesOf(s).noNonceMemory = true }

// PlantTrustReports makes the store believe every meter report (no register cross-check).
func PlantTrustReports(s Store) { weaknessesOf(s).trustReports = true }

func weaknessesOf(s Store) *weaknesses {
	switch s := s.(type) {
	case *SQLiteStore:
		return &s.weak
	case *PostgresStore:
		return &s.weak
	}
	panic(fmt.Sprintf("no weaknesses to plant in a %T", s))
}

// SweepNonces runs the PostgreSQL store's sweep of expired nonces once and returns the rows it dropped.
func SweepNonces(s *PostgresStore) (int64, error) { return s.sweepNonces(context.Background()) }

// HoldGroups makes the PostgreSQL store's group worker wait for n requests before it runs a group, so a
// test can send requests that must share one transaction; 0 lets it run what it has, as in a program.
func HoldGroups(s *PostgresStore, n int) { s.group.gate.Store(int32(n)) }
