package datacenter

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"postmeter/funds"
)

// meterRequest is an authenticated request: who made it (meter, nonce, signed time) and its body.
type meterRequest struct {
	Request
	body []byte
	r    *http.Request
}

// meterHandler handles an authenticated request. It returns the value to send with 200, or an error
// mapped by toAPIError.
type meterHandler func(ctx context.Context, req meterRequest) (any, error)

// unauthorized is the one answer for an unknown meter, a meter not enrolled and a bad signature, so
// nobody can learn which serials exist.
var unauthorized = &apiError{http.StatusUnauthorized, funds.CodeUnauthorized,
	"the request is not signed by an enrolled meter; check the meter's serial and enrollment"}

// authenticated wraps h: before anything is read from or written to the store on the request's behalf,
// the signing meter must be enrolled, the body must fit funds.MaxRequestBody, the Ed25519 signature over
// (method, path, timestamp, nonce, body) must verify with the meter's key within funds.SignatureWindow
// of the server's clock, the path serial must be the signing meter's, and the nonce must be new.
func (s *Server) authenticated(h meterHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case s.inFlight <- struct{}{}:
			defer func() { <-s.inFlight }()
		case <-r.Context().Done():
			return // the meter gave up waiting; it retries with the same id
		}
		req, aerr := s.authenticate(w, r)
		if aerr != nil {
			writeError(w, s.log, aerr)
			return
		}
		v, err := h(r.Context(), req)
		if errors.Is(err, ErrNotEnrolled) {
			s.keys.Delete(req.Serial) // the store refused the kept key (Request.Key): read it again next time
		}
		if err != nil {
			ae := toAPIError(err)
			if ae.status >= 500 {
				s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "meter", req.Serial, "err", err)
			} else {
				s.log.Debug("request refused", "method", r.Method, "path", r.URL.Path, "meter", req.Serial,
					"code", ae.code, "err", err)
			}
			writeError(w, s.log, ae)
			return
		}
		writeJSON(w, s.log, http.StatusOK, v)
	})
}

func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (meterRequest, *apiError) {
	serial := r.Header.Get(funds.HeaderSerial)
	if serial == "" {
		return meterRequest{}, unauthorized
	}
	key, kept, aerr := s.meterKey(r.Context(), serial, false)
	if aerr != nil {
		return meterRequest{}, aerr
	}
	body, aerr := readBody(w, r)
	if aerr != nil {
		return meterRequest{}, aerr
	}
	ts, nonce := r.Header.Get(funds.HeaderTimestamp), r.Header.Get(funds.HeaderNonce)
	verify := func() (bool, string) {
		return funds.VerifyRequest(key, r.Method, r.URL.EscapedPath(), ts, nonce, r.Header.Get(funds.HeaderSignature), body, s.now())
	}
	ok, code := verify()
	if !ok && kept { // the meter may have enrolled a new key since this one was kept
		if key, _, aerr = s.meterKey(r.Context(), serial, true); aerr != nil {
			return meterRequest{}, aerr
		}
		ok, code = verify()
	}
	if !ok {
		if code == funds.CodeStaleRequest {
			return meterRequest{}, &apiError{http.StatusUnauthorized, code, fmt.Sprintf(
				"the request's timestamp is more than %v from the Data Center's clock; set the meter's date and time", funds.SignatureWindow)}
		}
		s.log.Info("request refused: bad signature", "meter", serial)
		return meterRequest{}, unauthorized
	}
	if path := r.PathValue("serial"); path != serial {
		return meterRequest{}, &apiError{http.StatusForbidden, funds.CodeSerialMismatch,
			fmt.Sprintf("meter %q signed a request for meter %q; a meter may only act for itself", serial, path)}
	}
	ms, _ := strconv.ParseInt(ts, 10, 64)
	return meterRequest{Request: Request{Serial: serial, Nonce: nonce, At: time.UnixMilli(ms), Key: key}, body: body, r: r}, nil
}

// meterKey returns the meter's key: the one kept in s.keys, unless fresh is set or there is none, and
// then the store's (kept for the next request). kept says which it is.
func (s *Server) meterKey(ctx context.Context, serial string, fresh bool) (key ed25519.PublicKey, kept bool, aerr *apiError) {
	if !fresh {
		if k, ok := s.keys.Load(serial); ok {
			return k.(ed25519.PublicKey), true, nil
		}
	}
	key, err := s.store.MeterKey(ctx, serial)
	if errors.Is(err, ErrUnknownMeter) || errors.Is(err, ErrNotEnrolled) {
		s.keys.Delete(serial)
		s.log.Info("request refused", "meter", serial, "reason", err)
		return nil, false, unauthorized
	}
	if err != nil {
		s.log.Error("authenticate", "meter", serial, "err", err)
		return nil, false, toAPIError(err)
	}
	s.keys.Store(serial, key)
	return key, false, nil
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, funds.MaxRequestBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &apiError{http.StatusRequestEntityTooLarge, funds.CodeBodyTooLarge,
				fmt.Sprintf("the request body is larger than %d bytes", funds.MaxRequestBody)}
		}
		return nil, &apiError{http.StatusBadRequest, funds.CodeBadRequest, "could not read the request body; send it again"}
	}
	return body, nil
}

// enroll is the one request not signed by a meter key: the one-time token stands for it. The answer
// (signed like every answer) gives the meter the Data Center key to pin.
func (s *Server) enroll(w http.ResponseWriter, r *http.Request) {
	serial := r.PathValue("serial")
	if aerr := checkJSONContentType(r.Header.Get("Content-Type")); aerr != nil {
		writeError(w, s.log, aerr)
		return
	}
	body, aerr := readBody(w, r)
	if aerr != nil {
		writeError(w, s.log, aerr)
		return
	}
	var req funds.EnrollRequest
	if err := decodeJSON(body, &req, `{"token":"<from datacenter register-meter>","public_key":"<64 hex digits>"}`); err != nil {
		writeError(w, s.log, toAPIError(err))
		return
	}
	key, err := hex.DecodeString(req.PublicKey)
	if err != nil {
		writeError(w, s.log, toAPIError(invalidf("public_key must be the meter's Ed25519 public key in hex")))
		return
	}
	if err := s.store.Enroll(r.Context(), serial, req.Token, key); err != nil {
		s.log.Warn("enrollment refused", "meter", serial, "err", err)
		writeError(w, s.log, toAPIError(err))
		return
	}
	s.log.Info("meter enrolled", "meter", serial)
	writeJSON(w, s.log, http.StatusOK, funds.EnrollAnswer{Serial: serial, Time: s.now().UTC(),
		DataCenterKey: hex.EncodeToString(s.public())})
}
