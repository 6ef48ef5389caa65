package datacenter

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// ServeConfig configures Serve and ListenAndServe.
type ServeConfig struct {
	Addr        string // listen address for ListenAndServe, e.g. 127.0.0.1:8443 (":0" picks a port)
	TLSCertFile string // PEM certificate; with TLSKeyFile serves HTTPS, both empty serves plain HTTP
	TLSKeyFile  string
	// ShutdownTimeout bounds the graceful shutdown once ctx is done; 10 s if zero.
	ShutdownTimeout time.Duration
	// Ready, if set, is called with the bound address once the server accepts connections.
	Ready  func(addr net.Addr)
	Logger *slog.Logger // slog.Default() if nil
}

// ListenAndServe listens on cfg.Addr and serves h until ctx is done, then shuts down gracefully.
func ListenAndServe(ctx context.Context, h http.Handler, cfg ServeConfig) error {
	if err := cfg.checkTLS(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	return Serve(ctx, ln, h, cfg)
}

// Serve serves h on ln (HTTPS if cfg names a certificate and key) until ctx is done, then stops accepting,
// lets requests in flight finish (up to cfg.ShutdownTimeout) and returns nil. It closes ln.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, cfg ServeConfig) error {
	if err := cfg.checkTLS(); err != nil {
		return errors.Join(err, ln.Close())
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	timeout := cfg.ShutdownTimeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    ServerMaxHeaderBytes, // the handler refuses over MaxRequestHeaderBytes with JSON
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12},
	}
	tlsOn := cfg.TLSCertFile != ""
	done := make(chan error, 1)
	go func() {
		if tlsOn {
			done <- srv.ServeTLS(ln, cfg.TLSCertFile, cfg.TLSKeyFile)
		} else {
			done <- srv.Serve(ln)
		}
	}()
	log.Info("data center listening", "addr", ln.Addr().String(), "tls", tlsOn)
	if cfg.Ready != nil {
		cfg.Ready(ln.Addr())
	}
	select {
	case err := <-done:
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	log.Info("data center shutting down", "addr", ln.Addr().String())
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down server on %s: %w", ln.Addr(), errors.Join(err, srv.Close()))
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	}
	return nil
}

func (cfg ServeConfig) checkTLS() error {
	if (cfg.TLSCertFile == "") != (cfg.TLSKeyFile == "") {
		return fmt.Errorf("serve: %w", invalidf("give both a TLS certificate file and a key file, or neither"))
	}
	return nil
}
