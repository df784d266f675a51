package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/cti3cx/cti3cx/cmd/internal/cli"
	"github.com/cti3cx/cti3cx/schema"
)

func cmdMigrate(ctx context.Context, app *App, args []string) error {
	fs := app.flagSet("migrate", "", "Creates the database named in DATABASE_URL if it does not exist, then applies the embedded migrations in order, each in its own transaction, under an advisory lock (concurrent runs are safe).")
	if _, err := fs.ParseAll(args); err != nil {
		return err
	}
	if err := app.RequireDatabase(); err != nil {
		return err
	}
	applied, err := schema.MigrateURL(ctx, app.DatabaseURL, app.Logger())
	if err != nil {
		return err
	}
	fmt.Fprintf(app.Stdout, "schema at version %d (%d migration(s) applied)\n", schema.LatestVersion(), len(applied))
	return nil
}

func cmdTenant(ctx context.Context, app *App, args []string) error {
	return app.dispatchSub(ctx, "tenant", []command{
		{"add", "add a tenant: tenant add SLUG [flags]", tenantAdd},
		{"list", "list the tenants and their settings", tenantList},
		{"set", "change a tenant's settings: tenant set SLUG [flags]", tenantSet},
	}, args)
}

// tenantFlags binds the flags shared by tenant add and tenant set.
func tenantFlags(fs *cli.Flags, t *schema.Tenant, feed *schema.FeedSettings) {
	fs.StringVar(&t.Name, "name", t.Name, "display name")
	fs.StringVar(&t.DefaultDDD, "ddd", t.DefaultDDD, "default DDD (area code) for numbers written without one, e.g. 47")
	fs.StringVar(&t.DialFormat, "dial-format", t.DialFormat, "3CX dial format: a preset name or a template (see docs/normalize.md); empty for the default 00+DDD+number")
	fs.StringVar(&t.ContactURL, "contact-url", t.ContactURL, "URL template for consult-phone's url field, e.g. https://crm.example/contact/{id}")
	fs.BoolVar(&t.Settings.PlaceholderUnknown, "placeholder-unknown", t.Settings.PlaceholderUnknown, "answer unknown callers with a placeholder contact so their calls are journaled")
	fs.StringVar(&t.Settings.UnknownURL, "unknown-url", t.Settings.UnknownURL, "the placeholder's url, {number} the caller's number, e.g. https://crm.example/novo?telefone={number}; empty leaves it empty")
	fs.StringVar(&feed.URL, "feed-url", "", "JSON feed the worker imports for this tenant (http(s) URL or path); empty removes the feed")
	fs.StringVar(&feed.Kind, "feed-kind", "", "what the feed holds: accounts or contacts")
	fs.StringVar(&feed.TokenEnv, "feed-token-env", "", "environment variable (of the worker) holding the feed's bearer token")
	fs.StringVar(&feed.Schedule, "feed-schedule", "", "the feed's own cron schedule (default: the worker's --schedule-feeds)")
}

// applyTenantFlags copies into current the fields whose flag was given.
func applyTenantFlags(fs *cli.Flags, current *schema.Tenant, t schema.Tenant, feed schema.FeedSettings) {
	cur := schema.FeedSettings{}
	if current.Settings.Feed != nil {
		cur = *current.Settings.Feed
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
		case "feed-url":
			cur.URL = feed.URL
		case "feed-kind":
			cur.Kind = feed.Kind
		case "feed-token-env":
			cur.TokenEnv = feed.TokenEnv
		case "feed-schedule":
			cur.Schedule = feed.Schedule
		}
	})
	if fs.IsSet("feed-url") && feed.URL == "" {
		// `--feed-url ''` removes the feed, and the stored kind, token
		// variable and schedule with it; feed flags given alongside still
		// reach validateFeed, which refuses a feed without a URL.
		cur = schema.FeedSettings{}
		if fs.IsSet("feed-kind") {
			cur.Kind = feed.Kind
		}
		if fs.IsSet("feed-token-env") {
			cur.TokenEnv = feed.TokenEnv
		}
		if fs.IsSet("feed-schedule") {
			cur.Schedule = feed.Schedule
		}
	}
	current.Settings.Feed = feedOrNil(cur)
}

// feedOrNil is nil for a tenant without a feed URL: no feed to poll.
func feedOrNil(f schema.FeedSettings) *schema.FeedSettings {
	if f == (schema.FeedSettings{}) {
		return nil
	}
	return &f
}

