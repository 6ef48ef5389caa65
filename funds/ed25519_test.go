package funds

import (
	"crypto/ed25519"
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// The signatures go through curve25519-voi (ed25519.go); these tests hold it to crypto/ed25519, which
// the keys come from and which any other verifier of our signatures (an auditor's tool) would use.

// ed25519Cases returns n keys made from seeded random seeds, each with a message of random length.
func ed25519Cases(t *testing.T, n int) ([]ed25519.PrivateKey, [][]byte) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var keys []ed25519.PrivateKey
	var msgs [][]byte
	for range n {
		seed := make([]byte, ed25519.SeedSize)
		for i := range seed {
			seed[i] = byte(rng.UintN(256))
		}
		msg := make([]byte, rng.IntN(600))
		for i := range msg {
			msg[i] = byte(rng.UintN(256))
		}
		keys = append(keys, ed25519.NewKeyFromSeed(seed))
		msgs = append(msgs, msg)
	}
	return keys, msgs
}

func TestSignEd25519MakesCryptoEd25519sSignatures(t *testing.T) {
	keys, msgs := ed25519Cases(t, 300)
	for i, k := range keys {
		sig := SignEd25519(k, msgs[i])
		require.Equal(t, ed25519.Sign(k, msgs[i]), sig, "case %d", i)
		require.True(t, ed25519.Verify(k.Public().(ed25519.PublicKey), msgs[i], sig), "case %d", i)
	}
}

func TestVerifyEd25519AcceptsExactlyWhatCryptoEd25519Accepts(t *testing.T) {
	keys, msgs := ed25519Cases(t, 300)
	rng := rand.New(rand.NewPCG(3, 4))
	agree := func(what string, pub ed25519.PublicKey, msg, sig []byte) bool {
		t.Helper()
		want := ed25519.Verify(pub, msg, sig)
		require.Equal(t, want, VerifyEd25519(pub, msg, sig), what)
		return want
	}
	flip := func(b []byte) []byte {
		c := append([]byte(nil), b...)
		if len(c) > 0 {
			i := rng.IntN(len(c))
			c[i] ^= 1 << rng.UintN(8)
		}
		return c
	}
	accepted, refused := 0, 0
	for i, k := range keys {
		pub, msg := k.Public().(ed25519.PublicKey), msgs[i]
		sig := ed25519.Sign(k, msg)
		require.True(t, agree("a good signature", pub, msg, sig))
		for _, c := range []struct {
			what          string
			pub, msg, sig []byte
		}{
			{"a bit of the signature changed", pub, msg, flip(sig)},
			{"a bit of the message changed", pub, flip(msg), sig},
			{"a bit of the key changed", flip(pub), msg, sig},
			{"S plus the group order (a malleated signature)", pub, msg, addOrderToS(sig)},
		} {
			if agree(c.what, c.pub, c.msg, c.sig) {
				accepted++
			} else {
				refused++
			}
		}
	}
	require.Equal(t, 4*len(keys), refused, "every altered signature is refused (accepted %d)", accepted)

	// The edge crypto/ed25519 allows: a small-order key (the identity) with R the identity and S zero
	// passes its cofactorless equation for every message. voi's stricter defaults would refuse it; with
	// the standard library's rules it must be the same answer.
	identity := make([]byte, 32)
	identity[0] = 1
	weak := append(append([]byte(nil), identity...), make([]byte, 32)...)
	require.True(t, agree("the identity key and the all-identity signature", identity, []byte("any message"), weak))
}

func TestVerifyEd25519RefusesWrongLengthsWithoutPanicking(t *testing.T) {
	k := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	pub, msg := k.Public().(ed25519.PublicKey), []byte("postmeter")
	sig := ed25519.Sign(k, msg)
	require.True(t, VerifyEd25519(pub, msg, sig))
	require.False(t, VerifyEd25519(pub[:31], msg, sig))
	require.False(t, VerifyEd25519(nil, msg, sig))
	require.False(t, VerifyEd25519(pub, msg, sig[:63]))
	require.False(t, VerifyEd25519(pub, msg, append(append([]byte(nil), sig...), 0)))
}

// addOrderToS returns sig with the group order ℓ added to its S half (little-endian, 256 bits): the
// same point equation, a different encoding, which both libraries must refuse (S ≥ ℓ).
func addOrderToS(sig []byte) []byte {
	order := [4]uint64{0x5812631a5cf5d3ed, 0x14def9dea2f79cd6, 0, 0x1000000000000000}
	out := append([]byte(nil), sig...)
	var carry uint64
	for i := range 4 {
		var sum uint64
		sum, carry = bits.Add64(binary.LittleEndian.Uint64(out[32+8*i:]), order[i], carry)
		binary.LittleEndian.PutUint64(out[32+8*i:], sum)
	}
	return out
}
