package datacenter

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"postmeter/funds"
)

// The Data Center's Ed25519 key signs every answer; meters pin its public key at enrollment. It lives in
// a file of its own (0600), never in the database, so a copy of the database signs nothing.

// KeyFileFor is the default key file beside a SQLite database: dc.db → dc.db.ed25519.
func KeyFileFor(dbPath string) string { return dbPath + ".ed25519" }

// LoadOrCreateKey reads the Data Center key (a 32-byte Ed25519 seed) from path, making it on first use.
// A key file that group or others may read is refused.
func LoadOrCreateKey(path string) (ed25519.PrivateKey, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		seed := make([]byte, ed25519.SeedSize)
		if _, err := rand.Read(seed); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("create Data Center key: %w", err)
		}
		_, werr := f.Write(seed)
		serr := f.Sync()
		if err := errors.Join(werr, serr, f.Close()); err != nil {
			return nil, fmt.Errorf("write Data Center key %s: %w", path, err)
		}
		return ed25519.NewKeyFromSeed(seed), nil
	}
	if err != nil {
		return nil, fmt.Errorf("Data Center key: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("Data Center key %s has mode %04o: others may read it; make it 0600 (chmod 600)", path, st.Mode().Perm())
	}
	seed, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("Data Center key: %w", err)
	}
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("Data Center key %s: %d bytes, want %d", path, len(seed), ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// EnrollLocal enrolls a meter whose Data Center runs in the same program (the trainer's simulator, tests
// and benchmarks): it issues a token and uses it at once, and pins the Data Center's key in the meter's
// key store. A real meter enrolls over HTTP with funds.Enroll.
func EnrollLocal(ctx context.Context, st Store, dcKey ed25519.PrivateKey, serial string, keys funds.Keys) error {
	token, err := st.IssueEnrollmentToken(ctx, serial, time.Minute)
	if err != nil {
		return err
	}
	if err := st.Enroll(ctx, serial, token, keys.Public()); err != nil {
		return err
	}
	return keys.PinDataCenter(dcKey.Public().(ed25519.PublicKey))
}
