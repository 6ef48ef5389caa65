package funds

import "crypto/ed25519"

// This file is the meter's signature on the postage it prints (docs/indicia.md). The printer package
// lays out what an indicium carries (printer.IndiciumBody); the meter's key signs it here, behind a tag
// of its own, so that no indicium can ever pass for a signed request or answer, nor one of those for an
// indicium.

// indiciumTag starts every signed indicium message.
const indiciumTag = "postmeter-indicium-v2\n"

// IndiciumMessage is what the meter's key signs for an indicium whose payload body is body.
func IndiciumMessage(body []byte) []byte {
	return append([]byte(indiciumTag), body...)
}

// SignIndicium signs an indicium's payload body with the meter's key, the way a postal security device
// signs each impression after it debited the postage.
func (v *Vault) SignIndicium(body []byte) []byte { return v.keys.Sign(IndiciumMessage(body)) }

// VerifyIndicium checks an indicium signature with a meter's registered public key.
func VerifyIndicium(pub ed25519.PublicKey, body, sig []byte) bool {
	return VerifyEd25519(pub, IndiciumMessage(body), sig)
}