// tenantArgs parses tenant add's and tenant set's flags: SLUG and the
// fields given.
func tenantArgs(app *App, name, help string, args []string) (*cli.Flags, string, schema.Tenant, schema.FeedSettings, error) {
	var t schema.Tenant
	var feed schema.FeedSettings
	fs := app.flagSet(name, "SLUG [flags]", help)
	tenantFlags(fs, &t, &feed)
	pos, err := fs.ParseAll(args)
	if err == nil {
		err = fs.WantArgs(pos, "SLUG")
	}
	if err != nil {
		return fs, "", t, feed, err
	}
	return fs, pos[0], t, feed, nil
}

func tenantAdd(ctx context.Context, app *App, args []string) error {
	_, slug, t, feed, err := tenantArgs(app, "tenant add", "Adds a tenant. SLUG is what 3CX sends in the tenant header.", args)
	if err != nil {
		return err
	}
	t.Slug = slug
	t.Settings.Feed = feedOrNil(feed)
	if err := validateTenant(t); err != nil {
		return err
	}
	db, err := app.DB(ctx)
	if err != nil {
		return err
	}
	if t, err = db.CreateTenant(ctx, t); err != nil {
		return err
	}
	fmt.Fprintf(app.Stdout, "tenant %s added (id %d)\n", t.Slug, t.ID)
	return nil
}

func tenantSet(ctx context.Context, app *App, args []string) error {
	fs, slug, t, feed, err := tenantArgs(app, "tenant set", "Changes the given fields of a tenant; the others keep their values.", args)
	if err != nil {
		return err
	}
	db, current, err := app.Tenant(ctx, slug)
	if err != nil {
		return err
	}
	applyTenantFlags(fs, &current, t, feed)
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
	if _, err := fs.ParseAll(args); err != nil {
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
	fmt.Fprintln(w, "SLUG\tNAME\tDDD\tDIAL FORMAT\tCONTACT URL\tPLACEHOLDER\tFEED URL\tFEED KIND\tFEED TOKEN ENV\tFEED SCHEDULE")
	for _, t := range ts {
		f := schema.FeedSettings{}
		if t.Settings.Feed != nil {
			f = *t.Settings.Feed
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%v\t%s\t%s\t%s\t%s\n", t.Slug, t.Name, dash(t.DefaultDDD), orDefault(t.DialFormat),
			dash(t.ContactURL), t.Settings.PlaceholderUnknown, dash(f.URL), dash(f.Kind), dash(f.TokenEnv), orDefault(f.Schedule))
	}
	return w.Flush()
}

func cmdToken(ctx context.Context, app *App, args []string) error {
	return app.dispatchSub(ctx, "token", []command{
		{"issue", "issue a token: token issue SLUG [--role pbx|sync|staff] [--label L]", tokenIssue},
		{"list", "list a tenant's tokens: token list SLUG", tokenList},
		{"revoke", "revoke a token: token revoke SLUG ID", tokenRevoke},
	}, args)
}

func tokenIssue(ctx context.Context, app *App, args []string) error {
	fs := app.flagSet("token issue", "SLUG [--role pbx|sync|staff] [--label LABEL]", "Issues an API token for the token_crm header. The token is printed once on stdout, alone on its line, and only its hash is stored. Its role limits what it may do: pbx (3CX: consult-phone, end-call), sync (the CRM's changes feed), staff (the review page).")
	label := fs.String("label", "", "what or who the token is for, e.g. the PBX's name or \"Maria (atendimento)\"; staff labels name the person in audit rows")
	roleFlag := fs.String("role", string(schema.RolePBX), "pbx, sync or staff")
	pos, err := fs.ParseAll(args)
	if err != nil {
		return err
	}
	if err := fs.WantArgs(pos, "SLUG"); err != nil {
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
	pos, err := fs.ParseAll(args)
	if err != nil {
		return err
	}
	if err := fs.WantArgs(pos, "SLUG"); err != nil {
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
	pos, err := fs.ParseAll(args)
	if err != nil {
		return err
	}
	if err := fs.WantArgs(pos, "SLUG", "ID"); err != nil {
		return err
	}
	id, err := strconv.ParseInt(pos[1], 10, 64)
	if err != nil {
		return cli.Usagef("token revoke: ID must be a number, got %q", pos[1])
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
