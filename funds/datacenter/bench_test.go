package datacenter_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"postmeter/funds"
	"postmeter/funds/datacenter"
)

// BenchmarkReserveAndPostWithHistory times one refill (reserve, then post, each its own durable
// transaction) on an account that already has history refills. With the account checked against its
// trigger-kept ledger the time does not grow with the history; summing the rows in every transaction
// made it grow linearly.
func BenchmarkReserveAndPostWithHistory(b *testing.B) {
	for _, history := range []int{0, 3000} {
		b.Run(fmt.Sprintf("history=%d", history), func(b *testing.B) {
			ctx := context.Background()
			st, err := datacenter.OpenSQLite(ctx, filepath.Join(b.TempDir(), "dc.db"),
				datacenter.SQLiteOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			const account, serial = "12345678", "PM000001"
			if err := st.CreateAccount(ctx, account, 0); err != nil {
				b.Fatal(err)
			}
			if err := st.Deposit(ctx, account, datacenter.MaxAdminAmount); err != nil {
				b.Fatal(err)
			}
			if _, err := st.RegisterMeter(ctx, serial, account, funds.Dollar, 100*funds.Dollar); err != nil {
				b.Fatal(err)
			}
			var posted, seq int64 // the meter's control register and audit seq, reported with each reserve
			refill := func() {
				id := uuid.Must(uuid.NewV7()).String()
				seq++
				rep := funds.Report{Registers: funds.RegisterReadings{AvailableMills: posted, ControlMills: posted},
					AuditSeq: seq, AuditHead: strings.Repeat("ab", 32)}
				if _, err := st.Reserve(ctx, datacenter.Request{Serial: serial, At: time.Now()}, id, 10*funds.Dollar, rep); err != nil {
					b.Fatal(err)
				}
				posted += (10 * funds.Dollar).Mills()
				if _, err := st.Post(ctx, datacenter.Request{Serial: serial}, id); err != nil {
					b.Fatal(err)
				}
			}
			for range history {
				refill()
			}
			b.ResetTimer()
			for range b.N {
				refill()
			}
		})
	}
}
