package funds

import (
	"crypto/ed25519"
	"time"
)

// This file is the wire form of the rate tables the Data Center publishes (docs/rates.md). The Data
// Center signs each table with its own key, once, when it is published; a meter downloads the signed
// tables at a contact, keeps them as they came, and checks each signature against the Data Center key
// it pinned at enrollment, both on download and every time it loads them again. The table's content
// (prices, classes) is the meter's business, read by meter.ParseRateTable.

// ratesTag starts every signed rate table message: no table can pass for a request, an answer or an
// indicium, nor one of those for a table.
const ratesTag = "postmeter-rates-v1\n"

// SignedRates is one published rate table exactly as the Data Center signed it.
type SignedRates struct {
	Effective string `json:"effective"` // YYYY-MM-DD, also inside Table
	Table     []byte `json:"table"`     // the table's JSON file
	Signature []byte `json:"signature"` // Ed25519 by the Data Center key over RatesMessage
}

// RatesMessage is what the Data Center signs for a table.
func RatesMessage(effective string, table []byte) []byte {
	return append([]byte(ratesTag+effective+"\n"), table...)
}

// SignRates signs a table with the Data Center key.
func SignRates(key ed25519.PrivateKey, effective string, table []byte) SignedRates {
	return SignedRates{Effective: effective, Table: table, Signature: SignEd25519(key, RatesMessage(effective, table))}
}

// Check verifies the table's signature with the pinned Data Center key.
func (r SignedRates) Check(keys Keys) bool {
	return keys.VerifyDataCenter(RatesMessage(r.Effective, r.Table), r.Signature)
}

// RatesAnswer is the body of GET …/rates: every table the Data Center has published, oldest first.
type RatesAnswer struct {
	Serial string        `json:"serial"`
	Time   time.Time     `json:"time"`
	Tables []SignedRates `json:"tables"`
}

// CheckRates verifies a published table's signature with the Data Center key the vault's keys pinned.
func (v *Vault) CheckRates(r SignedRates) bool { return r.Check(v.keys) }
