package main

import (
	"crypto/ed25519"
	"fmt"
	"time"

	"postmeter/funds"
)

// benchSigning measures what the trust protocol's cryptography costs a refill: its two requests
// (reserve, post) are each signed by the meter and verified by the Data Center, their two answers signed
// by the Data Center and verified by the meter, and the grant verified once more by the vault before it
// credits: 4 Ed25519 signatures and 5 verifications, against the refill round trip measured in this run.
func benchSigning(roundTrip time.Duration) row {
	_, key, _ := ed25519.GenerateKey(nil)
	pub := key.Public().(ed25519.PublicKey)
	body := []byte(`{"amount_mills":125000,"report":{"registers":{"available_mills":60000,"used_mills":0,"control_mills":60000,"pieces":0},"audit_seq":12,"audit_head":"` +
		"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" + `"}}`)
	const n = 2000
	var sign, verify []time.Duration
	for range n {
		msg := funds.RequestMessage("PUT", "/v1/meters/PM123456/refills/01a23301-2b37-70fe-83bd-b7a54c7aa407", time.Now().UnixMilli(), funds.NewNonce(), body)
		start := time.Now()
		sig := ed25519.Sign(key, msg)
		sign = append(sign, time.Since(start))
		start = time.Now()
		ok := ed25519.Verify(pub, msg, sig)
		verify = append(verify, time.Since(start))
		if !ok {
			fail(fmt.Errorf("signing benchmark: a signature did not verify"))
		}
	}
	perRefill := 4*median(sign) + 5*median(verify)
	return row{
		figure:   "signing per refill: 4 Ed25519 signatures + 5 verifications (requests, answers, the vault's grant check)",
		value:    fmt.Sprintf("%.3f ms (sign %.0f µs, verify %.0f µs)", float64(perRefill.Microseconds())/1000, us(median(sign)), us(median(verify))),
		baseline: "refill round trip p50 (this run): " + ms(roundTrip),
		ratio:    fmt.Sprintf("%.1f %% of the round trip", 100*float64(perRefill)/float64(roundTrip)),
		result:   "no target",
	}
}

func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 }
