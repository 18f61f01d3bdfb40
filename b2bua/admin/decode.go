package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
)

// decodeUser parses a PUT /admin/users/{name} body: exactly one JSON
// object (RFC 8259 §4) with only the fields of User, and nothing after
// it but white space.
func decodeUser(body []byte) (User, error) {
	var u User
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return u, errors.New("empty body: want a JSON object")
	}
	if trimmed[0] != '{' {
		return u, errors.New("body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&u); err != nil {
		return User{}, fmt.Errorf("invalid JSON: %s", jsonProblem(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return User{}, errors.New("invalid JSON: data after the object")
	}
	return u, nil
}

// jsonProblem describes a decoding error without quoting input values,
// which might be a password.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q must be %s, not %s", typ.Field, typ.Type, typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected end of input"
	default:
		// Unknown fields: the message names the field, which the client
		// chose; nothing else reaches here for a *User target.
		msg := err.Error()
		if len(msg) > 2*maxEcho {
			msg = msg[:2*maxEcho] + "..."
		}
		return msg
	}
}

// isJSON reports whether a Content-Type header value names
// application/json (RFC 8259 §11), with or without parameters.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}

// readBody reads at most max bytes of the request body. tooLarge is true
// when the body is longer.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) (body []byte, tooLarge bool, err error) {
	if r.ContentLength > h.maxBody {
		return nil, true, nil
	}
	body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, true, nil
	}
	return body, false, err
}
