package funds

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// BenchmarkVaultDebit measures durable debits: one immediate transaction each (registers, piece row,
// audit entry), fsynced. Compare with BenchmarkSQLiteCommitBaseline, the storage limit.
func BenchmarkVaultDebit(b *testing.B) {
	ctx := context.Background()
	v, _ := openTestVault(b)
	fill(b, v, 5000*Dollar)
	info := PieceInfo{MailClass: "First-Class letter", MailingDate: "2026-11-25", Actor: "bench"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := v.Debit(ctx, Mill, info); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if err := v.Verify(ctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSQLiteCommitBaseline is a bare one-row UPDATE per transaction with the vault's own DSN (WAL,
// synchronous=FULL, immediate transactions) on the same file system: what any durable commit costs.
func BenchmarkSQLiteCommitBaseline(b *testing.B) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", DurableDSN(filepath.Join(b.TempDir(), "baseline.db")))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := CheckDurablePragmas(ctx, db); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE counter(id INTEGER PRIMARY KEY, n INTEGER NOT NULL); INSERT INTO counter VALUES(1, 0)`); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Exec(`UPDATE counter SET n = n + 1 WHERE id = 1`); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}
