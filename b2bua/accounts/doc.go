// Package accounts persists the user accounts operators manage at run time
// (through the admin API), beside the ones in the configuration file.
// Passwords are never stored: an account keeps the digest HA1 values of
// RFC 3261 §22.4 and RFC 8760 §2.3 for the realm it was created in.
package accounts
