package datacenter

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"path"
	"strings"

	"postmeter/funds"
)

// Error codes of refusals that funds/protocol.go has no code for; the Data Center adds these.
const (
	CodeUnsupportedMediaType = "unsupported_media_type" // 415: a request body that is not application/json
	CodeHeadersTooLarge      = "headers_too_large"      // 431: request headers over MaxRequestHeaderBytes
	CodeTooManyVoids         = "too_many_voids"         // 429: too many voids of refill ids never reserved
)

// MaxRequestHeaderBytes bounds a request's line and headers, counted as they were sent. A meter's
// requests carry a few hundred bytes of headers. Requests between this and ServerMaxHeaderBytes get a
// JSON 431; past ServerMaxHeaderBytes net/http itself answers with a plain-text 431 before any handler
// runs, which no handler can change.
const MaxRequestHeaderBytes = 16 << 10

// ServerMaxHeaderBytes is http.Server.MaxHeaderBytes of Serve: generous, so that the JSON 431 of
// MaxRequestHeaderBytes is what a client over the limit normally gets.
const ServerMaxHeaderBytes = 1 << 20

// route serves one request: requests that are not in the API's shape are refused with a JSON error
// before the mux sees them (the mux would answer a non-canonical path with an HTML redirect).
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	if e := guard(r); e != nil {
		writeError(w, s.log, e)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// guard refuses what no endpoint accepts: a path with empty, "." or ".." segments (ServeMux would
// redirect it), and headers over MaxRequestHeaderBytes.
func guard(r *http.Request) *apiError {
	p := r.URL.Path
	if strings.HasPrefix(r.RequestURI, "//") { // net/http would read "//host/path" as host and path
		p = r.RequestURI
	}
	if !strings.HasPrefix(p, "/") || canonicalPath(p) != p {
		return &apiError{http.StatusBadRequest, funds.CodeBadRequest, fmt.Sprintf("The request path %q is not in "+
			"canonical form (it has an empty, \".\" or \"..\" segment); send the path exactly as the API gives it, "+
			"e.g. /v1/meters/PM123456/account.", p)}
	}
	if n := headerBytes(r); n > MaxRequestHeaderBytes {
		return &apiError{http.StatusRequestHeaderFieldsTooLarge, CodeHeadersTooLarge, fmt.Sprintf(
			"The request line and headers are %d bytes; at most %d are accepted, so send only the headers the API needs.",
			n, MaxRequestHeaderBytes)}
	}
	return nil
}

// canonicalPath is p as ServeMux would redirect it: cleaned, keeping a trailing slash.
func canonicalPath(p string) string {
	np := path.Clean(p)
	if strings.HasSuffix(p, "/") && np != "/" {
		np += "/"
	}
	return np
}

// headerBytes estimates the size of the request line and headers as sent.
func headerBytes(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2 + len("Host: ") + len(r.Host) + 2
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + 2 + len(v) + 2
		}
	}
	return n
}

// jsonOnly wraps h: a request that carries a body must label it Content-Type: application/json
// (charset, if given, utf-8), or it is refused with 415.
func jsonOnly(h meterHandler) meterHandler {
	return func(ctx context.Context, req meterRequest) (any, error) {
		if len(req.body) > 0 || req.r.ContentLength > 0 {
			if err := checkJSONContentType(req.r.Header.Get("Content-Type")); err != nil {
				return nil, err
			}
		}
		return h(ctx, req)
	}
}

func checkJSONContentType(ct string) *apiError {
	refuse := func(what string) *apiError {
		return &apiError{http.StatusUnsupportedMediaType, CodeUnsupportedMediaType,
			what + "; send the body as JSON with the header Content-Type: application/json."}
	}
	if ct == "" {
		return refuse("The request has a body but no Content-Type header")
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return refuse(fmt.Sprintf("The request body is labelled Content-Type %q, which the Data Center does not accept", ct))
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return refuse(fmt.Sprintf("The request body is labelled charset %q; JSON is read as UTF-8 only", cs))
	}
	return nil
}
