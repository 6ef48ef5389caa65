package funds_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	"postmeter/internal/pgtest"
	"postmeter/internal/testenv"
)

// TestRefillCrashHarnessPostgres is the crash harness with the Data Center on PostgreSQL, served by two
// stateless replicas on one database: the meter's requests go to either at random, and a round that kills
// the Data Center kills one of them. Nothing a replica keeps in memory may matter: the nonces, the
// reports and the money are all in the database, so a retry that lands on the other replica gets the
// same answer.
func TestRefillCrashHarnessPostgres(t *testing.T) {
	testenv.Short(t, "the crash harness takes about a minute")
	rounds := defaultCrashRounds
	if s := os.Getenv(envRounds); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number of rounds", envRounds, s)
		}
		rounds = n
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("REFILL_CRASH_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	h := newCrashHarnessOn(t, seed, os.Getenv(envBug), pgtest.Database(t), 2)
	res := h.run(rounds)
	for _, v := range res.violations {
		t.Errorf("violation: %s", v)
	}
	t.Log(res.line())
}
