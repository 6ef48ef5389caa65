package datacenter

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"postmeter/funds"
)

// authenticated wraps h: before anything is read from or written to the store on the request's behalf,
// the signing meter must exist, the body must fit funds.MaxRequestBody, the HMAC over (method, path,
// timestamp, body) must verify with the meter's secret within funds.SignatureWindow of the server's clock,
// and the path serial must be the signing meter's.
func (s *Server) authenticated(h meterHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serial, body, aerr := s.authenticate(w, r)
		if aerr != nil {
			writeError(w, s.log, aerr)
			return
		}
		v, err := h(r.Context(), serial, r, body)
		if err != nil {
			ae := toAPIError(err)
			if ae.status >= 500 {
				s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "meter", serial, "err", err)
			} else {
				s.log.Debug("request refused", "method", r.Method, "path", r.URL.Path, "meter", serial,
					"code", ae.code, "err", err)
			}
			writeError(w, s.log, ae)
			return
		}
		writeJSON(w, s.log, http.StatusOK, v)
	})
}

func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (string, []byte, *apiError) {
	serial := r.Header.Get(funds.HeaderSerial)
	if serial == "" {
		return "", nil, &apiError{http.StatusUnauthorized, funds.CodeUnknownMeter,
			"missing " + funds.HeaderSerial + " header; every request must be signed by a registered meter"}
	}
	secret, err := s.store.MeterSecret(r.Context(), serial)
	if errors.Is(err, ErrUnknownMeter) {
		return "", nil, &apiError{http.StatusUnauthorized, funds.CodeUnknownMeter,
			fmt.Sprintf("meter %q is not registered at this Data Center", serial)}
	}
	if err != nil {
		s.log.Error("authenticate", "meter", serial, "err", err)
		return "", nil, toAPIError(err)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, funds.MaxRequestBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", nil, &apiError{http.StatusRequestEntityTooLarge, funds.CodeBodyTooLarge,
				fmt.Sprintf("the request body is larger than %d bytes", funds.MaxRequestBody)}
		}
		return "", nil, &apiError{http.StatusBadRequest, funds.CodeBadRequest, "could not read the request body: " + err.Error()}
	}
	now := s.now()
	ts := r.Header.Get(funds.HeaderTimestamp)
	ok, code := funds.VerifySignature(secret, r.Method, r.URL.Path, ts, r.Header.Get(funds.HeaderSignature), body, now)
	if !ok {
		msg := "the signature does not match; sign the method, path, timestamp and body with this meter's secret"
		if code == funds.CodeStaleRequest {
			msg = fmt.Sprintf("%s %q is not within %v of the Data Center's clock (now %d Unix seconds); check the meter's clock",
				funds.HeaderTimestamp, ts, funds.SignatureWindow, now.Unix())
		}
		return "", nil, &apiError{http.StatusUnauthorized, code, msg}
	}
	if path := r.PathValue("serial"); path != serial {
		return "", nil, &apiError{http.StatusForbidden, funds.CodeSerialMismatch,
			fmt.Sprintf("meter %q signed a request for meter %q; a meter may only act for itself", serial, path)}
	}
	return serial, body, nil
}
