package main

import "errors"

// errUnhealthy marks an answer other than 200 OK.
var errUnhealthy = errors.New("unhealthy")
