package datacenter_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"postmeter/funds"
	"postmeter/funds/datacenter"
)

// gatedStore holds every balance inquiry until release is closed, counting how many it holds at once.
type gatedStore struct {
	datacenter.Store
	entered   chan struct{}
	release   chan struct{}
	now, most atomic.Int32
}

func (g *gatedStore) Balance(ctx context.Context, req datacenter.Request, rep funds.Report) (funds.AccountBalance, error) {
	n := g.now.Add(1)
	for m := g.most.Load(); n > m && !g.most.CompareAndSwap(m, n); m = g.most.Load() {
	}
	g.entered <- struct{}{}
	<-g.release
	g.now.Add(-1)
	return g.Store.Balance(ctx, req, rep)
}

// Options.MaxInFlight bounds the meters' requests handled at once: the others wait, and are answered
// once a slot is free.
func TestRequestsInFlightAreBounded(t *testing.T) {
	h := newHarness(t)
	const bound, requests = 2, 6
	g := &gatedStore{Store: h.store, entered: make(chan struct{}, requests), release: make(chan struct{})}
	srv := httptest.NewServer(datacenter.NewServer(g, datacenter.Options{Now: h.clock.Now,
		Logger: slog.New(slog.DiscardHandler), Key: h.dcKey, MaxInFlight: bound}))
	defer srv.Close()
	release := sync.OnceFunc(func() { close(g.release) })
	defer release() // before the server closes, which waits for the requests it holds

	statuses := make(chan int, requests)
	for i := range requests {
		serial := fmt.Sprintf("PM7000%02d", i) // a meter each: one meter's reports go in order
		h.register(serial, acctA, funds.Dollar, 100*funds.Dollar)
		m := h.meter(serial)
		body, err := json.Marshal(m.report())
		require.NoError(t, err)
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/v1/meters/"+serial+"/account", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		signRequest(req, serial, m.key, h.clock.Now(), funds.NewNonce(), body)
		go func() {
			res, err := srv.Client().Do(req)
			if err != nil {
				statuses <- 0
				return
			}
			res.Body.Close()
			statuses <- res.StatusCode
		}()
	}
	for range bound {
		<-g.entered
	}
	// The others must stay outside while the first two are held; give an unbounded server time to let them in.
	select {
	case <-g.entered:
		t.Fatalf("a request over the bound of %d was let in", bound)
	case <-time.After(200 * time.Millisecond):
	}
	release()
	for range requests {
		require.Equal(t, http.StatusOK, <-statuses)
	}
	require.EqualValues(t, bound, g.most.Load())
}
