package cti3cx_test

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"

	"github.com/cti3cx/cti3cx"
)

func TestErrorMapping(t *testing.T) {
	cause := fs.ErrNotExist
	tests := []struct {
		name    string
		err     error
		code    string
		message string
		wrapsFS bool
	}{
		{"nil", nil, "", "", false},
		{"invalid", cti3cx.Errorf(cti3cx.EINVALID, "row %d: bad", 3), cti3cx.EINVALID, "row 3: bad", false},
		{"not found wraps", cti3cx.Errorf(cti3cx.ENOTFOUND, "file x: %w", cause), cti3cx.ENOTFOUND, "file x: file does not exist", true},
		{"wrapped again", fmt.Errorf("ctx: %w", cti3cx.Errorf(cti3cx.EUNAUTHORIZED, "bad token")), cti3cx.EUNAUTHORIZED, "bad token", false},
		{"plain error is internal and hidden", errors.New("pq: syntax error at SELECT"), cti3cx.EINTERNAL, "internal error", false},
		{"unavailable", cti3cx.Errorf(cti3cx.EUNAVAILABLE, "database unavailable"), cti3cx.EUNAVAILABLE, "database unavailable", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cti3cx.ErrorCode(tt.err); got != tt.code {
				t.Errorf("code = %q, want %q", got, tt.code)
			}
			if got := cti3cx.ErrorMessage(tt.err); got != tt.message {
				t.Errorf("message = %q, want %q", got, tt.message)
			}
			if got := errors.Is(tt.err, fs.ErrNotExist); got != tt.wrapsFS {
				t.Errorf("errors.Is(fs.ErrNotExist) = %v, want %v", got, tt.wrapsFS)
			}
		})
	}
}
