package demoapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// PostgRESTJWTSecret is the HS256 secret of the PostgREST mimic
// (PostgREST's jwt-secret; at least 32 characters, as PostgREST wants).
const PostgRESTJWTSecret = "sluice-demo-postgrest-jwt-secret-0123456789"

// PostgRESTRole is the database role a token must name for the tables and
// functions; requests without a token run as the anonymous role, which
// may read only the OpenAPI root.
const PostgRESTRole = "web_user"

// PostgRESTDemoJWT is PostgRESTToken(PostgRESTRole, time.Time{}): a token
// that never expires, printed in the examples' READMEs and the postgrest
// template's secrets.toml.
const PostgRESTDemoJWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoid2ViX3VzZXIifQ.7eNXUpb25WVDDgucF-ZfIVV4SlqMgfnK4xLwnvirpyI"

// PostgRESTToken signs a JWT for role with PostgRESTJWTSecret; a non-zero
// exp becomes its exp claim.
func PostgRESTToken(role string, exp time.Time) string {
	claims := map[string]any{"role": role}
	if !exp.IsZero() {
		claims["exp"] = exp.Unix()
	}
	payload, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString(payload)
	mac := hmac.New(sha256.New, []byte(PostgRESTJWTSecret))
	mac.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(mac.Sum(nil))
}

// pgError is PostgREST's error body.
type pgError struct {
	status  int
	Code    string  `json:"code"`
	Details *string `json:"details"`
	Hint    *string `json:"hint"`
	Message string  `json:"message"`
}

func (e *pgError) Error() string { return e.Message }

func strp(s string) *string { return &s }

func pgErr(status int, code, msg string) *pgError {
	return &pgError{status: status, Code: code, Message: msg}
}

// writePGError answers e with PostgREST's Proxy-Status; a 401 carries its
// WWW-Authenticate too.
func writePGError(w http.ResponseWriter, r *http.Request, e *pgError) {
	w.Header().Set("Proxy-Status", "PostgREST; error="+e.Code)
	if e.status == http.StatusUnauthorized {
		if e.Code == "42501" || e.Code == "22023" {
			w.Header().Set("WWW-Authenticate", "Bearer")
		} else {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+e.Message+`"`)
		}
	}
	writeTyped(w, r, e.status, "application/json; charset=utf-8", e)
}

// pgRole checks the request's bearer JWT as PostgREST does and returns the
// role it runs as: "anon" without a token.
func pgRole(r *http.Request) (string, *pgError) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "anon", nil
	}
	scheme, tok, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", pgErr(http.StatusUnauthorized, "PGRST301", "No suitable key or wrong key type")
	}
	parts := strings.Split(strings.TrimSpace(tok), ".")
	if len(parts) != 3 {
		return "", pgErr(http.StatusUnauthorized, "PGRST301", "Expected 3 parts in JWT; got "+itoa(len(parts)))
	}
	enc := base64.RawURLEncoding
	var head struct {
		Alg string `json:"alg"`
	}
	hb, err := enc.DecodeString(parts[0])
	if err != nil || json.Unmarshal(hb, &head) != nil {
		return "", pgErr(http.StatusUnauthorized, "PGRST301", "JWT cryptographic operation failed")
	}
	if head.Alg != "HS256" {
		e := pgErr(http.StatusUnauthorized, "PGRST301", "Wrong or unsupported encoding algorithm")
		if strings.EqualFold(head.Alg, "none") {
			e.Details = strp("JWT is unsecured but expected 'alg' was not 'none'")
		}
		return "", e
	}
	sig, err := enc.DecodeString(parts[2])
	mac := hmac.New(sha256.New, []byte(PostgRESTJWTSecret))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		e := pgErr(http.StatusUnauthorized, "PGRST301", "No suitable key or wrong key type")
		e.Details = strp("None of the keys was able to decode the JWT")
		return "", e
	}
	var claims struct {
		Role string   `json:"role"`
		Exp  *float64 `json:"exp"`
	}
	pb, err := enc.DecodeString(parts[1])
	if err != nil || json.Unmarshal(pb, &claims) != nil {
		return "", pgErr(http.StatusUnauthorized, "PGRST301", "JWT cryptographic operation failed")
	}
	if claims.Exp != nil && time.Now().Unix()-30 >= int64(*claims.Exp) { // PostgREST allows 30 s of clock skew
		return "", pgErr(http.StatusUnauthorized, "PGRST303", "JWT expired")
	}
	switch claims.Role {
	case "", "anon":
		return "anon", nil
	case PostgRESTRole:
		return PostgRESTRole, nil
	}
	return "", pgErr(http.StatusUnauthorized, "22023", `role "`+claims.Role+`" does not exist`)
}
