package normalize

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// RulesVersion changes whenever Normalize may give a different result for
// the same input and profile: our own rules (the part before "+") or
// libphonenumber's metadata (after "lpn"). Store it with each normalized
// phone so stored numbers can be revalidated when it changes. A test fails
// when the metadata version of the linked libphonenumber differs.
const RulesVersion = "4+lpn9.0.36"

// Profile is what of a tenant changes results: its default DDD and its dial
// format. The zero value has no default DDD and the default dial format.
type Profile struct {
	DDD    string // two digits, or "" for no default
	Format DialFormat
}

// ErrDDD is wrapped by NewProfile's error for a bad default DDD.
var ErrDDD = errors.New("invalid DDD")

// NewProfile validates a default DDD ("" = none; "47", "047" and "(47)" are
// accepted) and a dial format (a preset name or a template; "" = default).
func NewProfile(ddd, dialFormat string) (Profile, error) {
	d, err := ParseDDD(ddd)
	if err != nil {
		return Profile{}, err
	}
	f, err := ParseDialFormat(dialFormat)
	if err != nil {
		return Profile{}, err
	}
	return Profile{DDD: d, Format: f}, nil
}

// ParseDDD validates a DDD: one of the 67 assigned codes, written "47",
// "047" or "(47)"; "" is allowed and means none.
func ParseDDD(s string) (string, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "("), ")")
	s = strings.TrimSpace(s)
	if len(s) == 3 && s[0] == '0' {
		s = s[1:]
	}
	if s == "" {
		return "", nil
	}
	if len(s) != 2 || !validDDD(s[0], s[1]) {
		return "", fmt.Errorf("%w: %q is not one of the 67 assigned DDDs", ErrDDD, s)
	}
	return s, nil
}

// ddd returns the default DDD when it is usable.
func (p *Profile) ddd() (string, bool) {
	if len(p.DDD) == 2 && validDDD(p.DDD[0], p.DDD[1]) {
		return p.DDD, true
	}
	return "", false
}

// Fingerprint is a short stable hash of everything in the profile that
// changes results (the default DDD and the expanded dial format spec). Store
// it with each phone: when it changes, the phone must be revalidated.
func (p Profile) Fingerprint() string {
	d, _ := p.ddd()
	sum := sha256.Sum256([]byte("ddd=" + d + "\x00format=" + p.Format.Spec()))
	return hex.EncodeToString(sum[:6])
}

// DialString renders a stored valid E.164 number in the tenant's dial
// format; "" when e164 is not a valid number.
func (p Profile) DialString(e164 string) string {
	if len(e164) < 3 || e164[0] != '+' || len(e164) > 18 {
		return ""
	}
	for i := 1; i < len(e164); i++ {
		if !isDigit(e164[i]) {
			return ""
		}
	}
	f := p.Format.or()
	var buf [48]byte
	if strings.HasPrefix(e164, "+55") {
		var nb [17]byte
		nsn := append(nb[:0], e164[3:]...)
		t, v := fastBR(nsn)
		if v == vUnsure {
			t, v = lpnBR(nsn)
		}
		if v != vValid {
			return ""
		}
		return string(f.appendDial(buf[:0], nsn, t))
	}
	fr, v := lpnIntl([]byte(e164[1:]))
	if v != vValid {
		return ""
	}
	return string(f.appendIntl(buf[:0], fr.ccDigits(), fr.national))
}
