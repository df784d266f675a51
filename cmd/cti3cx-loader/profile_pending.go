package main

import (
	"fmt"
	"regexp"
)

var dddPattern = regexp.MustCompile(`^([1-9][0-9])?$`)

// validateProfile is replaced by normalize.NewProfile once normalize lands.
func validateProfile(ddd, _ string) error {
	if !dddPattern.MatchString(ddd) {
		return usageError(fmt.Errorf("--ddd %q: want a two-digit area code such as 47", ddd))
	}
	return nil
}
