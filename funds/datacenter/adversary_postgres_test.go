package datacenter_test

import "testing"

// TestAdversaryPostgres plays every attack of the adversary harness against a Data Center on the
// PostgreSQL store (the meter side is the same), and prints
//
//	adversary: store=postgres attacks=N refused=R detected=D undetected=0 created_mills=0
//
// The store's checks are its own code (nonces and reports in postgres_request.go), so its planted
// weaknesses are checked here too: with each switched off, the attacks it stops must come out
// undetected, or the harness would be blind to that store.
func TestAdversaryPostgres(t *testing.T) {
	requireAllCaught(t, "postgres", runAttacksOn(t, postgresBackend, weakNone, attacks()))

	for _, tc := range []struct {
		weak weakness
		want []string
	}{
		{weakNonceMemory, []string{"replayed_reserve"}},
		{weakReportChecks, []string{"rolled_back_vault_file", "report_claims_ungranted_postage", "postal_info_sequence_down"}},
	} {
		t.Run("planted_"+string(tc.weak), func(t *testing.T) {
			var list []advAttack
			for _, name := range tc.want {
				list = append(list, attackByName(name))
			}
			line, undetected, _ := summary(runAttacksOn(t, postgresBackend, tc.weak, list))
			for _, name := range tc.want {
				if !contains(undetected, name) {
					t.Errorf("with %s on PostgreSQL, %s was not reported undetected (%s)", tc.weak, name, line)
				}
			}
		})
	}
}
