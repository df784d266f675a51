// Command cti3cx-loader is cti3cx's worker and admin tool: it migrates the
// database, manages tenants and tokens, normalizes and imports phone data,
// revalidates it on a schedule and writes the reports CRM staff work from.
//
// The commands are listed in one table (commands, below); each lives in the
// file named after it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	_ "time/tzdata" // the worker's schedules need America/Sao_Paulo on hosts without zoneinfo

	"github.com/cti3cx/cti3cx/buildinfo"
	"github.com/cti3cx/cti3cx/cmd/internal/cli"
	"github.com/cti3cx/cti3cx/schema"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// command is one entry of a command table: the loader's, or a command's own
// subcommands (tenant add, tenant list...).
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, app *App, args []string) error
}

// commands is the loader's command table, in the order help lists them.
var commands = []command{
	{"migrate", "create the database if needed and apply pending migrations", cmdMigrate},
	{"tenant", "add, list or change tenants (add|list|set)", cmdTenant},
	{"token", "issue, list or revoke a tenant's API tokens (issue|list|revoke)", cmdToken},
	{"normalize", "normalize raw phone cells read from stdin, one per line (no database unless --tenant)", cmdNormalize},
	{"import", "import accounts or contacts from CSV/TSV, XLSX or a JSON feed", cmdImport},
	{"rewrite", "write a load file with every phone cell in the tenant's dial format (no database with --ddd)", cmdRewrite},
	{"revalidate", "re-check stored phones against the current rules and tenant profile, once", cmdRevalidate},
	{"report", "write the phones that need a human to an XLSX or CSV file for CRM staff", cmdReport},
	{"export", "export live accounts or contacts with phones in the tenant's dial format, for loading into the CRM", cmdExport},
	{"fixes", "apply the corrections staff typed into a report (apply)", cmdFixes},
	{"calls", "list or export a tenant's calls journaled by the API (the contacts' activity history)", cmdCalls},
	{"runs", "list a tenant's recent revalidation and import runs", cmdRuns},
	{"run", "run the worker: scheduled revalidation, reports and feed imports", cmdRun},
}

// App is what every command gets: its streams, its configuration (read once,
// from flags with environment fallbacks) and lazily opened resources.
type App struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	cli.Common

	log *slog.Logger
	db  *schema.DB
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := &App{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: getenv}
	defer app.Close()
	return cli.Exit("cti3cx-loader", stderr, app.dispatch(ctx, args))
}

func (a *App) dispatch(ctx context.Context, args []string) error {
	fs := a.flagSet("", "[global flags] COMMAND [flags] [args]", "")
	fs.Usage = func() { a.usage(fs) }
	version := fs.Bool("version", false, "print the version (the build's VCS stamp) and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *version {
		fmt.Fprintln(a.Stdout, buildinfo.Read().String("cti3cx-loader"))
		return nil
	}
	if fs.NArg() == 0 {
		a.usage(fs)
		return cli.Usagef("no command given (see cti3cx-loader help)")
	}
	name, rest := fs.Arg(0), fs.Args()[1:]
	if name == "help" {
		if len(rest) == 0 {
			fs.SetOutput(a.Stdout)
			a.usage(fs)
			return nil
		}
		// help CMD [SUB] is CMD [SUB] --help.
		name, rest = rest[0], append(rest[1:len(rest):len(rest)], "--help")
	}
	for _, c := range commands {
		if c.name == name {
			return c.run(ctx, a, rest)
		}
	}
	return cli.Usagef("unknown command %q (see cti3cx-loader help)", name)
}

func (a *App) usage(fs *cli.Flags) {
	w := fs.Output()
	fmt.Fprintf(w, "Usage: cti3cx-loader [global flags] COMMAND [flags] [args]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nGlobal flags (also accepted after the command):\n")
	fs.PrintDefaults()
	fmt.Fprintf(w, "\nRun 'cti3cx-loader help COMMAND' for a command's flags.\n")
}

// flagSet returns a command's flag set, carrying the global flags too, so
// that `cti3cx-loader migrate --database-url ...` works as well as the flag
// in front of the command. Its usage shows synopsis, help and the flags.
func (a *App) flagSet(name, synopsis, help string) *cli.Flags {
	fs := cli.NewFlags(strings.TrimSpace("cti3cx-loader "+name), a.Getenv, a.Stdout, a.Stderr)
	a.Common.Bind(fs)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: %s %s\n", fs.Name(), synopsis)
		if help != "" {
			fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(help))
		}
		fmt.Fprintf(w, "\nFlags:\n")
		fs.PrintDefaults()
	}
	return fs
}

// dispatchSub runs the subcommand named by args[0] (`tenant add ...`). No
// subcommand, or an unknown one, prints the table on stderr and is a usage
// error; --help prints it on stdout.
func (a *App) dispatchSub(ctx context.Context, name string, subs []command, args []string) error {
	if len(args) > 0 {
		for _, c := range subs {
			if c.name == args[0] {
				return c.run(ctx, a, args[1:])
			}
		}
	}
	w := a.Stderr
	if len(args) > 0 && (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
		w = a.Stdout
	}
	names := make([]string, len(subs))
	fmt.Fprintf(w, "Usage: cti3cx-loader %s SUBCOMMAND [flags] [args]\n\nSubcommands:\n", name)
	for i, c := range subs {
		names[i] = c.name
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'cti3cx-loader help %s SUBCOMMAND' for a subcommand's flags.\n", name)
	switch {
	case w == a.Stdout:
		return flag.ErrHelp
	case len(args) == 0:
		return cli.Usagef("%s: missing subcommand (%s)", name, strings.Join(names, ", "))
	default:
		return cli.Usagef("%s: unknown subcommand %q (%s)", name, args[0], strings.Join(names, ", "))
	}
}

// Logger returns the command's logger (see cli.Common.Logger), on stderr.
func (a *App) Logger() *slog.Logger {
	if a.log == nil {
		a.log = a.Common.Logger(a.Stderr)
	}
	return a.log
}

// StderrIsTerminal tells whether progress bars make sense.
func (a *App) StderrIsTerminal() bool { return cli.IsTerminal(a.Stderr) }

// DB opens the database on first use.
func (a *App) DB(ctx context.Context) (*schema.DB, error) {
	if a.db != nil {
		return a.db, nil
	}
	if err := a.RequireDatabase(); err != nil {
		return nil, err
	}
	db, err := schema.Open(ctx, a.DatabaseURL)
	if err != nil {
		return nil, err
	}
	// A database never migrated (or migrated by another release) would
	// otherwise fail later with a bare SQL error such as `relation "tenants"
	// does not exist`; say what to do instead, as the API does.
	if err := db.CheckCurrent(ctx); err != nil {
		db.Close()
		return nil, err
	}
	a.db = db
	// Runs whose process died are found at the next start of any command.
	if n, err := db.MarkAbandonedRuns(ctx); err != nil {
		a.Logger().Warn("cannot look for abandoned runs", "error", err)
	} else if n.Imports+n.Revalidations > 0 {
		a.Logger().Warn("marked runs whose process died as abandoned (see cti3cx-loader runs)", "imports", n.Imports, "revalidations", n.Revalidations)
	}
	return db, nil
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
