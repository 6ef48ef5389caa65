// Package datacenter is the Data Center side of the refill protocol (DESIGN.md, "Refill protocol"): it keeps
// the customers' postage accounts (prepaid balance, deposits, credit line, lock), the meters registered to
// draw on them, and every refill a meter ever asked for, and serves the signed HTTP API in funds/protocol.go.
//
// Money moves in two phases. A reserve holds the amount (prepaid first, then credit) or records a decline;
// a post moves the hold to posted; a void releases it exactly as it was drawn, or stores a voided tombstone
// for an id never seen so that a late reserve can never create a hold. Refill ids are permanent: the same id
// always gets the same stored answer, and the Data Center never voids on its own, because only the meter
// knows whether it applied a refill.
//
// Per account the invariant deposits + credit_used == prepaid + Σ reserved + Σ posted holds after every
// transaction: it is enforced by CHECK constraints, asserted in code before each commit, and verified from
// the refill and deposit rows by Store.CheckInvariants. Money is always int64 mills (funds.Amount).
//
// Storage is behind the Store interface, with two implementations that pass the same tests: SQLiteStore
// (modernc.org/sqlite, WAL, synchronous=FULL, one writer connection that commits concurrent transactions
// in groups), the embedded default, and PostgresStore (pgx; row locks in a fixed order, retries of
// transient conflicts) for a fleet served by several stateless replicas; Open picks one by the -db
// argument. NewServer wraps a Store in an http.Handler (with /healthz, /readyz and /metrics for the
// operators), and Serve / ListenAndServe run it with graceful shutdown and optional TLS.
package datacenter
