package funds

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Keys are a meter's secrets and the one public key it trusts. A software meter keeps them in files
// (FileKeys); a postal security device would keep them in a secure element behind the same methods, so
// that no private key ever reaches the database or the program's memory (docs/security.md).
type Keys interface {
	// Public is the meter's Ed25519 public key, registered at the Data Center at enrollment.
	Public() ed25519.PublicKey
	// Sign signs msg with the meter's Ed25519 private key (requests, and later indicia).
	Sign(msg []byte) []byte
	// MAC is HMAC-SHA256 of msg under a key derived for purpose from the device key, which never leaves
	// the key store: the audit chain, the rows it protects and the PIN pepper each use their own purpose.
	MAC(purpose string, msg []byte) []byte
	// VerifyDataCenter checks a signature by the Data Center key pinned at enrollment; false before.
	VerifyDataCenter(msg, sig []byte) bool
	// DataCenterKey is the pinned Data Center key, nil before enrollment.
	DataCenterKey() ed25519.PublicKey
	// PinDataCenter pins the Data Center's key. Pinning the same key again is a no-op; another key is
	// refused, so a fake Data Center cannot take over an enrolled meter.
	PinDataCenter(key ed25519.PublicKey) error
}

// Key file names inside a meter's key folder. Each is 0600 and holds raw bytes.
const (
	meterKeyFile      = "meter-signing.key" // Ed25519 seed, 32 bytes
	deviceKeyFile     = "device.key"        // HMAC key, 32 bytes
	dataCenterKeyFile = "datacenter.pub"    // the pinned Data Center key, 32 bytes
)

// FileKeys keeps a meter's keys in a folder of their own, one file each, mode 0600.
type FileKeys struct {
	dir    string
	priv   ed25519.PrivateKey
	device []byte

	mu sync.Mutex
	dc ed25519.PublicKey

	derived sync.Map // purpose → its key: Verify MACs every audit entry, so each key is derived once
}

// ErrKeyFileMode is returned for a key file that others than its owner may read or write.
var ErrKeyFileMode = errors.New("key file is readable by others")

// ErrDataCenterKeyChanged is returned when a different Data Center key would replace the pinned one.
var ErrDataCenterKeyChanged = errors.New("a different Data Center key is already pinned")

// OpenFileKeys loads the keys in dir, making the meter key and the device key on first use. The folder
// is created 0700; a key file with group or other permissions is refused.
func OpenFileKeys(dir string) (*FileKeys, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("key folder: %w", err)
	}
	seed, err := loadOrCreateSecret(filepath.Join(dir, meterKeyFile))
	if err != nil {
		return nil, err
	}
	device, err := loadOrCreateSecret(filepath.Join(dir, deviceKeyFile))
	if err != nil {
		return nil, err
	}
	k := &FileKeys{dir: dir, priv: ed25519.NewKeyFromSeed(seed), device: device}
	dc, err := readKeyFile(filepath.Join(dir, dataCenterKeyFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	case len(dc) != ed25519.PublicKeySize:
		return nil, fmt.Errorf("key file %s: %d bytes, want %d", dataCenterKeyFile, len(dc), ed25519.PublicKeySize)
	default:
		k.dc = ed25519.PublicKey(dc)
	}
	return k, nil
}

// Public implements Keys.
func (k *FileKeys) Public() ed25519.PublicKey { return k.priv.Public().(ed25519.PublicKey) }

// Sign implements Keys.
func (k *FileKeys) Sign(msg []byte) []byte { return SignEd25519(k.priv, msg) }

// MAC implements Keys.
func (k *FileKeys) MAC(purpose string, msg []byte) []byte {
	key, ok := k.derived.Load(purpose)
	if !ok {
		key, _ = k.derived.LoadOrStore(purpose, DeriveKey(k.device, purpose))
	}
	return MACWith(key.([]byte), msg)
}

// DeriveKey derives the key for one purpose from a device key, so one purpose's MACs never stand for another's.
func DeriveKey(device []byte, purpose string) []byte {
	return MACWith(device, []byte("postmeter key for "+purpose))
}

// MACWith is HMAC-SHA256(key, msg).
func MACWith(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

// VerifyDataCenter implements Keys.
func (k *FileKeys) VerifyDataCenter(msg, sig []byte) bool {
	return VerifyEd25519(k.DataCenterKey(), msg, sig) // no key pinned yet: nil, refused
}

// DataCenterKey implements Keys.
func (k *FileKeys) DataCenterKey() ed25519.PublicKey {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.dc
}

// PinDataCenter implements Keys: it writes datacenter.pub (0600) once.
func (k *FileKeys) PinDataCenter(key ed25519.PublicKey) error {
	if len(key) != ed25519.PublicKeySize {
		return fmt.Errorf("pin Data Center key: %d bytes, want %d", len(key), ed25519.PublicKeySize)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.dc != nil {
		if bytes.Equal(k.dc, key) {
			return nil
		}
		return ErrDataCenterKeyChanged
	}
	if err := writeKeyFile(filepath.Join(k.dir, dataCenterKeyFile), key); err != nil {
		return err
	}
	k.dc = append(ed25519.PublicKey(nil), key...)
	return nil
}

func loadOrCreateSecret(path string) ([]byte, error) {
	b, err := readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		b = make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		if err := writeKeyFile(path, b); err != nil {
			return nil, err
		}
		return b, nil
	}
	if err != nil {
		return nil, err
	}
	if len(b) != 32 {
		return nil, fmt.Errorf("key file %s: %d bytes, want 32", filepath.Base(path), len(b))
	}
	return b, nil
}

// readKeyFile reads a key file and refuses one that group or others may use.
func readKeyFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %04o; make it 0600 (chmod 600)", ErrKeyFileMode, path, st.Mode().Perm())
	}
	return os.ReadFile(path)
}

// writeKeyFile creates path 0600; it never overwrites a file.
func writeKeyFile(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write key file: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("write key file %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write key file %s: %w", path, err)
	}
	return f.Close()
}

// CreatePrivateFile makes sure path exists with mode 0600 before SQLite opens it: SQLite gives its -wal
// and -shm files the database file's mode, so the whole database stays private to its owner.
func CreatePrivateFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return os.Chmod(path, 0o600)
	}
	return nil
}
