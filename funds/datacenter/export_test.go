package datacenter

// SchemaV1 is the first schema, for migration tests.
const SchemaV1 = schema

// Planted weaknesses for the adversary harness: each switches one check off in this test binary only.

// PlantNoNonceMemory makes the store accept a nonce it has seen before (replays).
func PlantNoNonceMemory(s *SQLiteStore) { s.weak.noNonceMemory = true }

// PlantTrustReports makes the store believe every meter report (no register cross-check).
func PlantTrustReports(s *SQLiteStore) { s.weak.trustReports = true }
