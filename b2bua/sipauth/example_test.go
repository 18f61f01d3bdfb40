package sipauth_test

import (
	"fmt"

	"github.com/callgate/callgate/b2bua/sipauth"
)

func Example() {
	auth := sipauth.New(sipauth.Config{Realm: "example.org"})
	lookup := func(user string) (sipauth.Secret, bool) {
		if user == "alice" {
			return sipauth.Secret{Password: "secret"}, true
		}
		return sipauth.Secret{}, false
	}

	// First request without credentials: answer 401 with these values.
	for _, v := range auth.Challenge(false) {
		_ = v // add as a WWW-Authenticate header
	}

	// A retried request with an Authorization header.
	_, err := auth.Verify("REGISTER", `Digest username="alice", realm="example.org", nonce="forged", uri="sip:example.org", response="00112233445566778899aabbccddeeff"`, lookup)
	switch {
	case err == nil:
		fmt.Println("authenticated")
	case sipauth.IsStale(err):
		fmt.Println("re-challenge with stale=true")
	default:
		fmt.Println("rejected:", err)
	}
	// Output: rejected: sipauth: invalid nonce: not issued here
}
