package funds

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// archivedScene is archiveScene with its first months archived; it returns the files.
func archivedScene(t *testing.T, months int) (path string, opts VaultOptions, files []ArchiveInfo) {
	t.Helper()
	ctx := context.Background()
	path, opts = archiveScene(t, 900)
	v, err := OpenVault(ctx, path, opts)
	require.NoError(t, err)
	files, err = v.Archive(ctx, ArchiveOptions{Max: months})
	require.NoError(t, err)
	require.Len(t, files, months)
	require.NoError(t, v.Close())
	return path, opts, files
}

// fileLines splits an archive file into its lines (without their newlines).
func fileLines(t *testing.T, file string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	return bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
}

// writeLines writes lines as an archive file; with sign set it seals them again with it, as someone
// holding a meter key would.
func writeLines(t *testing.T, lines [][]byte, sign func([]byte) []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if sign == nil {
		buf.Write(bytes.Join(lines, []byte("\n")))
		buf.WriteByte('\n')
	} else {
		aw := newArchiveWriter(&buf)
		for _, l := range lines[:len(lines)-1] {
			var line archiveLine
			require.NoError(t, json.Unmarshal(l, &line))
			require.NoError(t, aw.line(line))
		}
		var h archiveLine
		require.NoError(t, json.Unmarshal(lines[0], &h))
		_, err := aw.seal(h.Header.Serial, sign)
		require.NoError(t, err)
	}
	out := filepath.Join(t.TempDir(), "edited.pmarchive")
	require.NoError(t, os.WriteFile(out, buf.Bytes(), 0o600))
	return out
}

// edit changes the first line of kind (a JSON field name) with fn.
func edit(t *testing.T, lines [][]byte, kind string, nth int, fn func(m map[string]any)) [][]byte {
	t.Helper()
	out := make([][]byte, len(lines))
	copy(out, lines)
	seen := 0
	for i, l := range lines {
		var m map[string]map[string]any
		require.NoError(t, json.Unmarshal(l, &m))
		inner, ok := m[kind]
		if !ok {
			continue
		}
		if seen++; seen <= nth {
			continue
		}
		fn(inner)
		b, err := json.Marshal(m)
		require.NoError(t, err)
		out[i] = b
		return out
	}
	t.Fatalf("no %s line number %d", kind, nth)
	return nil
}

func linesOf(t *testing.T, lines [][]byte, kind string) (idx []int) {
	for i, l := range lines {
		if bytes.HasPrefix(l, []byte(`{"`+kind+`"`)) {
			idx = append(idx, i)
		}
	}
	require.NotEmpty(t, idx, kind)
	return idx
}

// TestEditedArchiveFailsItsOwnVerification: every kind of edit of an archive file is found with the
// meter's public key alone. A plain edit breaks the seal; the same edit sealed again by someone holding
// the meter's signing key (or the archive's author, in a bug) is still found by the checks inside.
func TestEditedArchiveFailsItsOwnVerification(t *testing.T) {
	_, opts, files := archivedScene(t, 2)
	keys := opts.Keys
	pub := keys.Public()
	lines := fileLines(t, files[0].Path)
	other := fileLines(t, files[1].Path)
	_, stranger, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)

	sum, err := VerifyArchiveFile(files[0].Path, pub)
	require.NoError(t, err, "the file as written verifies")
	assert.Positive(t, sum.End.Signatures, "the scene's indicium signatures are archived with their pieces")
	_, err = VerifyArchiveFile(writeLines(t, lines, keys.Sign), pub)
	require.NoError(t, err, "sealing the same lines again changes nothing")

	audit := linesOf(t, lines, "audit")
	swapped := append([][]byte{}, lines...)
	swapped[audit[3]], swapped[audit[4]] = swapped[audit[4]], swapped[audit[3]]
	segment := append(append(append([][]byte{}, lines[:audit[0]]...), other[linesOf(t, other, "audit")[0]:linesOf(t, other, "total")[0]]...),
		lines[audit[len(audit)-1]+1:]...)
	dropped := append(append([][]byte{}, lines[:audit[7]]...), lines[audit[7]+1:]...)

	for _, c := range []struct {
		name  string
		lines [][]byte
		sign  func([]byte) []byte
		check string
	}{
		{"a piece marked spoiled", edit(t, lines, "piece", 20, func(m map[string]any) { m["state"] = "spoiled" }), nil, "archive seal"},
		{"a piece marked spoiled, sealed again", edit(t, lines, "piece", 20, func(m map[string]any) { m["state"] = "spoiled" }), keys.Sign, "archive sums"},
		{"a piece's amount, sealed again", edit(t, lines, "piece", 5, func(m map[string]any) { m["amount_mills"] = 1 }), keys.Sign, "archive sums"},
		{"a piece's note, sealed again", edit(t, lines, "piece", 7, func(m map[string]any) { m["note"] = "refund me" }), keys.Sign, "archive row"},
		{"the end's sum, sealed again", edit(t, lines, "end", 0, func(m map[string]any) { m["piece_sum_mills"] = m["piece_sum_mills"].(float64) + 1000 }), keys.Sign, "archive sums"},
		{"a day's summary, sealed again", edit(t, lines, "total", 0, func(m map[string]any) { m["value_mills"] = 1 }), keys.Sign, "archive sums"},
		{"an entry's used register, sealed again", edit(t, lines, "audit", 30, func(m map[string]any) {
			m["used_mills"] = m["used_mills"].(float64) + 1
			m["control_mills"] = m["control_mills"].(float64) + 1
		}), keys.Sign, "archive sums"},
		{"an indicium signature, sealed again", edit(t, lines, "piece_signature", 1, func(m map[string]any) { m["body"] = "Zm9yZ2Vk" }), keys.Sign, "archive row"},
		{"the seal's signature", edit(t, lines, "seal", 0, func(m map[string]any) {
			sig, _ := hex.DecodeString(m["ed25519"].(string))
			sig[5] ^= 1
			m["ed25519"] = hex.EncodeToString(sig)
		}), nil, "archive signature"},
		{"sealed by another key", lines, func(msg []byte) []byte { return ed25519.Sign(stranger, msg) }, "archive signature"},
		{"cut short", lines[:len(lines)-3], nil, "archive seal"},
		{"the seal line cut in half", append(append([][]byte{}, lines[:len(lines)-1]...), lines[len(lines)-1][:40]), nil, "archive seal"},
		{"two entries swapped, sealed again", swapped, keys.Sign, "archive chain"},
		{"an entry left out, sealed again", dropped, keys.Sign, "archive chain"},
		{"another month's segment, sealed again", segment, keys.Sign, "archive chain"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := VerifyArchiveFile(writeLines(t, c.lines, c.sign), pub)
			var ve *VerifyError
			require.True(t, errors.As(err, &ve), "got %v", err)
			assert.Equal(t, c.check, ve.Check, ve.Detail)
		})
	}
	t.Run("a file cut inside a line", func(t *testing.T) {
		data, err := os.ReadFile(files[0].Path)
		require.NoError(t, err)
		out := filepath.Join(t.TempDir(), "cut.pmarchive")
		require.NoError(t, os.WriteFile(out, data[:len(data)/2], 0o600))
		_, err = VerifyArchiveFile(out, pub)
		var ve *VerifyError
		require.True(t, errors.As(err, &ve), "got %v", err)
		assert.True(t, strings.HasPrefix(ve.Check, "archive"), ve.Check)
	})
}

