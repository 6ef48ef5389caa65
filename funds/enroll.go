package funds

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Enroll registers the meter's public key at the Data Center with the one-time token from `datacenter
// register-meter` and pins the Data Center's key. want, if not nil, is the Data Center key the
// administrator printed with the token: an answer signed by any other key is refused, so a fake Data
// Center cannot slip in its key at enrollment. Without want the first answer's key is trusted (the
// simulator, which owns its Data Center, passes it).
func Enroll(ctx context.Context, hc *http.Client, baseURL, serial, token string, keys Keys, want ed25519.PublicKey) error {
	body, err := json.Marshal(EnrollRequest{Token: token, PublicKey: hex.EncodeToString(keys.Public())})
	if err != nil {
		return err
	}
	path := "/v1/meters/" + url.PathEscape(serial) + "/enroll"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(baseURL, "/")+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("enroll: %w", err)
	}
	nonce := NewNonce()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderSerial, serial)
	req.Header.Set(HeaderNonce, nonce)
	resp, err := hc.Do(req)
	if err != nil {
		return &ConnectionError{Op: "enroll", Err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return &ConnectionError{Op: "enroll", Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		var eb ErrorBody
		_ = json.Unmarshal(raw, &eb)
		return &APIError{Op: "enroll", Status: resp.StatusCode, Code: eb.Error.Code, Message: eb.Error.Message}
	}
	var ans EnrollAnswer
	if err := json.Unmarshal(raw, &ans); err != nil {
		return fmt.Errorf("enroll: %w: %v", ErrBadAnswer, err)
	}
	dc, err := hex.DecodeString(ans.DataCenterKey)
	if err != nil || len(dc) != ed25519.PublicKeySize || ans.Serial != serial {
		return fmt.Errorf("enroll: %w: no Data Center key for meter %s", ErrBadAnswer, serial)
	}
	if want != nil && !bytes.Equal(want, dc) {
		return fmt.Errorf("enroll: %w: the Data Center answered with key %x, the administrator gave %x", ErrBadAnswer, dc, []byte(want))
	}
	sig, _ := hex.DecodeString(resp.Header.Get(HeaderAnswerSig))
	if !VerifyEd25519(dc, AnswerMessage(serial, nonce, resp.StatusCode, raw), sig) {
		return fmt.Errorf("enroll: %w: bad signature", ErrBadAnswer)
	}
	return keys.PinDataCenter(dc)
}
