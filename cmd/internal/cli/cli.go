// Package cli is the plumbing both binaries share, so that cti3cx-loader and
// cti3cx-api read their configuration, log and fail the same way: flags with
// environment fallbacks (Flags), the flags every command takes and the logger
// built from them (Common), and the one helper that turns an error into the
// operator's one line and the process's exit code (Exit).
//
// It lives under cmd/internal because only the mains may use it: packages
// below them take their configuration as arguments, never from flags.
package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/cti3cx/cti3cx"
)

// Flags is a flag set whose flags may fall back to environment variables.
// Help (-h, --help) goes to stdout; flag errors and usage go to stderr.
type Flags struct {
	*flag.FlagSet
	Stdout, Stderr io.Writer
	getenv         func(string) string
	envErr         error
	secrets        []secret
	checks         []func() error
}

type secret struct {
	p   *string
	env string
}

// NewFlags returns an empty flag set named name. getenv is os.Getenv in main
// and a map in tests.
func NewFlags(name string, getenv func(string) string, stdout, stderr io.Writer) *Flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &Flags{FlagSet: fs, Stdout: stdout, Stderr: stderr, getenv: getenv}
}

// Getenv reads the environment the flags fall back to.
func (f *Flags) Getenv(name string) string { return f.getenv(name) }

// StringEnv binds a string flag. Its value is, in order: the flag, a value
// already in *p (a global flag parsed in front of the command), the
// environment variable env ("" for none), def.
func (f *Flags) StringEnv(p *string, name, env, def, usage string) {
	f.StringVar(p, name, firstNonEmpty(*p, f.env(env), def), usage+envNote(env))
}

// IntEnv binds an int flag with an environment fallback; a variable that is not
// a number is a usage error from Parse.
func (f *Flags) IntEnv(p *int, name, env string, def int, usage string) {
	if v := f.env(env); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			f.setEnvErr(fmt.Errorf("%s=%q: want a number", env, v))
		} else {
			def = n
		}
	}
	f.IntVar(p, name, def, usage+envNote(env))
}

// DurationEnv binds a duration flag with an environment fallback.
func (f *Flags) DurationEnv(p *time.Duration, name, env string, def time.Duration, usage string) {
	if v := f.env(env); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			f.setEnvErr(fmt.Errorf("%s=%q: want a duration such as 1s or 500ms", env, v))
		} else {
			def = d
		}
	}
	f.DurationVar(p, name, def, usage+envNote(env))
}

// Secret binds a flag whose value may hold a password (a database URL): help
// and flag errors never print it, and the environment variable is read only
// after parsing, when the flag was not given.
func (f *Flags) Secret(p *string, name, env, usage string) {
	f.Var((*secretValue)(p), name, usage+envNote(env))
	f.secrets = append(f.secrets, secret{p, env})
}

// secretValue shows nothing as its default, so that PrintDefaults stays quiet.
type secretValue string

func (s *secretValue) Set(v string) error { *s = secretValue(v); return nil }
func (s *secretValue) String() string     { return "" }

// Parse parses flags up to the first argument that is not one (a command's
// name), as flag.FlagSet.Parse does, then applies the secrets' environment
// fallbacks. A bad flag or environment variable is a usage error; -h and
// --help print the usage on stdout and return flag.ErrHelp.
func (f *Flags) Parse(args []string) error {
	var buf bytes.Buffer
	f.SetOutput(&buf)
	err := f.FlagSet.Parse(args)
	f.SetOutput(f.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		_, _ = io.Copy(f.Stdout, &buf)
		return err
	}
	if err != nil {
		// The flag package wrote the error and the whole usage into buf:
		// dropped, so that a mistyped flag is one line on stderr (the error,
		// printed once by Exit) with where to look, not a screen of flags.
		return Usagef("%v (see %s --help)", err, f.Name())
	}
	_, _ = io.Copy(f.Stderr, &buf)
	if f.envErr != nil {
		return Usage(f.envErr)
	}
	for _, s := range f.secrets {
		if *s.p == "" {
			*s.p = f.env(s.env)
		}
	}
	for _, check := range f.checks {
		if err := check(); err != nil {
			return Usage(err)
		}
	}
	return nil
}

// Check adds a validation that Parse runs once the flags are parsed; its
// error is a usage error.
func (f *Flags) Check(check func() error) { f.checks = append(f.checks, check) }