// TestArchivedVaultStillFindsChanges: after an archive, the background verification and postmeter
// verify (VerifyFile) still find a change to an old live row, and the archive's own records cannot be
// bent to hide rows: an archive hidden, one marked restored that was not, archived rows put back.
func TestArchivedVaultStillFindsChanges(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name, check string
		attack      func(t *testing.T, db *sql.DB)
	}{
		{"an old live piece changed", "row history", func(t *testing.T, db *sql.DB) {
			var seq int64
			require.NoError(t, db.QueryRow(`SELECT MIN(seq) FROM pieces`).Scan(&seq))
			mustExec(t, db, `UPDATE pieces SET state = 'spoiled', note = 'jam' WHERE seq = ?`, seq)
		}},
		{"an old live entry deleted", "audit sequence", func(t *testing.T, db *sql.DB) {
			mustExec(t, db, `DELETE FROM audit WHERE seq = (SELECT MIN(seq) + 3 FROM audit)`)
		}},
		{"the newest archive hidden", "used register", func(t *testing.T, db *sql.DB) {
			mustExec(t, db, `DELETE FROM archives WHERE record_seq = (SELECT MAX(record_seq) FROM archives)`)
		}},
		{"the newest archive marked restored", "used register", func(t *testing.T, db *sql.DB) {
			mustExec(t, db, `UPDATE archives SET restored_seq = 1 WHERE record_seq = (SELECT MAX(record_seq) FROM archives)`)
		}},
		{"the archive's saved rows changed", "archive", func(t *testing.T, db *sql.DB) {
			mustExec(t, db, `UPDATE archive_rows SET digest = digest + 1 WHERE tbl = 'refill'`)
		}},
		{"an archived piece put back", "archive", func(t *testing.T, db *sql.DB) {
			mustExec(t, db, `INSERT INTO pieces(seq, amount, state, mail_class, account_code, mailing_date, actor, created)
				VALUES(3, 730, 'printed', 'letter', 'SALES', '2026-01-01', 'ann', 'x')`)
		}},
		{"an archived summary changed", "piece totals", func(t *testing.T, db *sql.DB) {
			mustExec(t, db, `UPDATE archive_totals SET value = value + 1 WHERE rowid = 1`)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path, opts, _ := archivedScene(t, 2)
			attack(t, path, func(db *sql.DB) { c.attack(t, db) })
			_, err := VerifyFile(ctx, path, opts.Keys, testSerial)
			var ve *VerifyError
			require.True(t, errors.As(err, &ve), "postmeter verify must find it, got %v", err)
			assert.Equal(t, c.check, ve.Check, ve.Detail)

			v, err := OpenVault(ctx, path, opts)
			if err != nil { // found at open already: the change is after the newest checkpoint
				require.True(t, errors.As(err, &ve), "got %v", err)
				return
			}
			defer v.Close()
			err = v.BackgroundCheck().Wait(ctx)
			require.True(t, errors.As(err, &ve), "the background verification must find it, got %v", err)
			assert.Equal(t, c.check, ve.Check, ve.Detail)
			_, err = v.Debit(ctx, 730, PieceInfo{MailClass: "letter", MailingDate: "2027-01-01", Actor: "ann"})
			assert.ErrorAs(t, err, &ve, "and the meter prints nothing more")
		})
	}
}
