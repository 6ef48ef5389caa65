package funds_test

import (
	"context"
	"crypto/ed25519"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"postmeter/funds"
	"postmeter/funds/datacenter"
)

// BenchmarkRefillLoopback measures a whole refill (store intent, reserve, apply, post, confirm) against
// the real Data Center over HTTP on loopback, both sides on SQLite with durable commits. It reports the
// median and the 99th percentile of one refill.
func BenchmarkRefillLoopback(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	store, err := datacenter.OpenSQLite(ctx, filepath.Join(dir, "dc.db"), datacenter.SQLiteOptions{Logger: quietLog()})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	must(b, store.CreateAccount(ctx, crashAccount, 0))
	must(b, store.Deposit(ctx, crashAccount, datacenter.MaxAdminAmount))
	if _, err := store.RegisterMeter(ctx, crashSerial, crashAccount, funds.Mill, 5000*funds.Dollar); err != nil {
		b.Fatal(err)
	}
	_, dcKey, err := ed25519.GenerateKey(nil)
	must(b, err)
	keys, err := funds.OpenFileKeys(filepath.Join(dir, "keys"))
	must(b, err)
	must(b, datacenter.EnrollLocal(ctx, store, dcKey, crashSerial, keys))
	srv := httptest.NewServer(datacenter.NewServer(store, datacenter.Options{Logger: quietLog(), Key: dcKey}))
	defer srv.Close()
	v, err := funds.OpenVault(ctx, filepath.Join(dir, "meter.db"), funds.VaultOptions{Keys: keys, Serial: crashSerial})
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	client := funds.NewDataCenterClient(srv.URL, crashSerial, keys)
	client.Reports = v.Report
	r := &funds.Refiller{Vault: v, DC: client, Log: quietLog()}

	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		res, err := r.Refill(ctx, funds.Dollar, "bench", nil)
		if err != nil || !res.Confirmed {
			b.Fatalf("refill %d: %v (confirmed %v)", i, err, res.Confirmed)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	if err := v.Verify(ctx); err != nil {
		b.Fatal(err)
	}
	must(b, store.CheckInvariants(ctx))
}
