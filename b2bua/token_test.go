package b2bua_test

import (
	"context"
	"testing"
	"time"

	"github.com/callgate/callgate/b2bua"
)

const tokenSecret = "site-shared-secret"

// tokenPhone is a desk phone that signs in as user with token credentials.
func tokenPhone(t *testing.T, g *gateway, user, username, password string) *deskPhone {
	t.Helper()
	p := newDeskPhone(t, g, user)
	p.authUser, p.pass = username, password
	return p
}

func TestTokenCredentials(t *testing.T) {
	g := startGateway(t, func(c *b2bua.Config) { c.Auth.Tokens.Secret = tokenSecret })
	bob := newDeskPhone(t, g, "1001")
	bob.register()

	// A visitor minted "alice", allowed to call 1001 only.
	u, pw := b2bua.MintToken(tokenSecret, "alice", time.Now().Add(time.Hour), "1001")
	alice := tokenPhone(t, g, "alice", u, pw)
	alice.register()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sess, code, err := alice.call(ctx, "1001", alice.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("token user calling an allowed number: %d %v", code, err)
	}
	if err := sess.Ack(ctx); err != nil {
		t.Fatal(err)
	}
	wait(t, bob.acks, 2*time.Second, "ACK at bob")
	if err := sess.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	if _, code, _ := alice.call(ctx, "1000", alice.sdp("")); code != 403 {
		t.Fatalf("token user calling a number outside its token: %d, want 403", code)
	}

	// The token user is reachable while registered.
	sess, code, err = bob.call(ctx, "alice", bob.sdp(""))
	if err != nil || code != 200 {
		t.Fatalf("calling a token user: %d %v", code, err)
	}
	_ = sess.Ack(ctx)
	_ = sess.Bye(ctx)
}

func TestTokensRefused(t *testing.T) {
	g := startGateway(t, func(c *b2bua.Config) { c.Auth.Tokens.Secret = tokenSecret })
	expiredU, expiredPW := b2bua.MintToken(tokenSecret, "alice", time.Now().Add(-time.Minute))
	validU, _ := b2bua.MintToken(tokenSecret, "alice", time.Now().Add(time.Hour))
	longU, longPW := b2bua.MintToken(tokenSecret, "alice", time.Now().Add(30*24*time.Hour))
	otherU, otherPW := b2bua.MintToken("another-secret", "alice", time.Now().Add(time.Hour))
	for _, c := range []struct {
		name, username, password string
		code                     int
		reason                   string
	}{
		{"expired", expiredU, expiredPW, 403, "Token Expired"},
		{"forged password", validU, "Zm9yZ2Vk", 403, "Invalid Token"},
		{"other secret", otherU, otherPW, 403, "Invalid Token"},
		{"lifetime too long", longU, longPW, 403, "Token Lifetime Too Long"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := tokenPhone(t, g, "alice", c.username, c.password).tryRegister()
			if res.StatusCode != c.code || res.Reason != c.reason {
				t.Fatalf("got %d %s, want %d %s", res.StatusCode, res.Reason, c.code, c.reason)
			}
		})
	}
}

func TestTokensOffByDefault(t *testing.T) {
	g := startGateway(t, nil)
	u, pw := b2bua.MintToken(tokenSecret, "alice", time.Now().Add(time.Hour))
	if res := tokenPhone(t, g, "alice", u, pw).tryRegister(); res.StatusCode != 401 {
		t.Fatalf("token without a configured secret: %d, want 401", res.StatusCode)
	}
	// And a configured user cannot be reached through a token-shaped name.
	bob := newDeskPhone(t, g, "1001")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, code, _ := bob.call(ctx, "alice", bob.sdp("")); code != 404 {
		t.Fatalf("calling an unknown user: %d, want 404", code)
	}
}
