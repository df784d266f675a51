// Command cti3cx-loader is cti3cx's worker and admin tool: it migrates the
// database, manages tenants and tokens, normalizes and imports phone data,
// revalidates it on a schedule and writes the reports CRM staff work from.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	_ "time/tzdata" // the worker's schedules need America/Sao_Paulo on hosts without zoneinfo

	"golang.org/x/term"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/schema"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// App is what every command gets: its streams, its configuration (read once,
// from flags with environment fallbacks) and lazily opened resources.
type App struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string

	DatabaseURL string
	LogFormat   string // auto, text or json
	LogLevel    string // debug, info, warn, error

	log *slog.Logger
	db  *schema.DB
}

// command is one subcommand; each file registers its own in init so that the
// table of commands grows with the files, not in one shared list.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, app *App, args []string) error
}

var commands = map[string]command{}

func register(name, summary string, run func(context.Context, *App, []string) error) {
	commands[name] = command{name: name, summary: summary, run: run}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := &App{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: getenv}
	defer app.Close()
	err := app.dispatch(ctx, args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "cti3cx-loader: %s\n", errorLine(err))
	return cti3cx.ExitCode(err)
}

// errorLine is what the operator reads: the message of a coded error (its
// cause, often a multi-line driver error, stays out), else the error itself.
func errorLine(err error) string {
	var e *cti3cx.Error
	if errors.As(err, &e) && e.Code != cti3cx.EINTERNAL && e.Message != "" {
		return e.Message
	}
	return strings.ReplaceAll(err.Error(), "\n", " ")
}

func (a *App) dispatch(ctx context.Context, args []string) error {
	fs := a.flagSet("cti3cx-loader", "[global flags] COMMAND [flags] [args]", "")
	fs.Usage = func() { a.usage(fs) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError(err)
	}
	if fs.NArg() == 0 {
		a.usage(fs)
		return usageError(errors.New("no command given"))
	}
	name := fs.Arg(0)
	if name == "help" {
		a.usage(fs)
		return nil
	}
	cmd, ok := commands[name]
	if !ok {
		return usageError(fmt.Errorf("unknown command %q (see cti3cx-loader --help)", name))
	}
	return cmd.run(ctx, a, fs.Args()[1:])
}

func (a *App) usage(fs *flag.FlagSet) {
	fmt.Fprintf(a.Stderr, "Usage: cti3cx-loader [global flags] COMMAND [flags] [args]\n\nCommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(a.Stderr, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(a.Stderr, "\nGlobal flags (also accepted after the command):\n")
	fs.PrintDefaults()
	fmt.Fprintf(a.Stderr, "\nRun 'cti3cx-loader COMMAND --help' for a command's flags.\n")
}

// flagSet returns a flag set that also carries the global flags, so that
// `cti3cx-loader migrate --database-url ...` works as well as the flag in
// front of the command. Environment variables are the fallbacks, read when
// the value is used, so that --help never prints a password from them.
func (a *App) flagSet(name, synopsis, help string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	fs.StringVar(&a.DatabaseURL, "database-url", a.DatabaseURL, "PostgreSQL URL (env DATABASE_URL)")
	fs.StringVar(&a.LogFormat, "log-format", a.LogFormat, "log format: auto (text on a terminal, JSON otherwise), text or json (env CTI3CX_LOG_FORMAT; default auto)")
	fs.StringVar(&a.LogLevel, "log-level", a.LogLevel, "log level: debug, info, warn or error (env CTI3CX_LOG_LEVEL; default info)")
	fs.Usage = func() {
		fmt.Fprintf(a.Stderr, "Usage: cti3cx-loader %s %s\n", name, synopsis)
		if help != "" {
			fmt.Fprintf(a.Stderr, "\n%s\n", strings.TrimSpace(help))
		}
		fmt.Fprintf(a.Stderr, "\nFlags:\n")
		fs.PrintDefaults()
	}
	return fs
}

// parseArgs parses flags wherever they stand among the positional arguments
// (`tenant add acme --ddd 47`), which the flag package alone does not.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError(err)
		}
		args = fs.Args()
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

// wantArgs checks the count of positional arguments.
func wantArgs(fs *flag.FlagSet, got []string, names ...string) error {
	if len(got) > 0 && len(names) == 0 {
		return usageError(fmt.Errorf("%s: unexpected argument %q (flags start with --; see %s --help)", fs.Name(), got[0], fs.Name()))
	}
	if len(got) != len(names) {
		fs.Usage()
		return usageError(fmt.Errorf("%s: want %s", fs.Name(), strings.Join(names, " ")))
	}
	return nil
}

// usageError marks err as bad usage: exit code 2.
func usageError(err error) error {
	return &cti3cx.Error{Code: cti3cx.EINVALID, Message: err.Error()}
}

// Logger returns the command's logger: text on a terminal, JSON otherwise,
// on stderr.
func (a *App) Logger() *slog.Logger {
	if a.log != nil {
		return a.log
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(firstNonEmpty(a.LogLevel, a.Getenv("CTI3CX_LOG_LEVEL"), "info"))); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	format := firstNonEmpty(a.LogFormat, a.Getenv("CTI3CX_LOG_FORMAT"), "auto")
	if format == "auto" {
		format = "json"
		if a.StderrIsTerminal() {
			format = "text"
		}
	}
	if format == "text" {
		a.log = slog.New(slog.NewTextHandler(a.Stderr, opts))
	} else {
		a.log = slog.New(slog.NewJSONHandler(a.Stderr, opts))
	}
	return a.log
}

// StderrIsTerminal tells whether progress bars and text logs make sense.
func (a *App) StderrIsTerminal() bool {
	f, ok := a.Stderr.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// DB opens the database on first use.
func (a *App) DB(ctx context.Context) (*schema.DB, error) {
	if a.db != nil {
		return a.db, nil
	}
	url, err := a.databaseURL()
	if err != nil {
		return nil, err
	}
	db, err := schema.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	a.db = db
	return db, nil
}

// databaseURL is --database-url, else DATABASE_URL.
func (a *App) databaseURL() (string, error) {
	url := firstNonEmpty(a.DatabaseURL, a.Getenv("DATABASE_URL"))
	if url == "" {
		return "", usageError(errors.New("no database: set DATABASE_URL or --database-url"))
	}
	return url, nil
}

// Tenant opens the database and loads the tenant by slug.
func (a *App) Tenant(ctx context.Context, slug string) (*schema.DB, schema.Tenant, error) {
	db, err := a.DB(ctx)
	if err != nil {
		return nil, schema.Tenant{}, err
	}
	t, err := db.TenantBySlug(ctx, slug)
	return db, t, err
}

// Close releases what the commands opened.
func (a *App) Close() {
	if a.db != nil {
		a.db.Close()
	}
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
