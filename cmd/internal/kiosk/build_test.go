package kiosk

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/cmd/internal/kiosk/kiosktest"
	"postmeter/funds"
	"postmeter/meter"
)

// TestKioskRefillsAgainstItsDataCenter assembles a kiosk from a config file: it enrolls with the
// one-time token, pins the Data Center key the file names, and refills through that Data Center. A
// second start needs no token; a file naming another Data Center key is refused.
func TestKioskRefillsAgainstItsDataCenter(t *testing.T) {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	dc := kiosktest.New(t, false)
	token := dc.Token

	dataDir := t.TempDir()
	config := func(key, token string) Config {
		cfg, err := LoadConfig(writeConfig(t, `{"data_dir":"`+dataDir+`","data_center_url":"`+dc.URL+
			`","serial":"PM777777","data_center_key":"`+key+`","enrollment_token":"`+token+`","account_number":"87654321",
			"supervisor":{"name":"Ada","pin":"432198"},"model":"P3000"}`))
		require.NoError(t, err)
		return cfg
	}
	// A fake Data Center key in the file: enrollment refuses the real Data Center's answer.
	_, err := Build(ctx, config(zeroKey, token), quiet)
	require.ErrorIs(t, err, funds.ErrBadAnswer)
	k, err := Build(ctx, config(dc.Key, dc.NewToken(t)), quiet)
	require.NoError(t, err)
	for _, name := range []string{"meter.db", "keys/meter-signing.key", "keys/device.key", "keys/datacenter.pub"} {
		st, err := os.Stat(filepath.Join(dataDir, name))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), name)
	}
	assert.Equal(t, "SendPro P3000", k.Meter().Model().Name)
	s, err := k.Meter().Users().SignIn(ctx, "Ada", "432198")
	require.NoError(t, err)
	require.NoError(t, k.Meter().Users().ChangeOwnPIN(ctx, s, "432198", "918273"))
	c, err := k.Meter().Refill(ctx, s, 40*funds.Dollar, nil)
	require.NoError(t, err)
	assert.Equal(t, 40*funds.Dollar, c.After)
	acct, err := dc.Store.Account(ctx, "87654321")
	require.NoError(t, err)
	assert.Equal(t, 260*funds.Dollar, acct.Prepaid)
	require.NoError(t, k.Close())

	again, err := Build(ctx, config(dc.Key, ""), quiet)
	require.NoError(t, err, "an enrolled meter needs no token")
	assert.Equal(t, meter.ProfileUSIMI, again.Meter().ContactProfile().ID, "a US kiosk contacts daily and locks after 72 h")
	assert.False(t, again.Meter().UnverifiedRatesAllowed(), "no pricing from unverified tables unless the file allows it")
	require.NoError(t, again.Close())
	_, err = Build(ctx, config(zeroKey, ""), quiet)
	require.ErrorContains(t, err, "not the key this meter enrolled with")

	cfg := config(dc.Key, "")
	cfg.ContactProfile, cfg.AllowUnverifiedRates = meter.ProfileCanada, true
	ca, err := Build(ctx, cfg, quiet)
	require.NoError(t, err)
	assert.Equal(t, 21*24*time.Hour, ca.Meter().ContactProfile().WarnAfter)
	assert.True(t, ca.Meter().UnverifiedRatesAllowed())
	require.NoError(t, ca.Close())
	cfg.ContactProfile = "mars"
	_, err = Build(ctx, cfg, quiet)
	require.ErrorContains(t, err, `no contact profile "mars"`)
}
