package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/cti3cx/cti3cx/schema"
)

func init() {
	register("migrate", "create the database if needed and apply pending migrations", cmdMigrate)
	register("tenant", "add, list or change tenants (add|list|set)", cmdTenant)
	register("token", "issue, list or revoke a tenant's API tokens (issue|list|revoke)", cmdToken)
}

func cmdMigrate(ctx context.Context, app *App, args []string) error {
	fs := app.flagSet("migrate", "", "Creates the database named in DATABASE_URL if it does not exist, then applies the embedded migrations in order, each in its own transaction, under an advisory lock (concurrent runs are safe).")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	url, err := app.databaseURL()
	if err != nil {
		return err
	}
	applied, err := schema.MigrateURL(ctx, url, app.Logger())
	if err != nil {
		return err
	}
	fmt.Fprintf(app.Stdout, "schema at version %d (%d migration(s) applied)\n", schema.LatestVersion(), len(applied))
	return nil
}

func cmdTenant(ctx context.Context, app *App, args []string) error {
	return dispatchSub(ctx, app, "tenant", "tenant add SLUG [flags] | tenant list | tenant set SLUG [flags]",
		map[string]commandFunc{"add": tenantAdd, "list": tenantList, "set": tenantSet}, args)
}

// tenantFlags binds the flags shared by tenant add and tenant set.
func tenantFlags(fs *flag.FlagSet, t *schema.Tenant) {
	fs.StringVar(&t.Name, "name", t.Name, "display name")
	fs.StringVar(&t.DefaultDDD, "ddd", t.DefaultDDD, "default DDD (area code) for numbers written without one, e.g. 47")
	fs.StringVar(&t.DialFormat, "dial-format", t.DialFormat, "3CX dial format: a preset name or a template (see README); empty for the default 00+DDD+number")
	fs.StringVar(&t.ContactURL, "contact-url", t.ContactURL, "URL template for consult-phone's url field, e.g. https://crm.example/contact/{id}")
	fs.BoolVar(&t.Settings.PlaceholderUnknown, "placeholder-unknown", t.Settings.PlaceholderUnknown, "answer unknown callers with a placeholder contact so their calls are journaled")
	fs.StringVar(&t.Settings.UnknownURL, "unknown-url", t.Settings.UnknownURL, "the placeholder's url, {number} the caller's number, e.g. https://crm.example/novo?telefone={number}; empty leaves it empty")
}

func tenantAdd(ctx context.Context, app *App, args []string) error {
	var t schema.Tenant
	fs := app.flagSet("tenant add", "SLUG [flags]", "Adds a tenant. SLUG is what 3CX sends in the tenant header.")
	tenantFlags(fs, &t)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, "SLUG"); err != nil {
		return err
	}
	t.Slug = pos[0]
	if err := validateTenant(t); err != nil {
		return err
	}
	db, err := app.DB(ctx)
	if err != nil {
		return err
	}
	t, err = db.CreateTenant(ctx, t)
	if err != nil {
		return err
	}
	fmt.Fprintf(app.Stdout, "tenant %s added (id %d)\n", t.Slug, t.ID)
	return nil
}

func tenantSet(ctx context.Context, app *App, args []string) error {
	var t schema.Tenant
	fs := app.flagSet("tenant set", "SLUG [flags]", "Changes the given fields of a tenant; the others keep their values.")
	tenantFlags(fs, &t)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, "SLUG"); err != nil {
		return err
	}
	db, current, err := app.Tenant(ctx, pos[0])
	if err != nil {
		return err
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "name":
			current.Name = t.Name
		case "ddd":
			current.DefaultDDD = t.DefaultDDD
		case "dial-format":
			current.DialFormat = t.DialFormat
		case "contact-url":
			current.ContactURL = t.ContactURL
		case "placeholder-unknown":
			current.Settings.PlaceholderUnknown = t.Settings.PlaceholderUnknown
		case "unknown-url":
			current.Settings.UnknownURL = t.Settings.UnknownURL
		}
	})
	if err := validateTenant(current); err != nil {
		return err
	}
	if _, err := db.UpdateTenant(ctx, current); err != nil {
		return err
	}
	fmt.Fprintf(app.Stdout, "tenant %s updated\n", current.Slug)
	return nil
}

