package main

import "syscall"

// The file modes tests check are what a login shell or a service manager
// gives: umask 022.
func init() { syscall.Umask(0o022) }
