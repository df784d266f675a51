package cli_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/cmd/internal/cli"
)

func TestExitCodeAndLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		code int
		line string
	}{
		{"nil", nil, 0, ""},
		{"help", flag.ErrHelp, 0, ""},
		{"usage", cli.Usagef("--pool-size %d: want at least 1", 0), 2, "--pool-size 0: want at least 1"},
		{"bad input keeps its message, not its cause", &cti3cx.Error{Code: cti3cx.EINVALID, Message: "invalid DATABASE_URL: bad port", Err: errors.New("secret\ndetail")}, 2, "invalid DATABASE_URL: bad port"},
		{"unavailable", fmt.Errorf("open: %w", cti3cx.Errorf(cti3cx.EUNAVAILABLE, "cannot connect to PostgreSQL")), 1, "cannot connect to PostgreSQL"},
		{"conflict", cti3cx.Errorf(cti3cx.ECONFLICT, "schema at version 0"), 1, "schema at version 0"},
		{"internal shows itself on one line", errors.New("driver:\nboom"), 1, "driver: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			code := cli.Exit("bin", &stderr, tt.err)
			if code != tt.code || cli.ExitCode(tt.err) != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			want := ""
			if tt.line != "" {
				want = "bin: " + tt.line + "\n"
			}
			if stderr.String() != want {
				t.Errorf("stderr %q, want %q", stderr.String(), want)
			}
		})
	}
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFlagsEnvironmentFallbacks(t *testing.T) {
	t.Parallel()
	var c cli.Common
	var n int
	var d time.Duration
	var stdout, stderr bytes.Buffer
	fs := cli.NewFlags("x", env(map[string]string{"DATABASE_URL": "postgres://u:hunter2@h/db", "N": "7", "CTI3CX_LOG_LEVEL": "debug"}), &stdout, &stderr)
	c.Bind(fs)
	fs.IntEnv(&n, "n", "N", 1, "a number")
	fs.DurationEnv(&d, "d", "D", time.Second, "a duration")
	if err := fs.Parse([]string{"--log-format", "text"}); err != nil {
		t.Fatal(err)
	}
	if c.DatabaseURL != "postgres://u:hunter2@h/db" || c.LogLevel != "debug" || c.LogFormat != "text" || n != 7 || d != time.Second {
		t.Fatalf("got %+v n=%d d=%v", c, n, d)
	}
}

func TestFlagsHelpGoesToStdoutAndHidesSecrets(t *testing.T) {
	t.Parallel()
	var c cli.Common
	var stdout, stderr bytes.Buffer
	fs := cli.NewFlags("x", env(map[string]string{"DATABASE_URL": "postgres://u:hunter2@h/db"}), &stdout, &stderr)
	c.Bind(fs)
	err := fs.Parse([]string{"--database-url", "postgres://u:swordfish@h/db", "--help"})
	if !errors.Is(err, flag.ErrHelp) || cli.ExitCode(err) != 0 {
		t.Fatalf("--help: %v", err)
	}
	if !strings.Contains(stdout.String(), "-database-url") || stderr.Len() != 0 {
		t.Fatalf("help on stdout %q, stderr %q", stdout.String(), stderr.String())
	}
	if all := stdout.String() + stderr.String(); strings.Contains(all, "hunter2") || strings.Contains(all, "swordfish") {
		t.Fatalf("help shows a password:\n%s", all)
	}
}

func TestFlagsUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"unknown flag", nil, []string{"--bogus"}, "flag provided but not defined"},
		{"bad number in the environment", map[string]string{"N": "many"}, nil, `N="many": want a number`},
		{"bad duration in the environment", map[string]string{"D": "soon"}, nil, `D="soon": want a duration`},
		{"bad log level", nil, []string{"--log-level", "loud"}, "--log-level"},
		{"bad log format", map[string]string{"CTI3CX_LOG_FORMAT": "xml"}, nil, "--log-format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var c cli.Common
			var n int
			var d time.Duration
			var stdout, stderr bytes.Buffer
			fs := cli.NewFlags("x", env(tt.env), &stdout, &stderr)
			c.Bind(fs)
			fs.IntEnv(&n, "n", "N", 1, "a number")
			fs.DurationEnv(&d, "d", "D", time.Second, "a duration")
			err := fs.Parse(tt.args)
			if cli.ExitCode(err) != 2 || !strings.Contains(err.Error(), tt.want) || stdout.Len() != 0 {
				t.Fatalf("err %v (exit %d), stdout %q; want a usage error about %s", err, cli.ExitCode(err), stdout.String(), tt.want)
			}
			// The error is the one line the user sees (Exit prints it): no
			// usage dump on stderr, and it says where the flags are listed.
			if stderr.Len() != 0 || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err %q, stderr %q; want one line and nothing on stderr", err, stderr.String())
			}
			if tt.name == "unknown flag" && !strings.Contains(err.Error(), "(see x --help)") {
				t.Fatalf("err %q does not say where the flags are listed", err)
			}
		})
	}
}

func TestParseAllTakesFlagsAnywhere(t *testing.T) {
	t.Parallel()
	var ddd string
	fs := cli.NewFlags("x", env(nil), &bytes.Buffer{}, &bytes.Buffer{})
	fs.StringVar(&ddd, "ddd", "", "")
	pos, err := fs.ParseAll([]string{"acme", "--ddd", "47", "--", "--not-a-flag"})
	if err != nil || ddd != "47" || strings.Join(pos, " ") != "acme --not-a-flag" {
		t.Fatalf("pos %q ddd %q err %v", pos, ddd, err)
	}
	if !fs.IsSet("ddd") {
		t.Error("IsSet(ddd) = false")
	}
	if err := fs.WantArgs(pos, "SLUG"); cli.ExitCode(err) != 2 {
		t.Errorf("two arguments for one: %v", err)
	}
}
