package sipauth

import (
	"errors"
	"fmt"
	"sync"
	"testing"
)

// Many goroutines challenge and verify at once; run with -race.
func TestConcurrentVerify(t *testing.T) {
	const workers = 200
	secrets := make(map[string]Secret, workers)
	for i := range workers {
		secrets[fmt.Sprintf("user%d", i)] = Secret{Password: fmt.Sprintf("pw%d", i)}
	}
	lookup := users(secrets)
	a := New(Config{})
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user, pw := fmt.Sprintf("user%d", i), fmt.Sprintf("pw%d", i)
			alg := MD5
			if i%2 == 0 {
				alg = SHA256
			}
			c, err := newCredE(a, alg, user, pw, "REGISTER")
			if err != nil {
				errs <- err
				return
			}
			for nc := 1; nc <= 3; nc++ {
				c.NC = fmt.Sprintf("%08x", nc)
				c = c.sign(alg, pw, "REGISTER")
				res, err := a.Verify("REGISTER", c.header(), lookup)
				if err != nil || res.User != user {
					errs <- fmt.Errorf("%s nc %d: %+v, %v", user, nc, res, err)
					return
				}
			}
			if _, err := a.Verify("REGISTER", c.header(), lookup); !errors.Is(err, ErrReplay) {
				errs <- fmt.Errorf("%s replay: %v", user, err)
			}
			if _, err := a.Verify("REGISTER", c.sign(alg, "x", "REGISTER").header(), lookup); !errors.Is(err, ErrWrongCredentials) {
				errs <- fmt.Errorf("%s wrong password: %v", user, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Concurrent use of the same nonce and nc: exactly one request wins.
func TestConcurrentSameNC(t *testing.T) {
	lookup := users(map[string]Secret{"alice": {Password: "pw"}})
	a := New(Config{})
	h := newCred(t, a, SHA256, "alice", "pw", "INVITE").header()
	const n = 64
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, replay := 0, 0
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := a.Verify("INVITE", h, lookup)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, ErrReplay):
				replay++
			default:
				t.Errorf("unexpected: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 1 || replay != n-1 {
		t.Fatalf("ok=%d replay=%d, want 1 and %d", ok, replay, n-1)
	}
}