func tenantList(ctx context.Context, app *App, args []string) error {
	fs := app.flagSet("tenant list", "", "Lists the tenants.")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	db, err := app.DB(ctx)
	if err != nil {
		return err
	}
	ts, err := db.ListTenants(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(app.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SLUG\tNAME\tDDD\tDIAL FORMAT\tCONTACT URL\tPLACEHOLDER")
	for _, t := range ts {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%v\n", t.Slug, t.Name, t.DefaultDDD, orDefault(t.DialFormat), t.ContactURL, t.Settings.PlaceholderUnknown)
	}
	return w.Flush()
}

func cmdToken(ctx context.Context, app *App, args []string) error {
	return dispatchSub(ctx, app, "token", "token issue SLUG [--role pbx|sync|staff] [--label L] | token list SLUG | token revoke SLUG ID",
		map[string]commandFunc{"issue": tokenIssue, "list": tokenList, "revoke": tokenRevoke}, args)
}

func tokenIssue(ctx context.Context, app *App, args []string) error {
	fs := app.flagSet("token issue", "SLUG [--role pbx|sync|staff] [--label LABEL]", "Issues an API token for the token_crm header. The token is printed once on stdout, alone on its line, and only its hash is stored. Its role limits what it may do: pbx (3CX: consult-phone, end-call), sync (the CRM's changes feed), staff (the review page).")
	label := fs.String("label", "", "what or who the token is for, e.g. the PBX's name or \"Maria (atendimento)\"; staff labels name the person in audit rows")
	roleFlag := fs.String("role", string(schema.RolePBX), "pbx, sync or staff")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, "SLUG"); err != nil {
		return err
	}
	role, err := schema.ParseRole(*roleFlag)
	if err != nil {
		return err
	}
	db, t, err := app.Tenant(ctx, pos[0])
	if err != nil {
		return err
	}
	tok, secret, err := db.IssueToken(ctx, t.ID, *label, role)
	if err != nil {
		return err
	}
	fmt.Fprintf(app.Stderr, "%s token %d issued for tenant %s; store it now, it is not shown again:\n", tok.Role, tok.ID, t.Slug)
	fmt.Fprintln(app.Stdout, secret)
	return nil
}

func tokenList(ctx context.Context, app *App, args []string) error {
	fs := app.flagSet("token list", "SLUG", "Lists a tenant's tokens (never their secrets).")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, "SLUG"); err != nil {
		return err
	}
	db, t, err := app.Tenant(ctx, pos[0])
	if err != nil {
		return err
	}
	toks, err := db.ListTokens(ctx, t.ID)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(app.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tROLE\tLABEL\tCREATED\tLAST USED\tREVOKED")
	for _, k := range toks {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Role, k.Label, k.CreatedAt.Format(time.RFC3339), timeOrDash(k.LastUsedAt), timeOrDash(k.RevokedAt))
	}
	return w.Flush()
}

func tokenRevoke(ctx context.Context, app *App, args []string) error {
	fs := app.flagSet("token revoke", "SLUG ID", "Revokes a token: the API refuses it from then on.")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, "SLUG", "ID"); err != nil {
		return err
	}
	id, err := strconv.ParseInt(pos[1], 10, 64)
	if err != nil {
		return usageError(fmt.Errorf("token revoke: ID must be a number, got %q", pos[1]))
	}
	db, t, err := app.Tenant(ctx, pos[0])
	if err != nil {
		return err
	}
	if err := db.RevokeToken(ctx, t.ID, id); err != nil {
		return err
	}
	fmt.Fprintf(app.Stdout, "token %d of tenant %s revoked\n", id, t.Slug)
	return nil
}

type commandFunc = func(ctx context.Context, app *App, args []string) error

// dispatchSub runs the subcommand named by args[0] (`tenant add ...`), or
// prints the usage line: on --help as help, else as a usage error.
func dispatchSub(ctx context.Context, app *App, name, usage string, subs map[string]commandFunc, args []string) error {
	sub, rest := "", []string(nil)
	if len(args) > 0 {
		sub, rest = args[0], args[1:]
	}
	if run, ok := subs[sub]; ok {
		return run(ctx, app, rest)
	}
	fmt.Fprintln(app.Stderr, "Usage: cti3cx-loader "+usage)
	if sub == "--help" || sub == "-h" {
		return flag.ErrHelp
	}
	return usageError(fmt.Errorf("%s: unknown subcommand %q", name, sub))
}

func timeOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}

func orDefault(s string) string {
	if s == "" {
		return "(default)"
	}
	return s
}