// ParseAll parses flags wherever they stand among the positional arguments
// (`tenant add acme --ddd 47`), which the flag package alone does not, and
// returns the positional ones. "--" ends the flags.
func (f *Flags) ParseAll(args []string) ([]string, error) {
	var positional []string
	for {
		if err := f.Parse(args); err != nil {
			return nil, err
		}
		args = f.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// WantArgs checks the count of positional arguments; a wrong count prints
// the usage and is a usage error naming what is wanted.
func (f *Flags) WantArgs(got []string, names ...string) error {
	if len(got) > 0 && len(names) == 0 {
		return Usagef("unexpected argument %q (flags start with --; see %s --help)", got[0], f.Name())
	}
	if len(got) == len(names) {
		return nil
	}
	f.Usage()
	return Usage(fmt.Errorf("%s: want %s", f.Name(), strings.Join(names, " ")))
}

// IsSet reports whether the flag name was given on the command line.
func (f *Flags) IsSet(name string) bool {
	set := false
	f.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	return set
}

func (f *Flags) env(name string) string {
	if name == "" {
		return ""
	}
	return f.getenv(name)
}

func (f *Flags) setEnvErr(err error) {
	if f.envErr == nil {
		f.envErr = err
	}
}

func envNote(env string) string {
	if env == "" {
		return ""
	}
	return " (env " + env + ")"
}

// Common are the flags every command of both binaries takes.
type Common struct {
	DatabaseURL string
	LogFormat   string // auto, text or json
	LogLevel    string // debug, info, warn or error
}

// Bind adds the common flags to f. Values already in c (parsed in front of a
// command) are kept as the defaults.
func (c *Common) Bind(f *Flags) {
	f.Secret(&c.DatabaseURL, "database-url", "DATABASE_URL", "PostgreSQL `URL`")
	f.StringEnv(&c.LogFormat, "log-format", "CTI3CX_LOG_FORMAT", "auto", "log format: auto (text on a terminal, JSON otherwise), text or json")
	f.StringEnv(&c.LogLevel, "log-level", "CTI3CX_LOG_LEVEL", "info", "log level: debug, info, warn or error")
	f.Check(c.checkLog)
}

func (c *Common) checkLog() error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	switch c.LogFormat {
	case "auto", "text", "json":
		return nil
	}
	return fmt.Errorf("--log-format %q: want auto, text or json", c.LogFormat)
}

// RequireDatabase is the error for a command that needs a database and got
// none.
func (c *Common) RequireDatabase() error {
	if c.DatabaseURL == "" {
		return Usage(errors.New("no database: set DATABASE_URL or --database-url"))
	}
	return nil
}

// Logger builds the binaries' logger on w (stderr): text on a terminal, JSON
// otherwise, unless --log-format says which. Parse has checked the values.
func (c *Common) Logger(w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "text" || (c.LogFormat != "json" && IsTerminal(w)) {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// IsTerminal tells whether w is a terminal: progress bars and text logs make
// sense there, not in a file or a pipe.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Usage marks err as bad usage (exit 2), keeping its text as the message.
func Usage(err error) error {
	return &cti3cx.Error{Code: cti3cx.EINVALID, Message: err.Error()}
}

// Usagef is Usage with a formatted message.
func Usagef(format string, args ...any) error {
	return Usage(fmt.Errorf(format, args...))
}

// ExitCode is the exit code of both binaries: 0 done (or help shown), 2 bad
// usage or bad input (a flag, an environment variable, DATABASE_URL, a
// file), 1 any other failure.
func ExitCode(err error) int {
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return 0
	case cti3cx.ErrorCode(err) == cti3cx.EINVALID:
		return 2
	default:
		return 1
	}
}

// ErrorLine is what the operator reads: the message of a coded error (its
// cause, often a multi-line driver error, stays out), else the error itself,
// on one line.
func ErrorLine(err error) string {
	msg := err.Error()
	if cti3cx.ErrorCode(err) != cti3cx.EINTERNAL {
		msg = cti3cx.ErrorMessage(err)
	}
	return strings.TrimSpace(strings.ReplaceAll(msg, "\n", " "))
}

// Exit prints err as "name: line" on stderr, unless it is nil or a help
// request, and returns the exit code for os.Exit.
func Exit(name string, stderr io.Writer, err error) int {
	code := ExitCode(err)
	if code != 0 {
		fmt.Fprintf(stderr, "%s: %s\n", name, ErrorLine(err))
	}
	return code
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
