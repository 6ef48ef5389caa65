package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoopbackHosts(t *testing.T) {
	for listen, want := range map[string]bool{
		"127.0.0.1:8443": true, "127.8.9.10:1": true, "[::1]:8443": true, "localhost:8443": true, "LOCALHOST:1": true,
		"[::ffff:127.0.0.1]:1": true,
		":8443":                false, "0.0.0.0:8443": false, "[::]:8443": false, "192.168.1.10:8443": false,
		"dc.example.com:8443": false, "localhost.example.com:1": false, "8443": false, "": false,
	} {
		assert.Equal(t, want, isLoopbackListen(listen), listen)
	}
}

// serve refuses plain HTTP on an address other than loopback, and says what to do.
func TestServeRefusesPlainHTTPOffLoopback(t *testing.T) {
	db := filepath.Join(t.TempDir(), "dc.db")
	for _, listen := range []string{"0.0.0.0:0", ":0", "[::]:0"} {
		r := runCLI("serve", "-db", db, "-listen", listen)
		require.Equal(t, exitUsage, r.code, "%s: %s", listen, r.stderr)
		assert.Contains(t, r.stderr, "not a loopback address")
		assert.Contains(t, r.stderr, "-tls-cert")
		assert.Contains(t, r.stderr, "-insecure-plain-http")
		assert.NotContains(t, r.stdout, "listening")
	}
}

// signalWriter is a goroutine-safe buffer that closes seen when its text first contains want.
type signalWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if w.seen != nil && strings.Contains(w.buf.String(), w.want) {
		close(w.seen)
		w.seen = nil
	}
	return n, err
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// With -insecure-plain-http it listens, after a warning in the log; on loopback it needs no flag.
func TestServeInsecurePlainHTTPIsLoggedLoudly(t *testing.T) {
	for _, tc := range []struct {
		args []string
		warn bool
	}{
		{[]string{"-listen", "0.0.0.0:0", "-insecure-plain-http"}, true},
		{[]string{"-listen", "127.0.0.1:0"}, false},
	} {
		db := filepath.Join(t.TempDir(), "dc.db")
		seen := make(chan struct{})
		stdout := &signalWriter{want: "listening on http://", seen: seen}
		stderr := &signalWriter{}
		e := &env{stdout: stdout, stderr: stderr, log: slog.New(slog.NewTextHandler(stderr, nil))}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int, 1)
		go func() { done <- cmdServe(ctx, e, append([]string{"-db", db}, tc.args...)) }()
		select {
		case <-seen:
		case code := <-done:
			t.Fatalf("serve %v stopped with %d before listening: %s", tc.args, code, stderr.String())
		}
		cancel()
		require.Equal(t, exitOK, <-done, stderr.String())
		if tc.warn {
			assert.Contains(t, stderr.String(), "level=WARN msg=\"PLAIN HTTP ON A NETWORK ADDRESS")
		} else {
			assert.NotContains(t, stderr.String(), "PLAIN HTTP")
		}
	}
}
