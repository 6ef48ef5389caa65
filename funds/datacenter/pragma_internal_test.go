package datacenter

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"postmeter/funds"
)

// The start-up guard must refuse a connection that is not WAL + synchronous=FULL + foreign keys.
func TestCheckPragmasRefusesNonDurableSettings(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cases := map[string]string{
		"synchronous NORMAL": strings.Replace(DSN(filepath.Join(dir, "a.db")), "synchronous(FULL)", "synchronous(NORMAL)", 1),
		"rollback journal":   strings.Replace(DSN(filepath.Join(dir, "b.db")), "journal_mode(WAL)", "journal_mode(DELETE)", 1),
		"no foreign keys":    strings.Replace(DSN(filepath.Join(dir, "c.db")), "foreign_keys(1)", "foreign_keys(0)", 1),
	}
	for name, dsn := range cases {
		t.Run(name, func(t *testing.T) {
			db, err := sql.Open("sqlite", dsn)
			require.NoError(t, err)
			defer db.Close()
			err = funds.CheckDurablePragmas(ctx, db)
			require.Error(t, err)
			require.ErrorIs(t, err, funds.ErrNotDurable)
		})
	}
	db, err := sql.Open("sqlite", DSN(filepath.Join(dir, "ok.db")))
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, funds.CheckDurablePragmas(ctx, db))
}
