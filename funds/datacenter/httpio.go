package datacenter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"

	"postmeter/funds"
)

// apiError is a refusal with its HTTP status and funds.Code*.
type apiError struct {
	status int
	code   string
	msg    string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.msg) }

// toAPIError maps a Store error to what the meter is told. Unknown errors become a 500 whose message
// reveals nothing internal.
func toAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var ie *inputError
	switch {
	case errors.As(err, &ie):
		return &apiError{http.StatusBadRequest, funds.CodeBadRequest, ie.msg}
	case errors.Is(err, ErrUnknownMeter), errors.Is(err, ErrNotEnrolled):
		return unauthorized
	case errors.Is(err, ErrReplayed):
		return &apiError{http.StatusUnauthorized, funds.CodeReplayed,
			"this request was already received; a meter signs every request with a new nonce"}
	case errors.Is(err, ErrBadToken):
		return &apiError{http.StatusForbidden, funds.CodeBadToken,
			"the enrollment token is unknown, used or expired; ask the Data Center's administrator for a new one"}
	case errors.Is(err, ErrMeterSuspect):
		return &apiError{http.StatusForbidden, funds.CodeMeterSuspect,
			"this meter's registers failed a check at the Data Center; refills are refused until it has been reviewed; call for service"}
	case errors.Is(err, ErrStaleReport):
		return &apiError{http.StatusConflict, funds.CodeStaleReport,
			"this report is older than one already received; send a fresh one"}
	case errors.Is(err, ErrUnknownRefill):
		return &apiError{http.StatusNotFound, funds.CodeUnknownRefill, err.Error()}
	case errors.Is(err, ErrAmountConflict):
		return &apiError{http.StatusConflict, funds.CodeAmountConflict, err.Error()}
	case errors.Is(err, ErrRefillIDTaken):
		return &apiError{http.StatusConflict, CodeRefillIDTaken, err.Error()}
	case errors.Is(err, ErrRefillVoided):
		return &apiError{http.StatusConflict, funds.CodeRefillVoided, err.Error()}
	case errors.Is(err, ErrRefillPosted):
		return &apiError{http.StatusConflict, funds.CodeRefillPosted, err.Error()}
	case errors.Is(err, ErrRefillDeclined):
		return &apiError{http.StatusConflict, funds.CodeRefillDeclined, err.Error()}
	case errors.Is(err, ErrTooManyVoids):
		return &apiError{http.StatusTooManyRequests, CodeTooManyVoids,
			"This meter has voided too many refills the Data Center never received; check the meter's network " +
				"connection and contact customer service."}
	case errors.Is(err, ErrInvalid):
		return &apiError{http.StatusBadRequest, funds.CodeBadRequest, err.Error()}
	}
	return &apiError{http.StatusInternalServerError, funds.CodeInternal,
		"internal error at the Data Center; try again later with the same refill id"}
}

func writeJSON(w http.ResponseWriter, log *slog.Logger, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		log.Error("encode response", "err", err)
		status = http.StatusInternalServerError
		body = []byte(`{"error":{"code":"internal","message":"internal error at the Data Center"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if _, err := w.Write(append(body, '\n')); err != nil {
		log.Debug("write response", "err", err)
	}
}

func writeError(w http.ResponseWriter, log *slog.Logger, e *apiError) {
	var body funds.ErrorBody
	body.Error.Code = e.code
	body.Error.Message = e.msg
	if rec, ok := w.(*statusRecorder); ok {
		rec.code = e.code
	}
	writeJSON(w, log, e.status, body)
}

// decodeJSON decodes exactly one JSON object into v: no unknown fields, no trailing data, every key
// spelled exactly as the field's json tag (case-sensitive) and none twice, at any depth. Its errors say
// what was wrong and what is expected; example is a valid body.
func decodeJSON(body []byte, v any, example string) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return invalidf("the request body is empty; expected a JSON object such as %s", example)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return invalidf("%s; expected a JSON object such as %s", describeJSONError(err), example)
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return invalidf("unexpected data after the JSON object; send exactly one object such as %s", example)
	}
	if err := checkStrictKeys(body, reflect.TypeOf(v)); err != nil {
		return invalidf("%v; expected a JSON object such as %s", err, example)
	}
	return nil
}

func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte %d (%v)", syn.Offset, syn)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends too early (truncated body)"
	case errors.As(err, &typ):
		if typ.Field == "" {
			return fmt.Sprintf("the body is a JSON %s, not an object", typ.Value)
		}
		want := typ.Type.String()
		switch typ.Type.Kind().String() {
		case "int64", "int":
			want = "a whole number (integer; money is counted in mills, 1000 = $1.00)"
		case "string":
			want = "a string"
		case "struct":
			want = "an object"
		}
		return fmt.Sprintf("field %q must be %s, not a JSON %s", typ.Field, want, typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return strings.TrimPrefix(err.Error(), "json: ") + " (field names are case-sensitive)"
	}
	return "invalid JSON: " + err.Error()
}
