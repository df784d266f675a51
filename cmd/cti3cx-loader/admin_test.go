package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/cti3cx/cti3cx/schema"
	"github.com/cti3cx/cti3cx/schema/schematest"
)

// cli runs the loader's real entry point with DATABASE_URL set, as a shell
// would.
type shell struct {
	t   *testing.T
	env map[string]string
}

func newCLI(t *testing.T, databaseURL string) *shell {
	return &shell{t: t, env: map[string]string{"DATABASE_URL": databaseURL, "CTI3CX_LOG_FORMAT": "text"}}
}

func TestHelpNeverShowsTheDatabaseURL(t *testing.T) {
	c := newCLI(t, "postgres://u:hunter2@db.example/x")
	for _, args := range [][]string{{"--help"}, {"tenant", "add", "--help"}, {"migrate", "--help"}} {
		code, out, errOut := c.run("", args...)
		if code != 0 || strings.Contains(out+errOut, "hunter2") {
			t.Fatalf("%v: exit %d, output shows the password:\n%s%s", args, code, out, errOut)
		}
	}
}

func (c *shell) run(stdin string, args ...string) (code int, stdout, stderr string) {
	c.t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, func(k string) string { return c.env[k] }, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// ok runs a command that must succeed and returns its stdout.
func (c *shell) ok(args ...string) string {
	c.t.Helper()
	code, out, errOut := c.run("", args...)
	if code != 0 {
		c.t.Fatalf("cti3cx-loader %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func TestAdminCommands(t *testing.T) {
	c := newCLI(t, schematest.UnmigratedURL(t))

	if out := c.ok("migrate"); !strings.Contains(out, "1 migration(s) applied") && !strings.Contains(out, "migration(s) applied") {
		t.Fatalf("migrate said %q", out)
	}
	if out := c.ok("migrate"); !strings.Contains(out, "(0 migration(s) applied)") {
		t.Fatalf("second migrate said %q, want nothing applied", out)
	}
	c.ok("tenant", "add", "acme", "--name", "Acme Indústria", "--ddd", "47")
	c.ok("tenant", "set", "acme", "--contact-url", "https://crm.example/c/{id}")
	list := c.ok("tenant", "list")
	for _, want := range []string{"acme", "Acme Indústria", "47", "https://crm.example/c/{id}"} {
		if !strings.Contains(list, want) {
			t.Fatalf("tenant list lacks %q:\n%s", want, list)
		}
	}

	secret := strings.TrimSpace(c.ok("token", "issue", "acme", "--label", "pbx-1"))
	if !strings.HasPrefix(secret, "c3x_") || strings.Contains(secret, "\n") {
		t.Fatalf("token issue printed %q, want the secret alone", secret)
	}
	tokens := c.ok("token", "list", "acme")
	if !strings.Contains(tokens, "pbx-1") || strings.Contains(tokens, secret) {
		t.Fatalf("token list shows %q", tokens)
	}
	if !strings.Contains(tokens, "ROLE") || strings.Fields(strings.Split(strings.TrimSpace(tokens), "\n")[1])[1] != "pbx" {
		t.Fatalf("token list does not show the default role pbx:\n%s", tokens)
	}
	c.ok("token", "issue", "acme", "--role", "sync", "--label", "crm-sync")
	if tokens := c.ok("token", "list", "acme"); !strings.Contains(tokens, "sync") || !strings.Contains(tokens, "crm-sync") {
		t.Fatalf("token list does not show the sync token:\n%s", tokens)
	}
	id := strings.Fields(strings.Split(strings.TrimSpace(tokens), "\n")[1])[0]
	c.ok("token", "revoke", "acme", id)
	row := strings.Fields(strings.Split(strings.TrimSpace(c.ok("token", "list", "acme")), "\n")[1])
	if revoked := row[len(row)-1]; revoked == "-" {
		t.Fatalf("revoked token shows no revocation time: %v", row)
	}
}

// A database that exists but was never migrated: every command that needs the
// schema says to run migrate, in one line, instead of a bare SQL error.
func TestCommandsRefuseUnmigratedDatabase(t *testing.T) {
	t.Parallel()
	url := schematest.UnmigratedURL(t)
	if err := schema.EnsureDatabase(context.Background(), url); err != nil {
		t.Fatal(err)
	}
	c := newCLI(t, url)
	for _, args := range [][]string{
		{"tenant", "list"},
		{"token", "list", "acme"},
		{"import", "--tenant", "acme", "--file", "../../samples/accounts.csv"},
		{"calls", "--tenant", "acme"},
	} {
		code, _, errOut := c.run("", args...)
		if code != 1 || strings.Count(errOut, "\n") != 1 ||
			!strings.Contains(errOut, "database schema is at version 0") || !strings.Contains(errOut, "run `cti3cx-loader migrate` first") {
			t.Errorf("%v: exit %d, stderr %q; want exit 1 and one line saying to run migrate", args, code, errOut)
		}
	}
}

func TestExitCodes(t *testing.T) {
	c := newCLI(t, schematest.URL(t))
	c.ok("tenant", "add", "acme")
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string // what stderr must contain
		stdout string // what stdout must contain (help goes there)
	}{
		{"no command", nil, 2, "no command given", ""},
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate"`, ""},
		{"help", []string{"--help"}, 0, "", "Commands:"},
		{"help command", []string{"help"}, 0, "", "Commands:"},
		{"help of a command", []string{"help", "import"}, 0, "", "Usage: cti3cx-loader import --tenant SLUG"},
		{"help of a subcommand", []string{"help", "tenant", "add"}, 0, "", "-ddd"},
		{"help of a command with subcommands", []string{"help", "tenant"}, 0, "", "Subcommands:"},
		{"help of an unknown command", []string{"help", "frobnicate"}, 2, `unknown command "frobnicate"`, ""},
		{"command help", []string{"tenant", "add", "--help"}, 0, "", "-ddd"},
		{"help hides the database password", []string{"--help"}, 0, "", "(env DATABASE_URL)\n"},
		{"missing subcommand", []string{"tenant"}, 2, "tenant: missing subcommand (add, list, set)", ""},
		{"unknown subcommand", []string{"token", "mint"}, 2, `token: unknown subcommand "mint"`, ""},
		{"missing slug", []string{"tenant", "add"}, 2, "want SLUG", ""},
		{"bad ddd", []string{"tenant", "add", "x", "--ddd", "4"}, 2, "--ddd", ""},
		{"bad slug", []string{"tenant", "add", "Not A Slug"}, 2, "slug", ""},
		{"duplicate tenant", []string{"tenant", "add", "acme"}, 1, `tenant "acme" already exists`, ""},
		{"unknown tenant", []string{"token", "issue", "nobody"}, 1, `tenant "nobody" not found`, ""},
		{"bad token id", []string{"token", "revoke", "acme", "x"}, 2, "ID must be a number", ""},
		{"unknown role", []string{"token", "issue", "acme", "--role", "admin"}, 2, `unknown role "admin"`, ""},
		{"unknown flag", []string{"tenant", "list", "--bogus"}, 2, "flag provided but not defined", ""},
		{"bad log level", []string{"tenant", "list", "--log-level", "loud"}, 2, "--log-level", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := c.run("", tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) || !strings.Contains(stdout, tt.stdout) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q", code, stdout, stderr, tt.code, tt.stdout, tt.stderr)
			}
			if code == 0 && stderr != "" {
				t.Fatalf("help wrote to stderr: %q", stderr)
			}
		})
	}
}

// The same bad DATABASE_URL is bad input for both binaries: exit 2 (the API's
// side is in TestRunUsage).
func TestBadDatabaseURLExitCode(t *testing.T) {
	c := newCLI(t, "postgres://u:hunter2@host:port/db")
	code, _, stderr := c.run("", "tenant", "list")
	if code != 2 || !strings.HasPrefix(stderr, "cti3cx-loader: invalid DATABASE_URL") {
		t.Fatalf("exit %d, stderr %q; want 2 and invalid DATABASE_URL", code, stderr)
	}
	if code, _, _ := c.run("", "migrate"); code != 2 {
		t.Fatalf("migrate: exit %d, want 2", code)
	}
}

// tenant add/set/list carry the feed the worker polls: no SQL needed.
func TestTenantFeedSettings(t *testing.T) {
	url := schematest.URL(t)
	db, err := schema.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := newCLI(t, url)
	c.ok("tenant", "add", "acme", "--feed-url", "https://crm.example/api/contacts", "--feed-kind", "contacts")
	c.ok("tenant", "set", "acme", "--feed-token-env", "ACME_FEED_TOKEN", "--feed-schedule", "*/15 * * * *")
	tn, err := db.TenantBySlug(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	want := schema.FeedSettings{URL: "https://crm.example/api/contacts", Kind: "contacts", TokenEnv: "ACME_FEED_TOKEN", Schedule: "*/15 * * * *"}
	if tn.Settings.Feed == nil || *tn.Settings.Feed != want {
		t.Fatalf("stored feed %+v, want %+v", tn.Settings.Feed, want)
	}
	list := c.ok("tenant", "list")
	for _, w := range []string{"FEED URL", "https://crm.example/api/contacts", "contacts", "ACME_FEED_TOKEN", "*/15 * * * *"} {
		if !strings.Contains(list, w) {
			t.Fatalf("tenant list lacks %q:\n%s", w, list)
		}
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"tenant", "set", "acme", "--feed-kind", "deals"}, `--feed-kind "deals"`},
		{[]string{"tenant", "set", "acme", "--feed-schedule", "every day"}, "--feed-schedule"},
		{[]string{"tenant", "add", "beta", "--feed-kind", "accounts"}, "--feed-url: a feed needs a URL"},
	} {
		if code, _, stderr := c.run("", bad.args...); code != 2 || !strings.Contains(stderr, bad.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", bad.args, code, stderr, bad.want)
		}
	}
	c.ok("tenant", "set", "acme", "--feed-url", "", "--feed-kind", "", "--feed-token-env", "", "--feed-schedule", "")
	if tn, _ = db.TenantBySlug(context.Background(), "acme"); tn.Settings.Feed != nil {
		t.Fatalf("feed not removed: %+v", tn.Settings.Feed)
	}
	// docs/operations.md: `--feed-url ''` alone removes a feed, whatever
	// kind, token variable and schedule it had.
	c.ok("tenant", "set", "acme", "--feed-url", "https://crm.example/api/contacts", "--feed-kind", "contacts",
		"--feed-token-env", "ACME_FEED_TOKEN", "--feed-schedule", "*/15 * * * *")
	c.ok("tenant", "set", "acme", "--feed-url", "")
	if tn, _ = db.TenantBySlug(context.Background(), "acme"); tn.Settings.Feed != nil {
		t.Fatalf("--feed-url '' did not remove the feed: %+v", tn.Settings.Feed)
	}
	if code, _, stderr := c.run("", "tenant", "set", "acme", "--feed-url", "", "--feed-kind", "contacts"); code != 2 || !strings.Contains(stderr, "a feed needs a URL") {
		t.Errorf("--feed-url '' --feed-kind contacts: exit %d, stderr %q; want 2, a feed needs a URL", code, stderr)
	}
}

func TestBadDatabaseURLIsOneLine(t *testing.T) {
	tests := []struct{ name, url string }{
		{"unparseable", "postgres://u:hunter2@host:port/db"},
		{"refused", "postgres://u:hunter2@127.0.0.1:1/db?connect_timeout=2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCLI(t, tt.url)
			code, _, stderr := c.run("", "tenant", "list")
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if code == 0 || len(lines) != 1 || strings.Contains(stderr, "hunter2") || strings.Contains(stderr, "goroutine") {
				t.Fatalf("exit %d, stderr:\n%s\nwant one line without the password", code, stderr)
			}
			t.Log(stderr)
		})
	}
}

func TestTenantDialFormatIsValidated(t *testing.T) {
	c := newCLI(t, schematest.URL(t))
	c.ok("tenant", "add", "acme", "--ddd", "47", "--dial-format", "national")
	tests := []struct {
		args   []string
		stderr string
	}{
		{[]string{"tenant", "add", "x", "--ddd", "20"}, "--ddd"}, // 20 is not an assigned DDD
		{[]string{"tenant", "add", "x", "--dial-format", "{nope}"}, "--dial-format"},
		{[]string{"tenant", "set", "acme", "--dial-format", "bogus-preset"}, "--dial-format"},
	}
	for _, tt := range tests {
		code, _, stderr := c.run("", tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.stderr) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 naming %s", tt.args, code, stderr, tt.stderr)
		}
	}
}

func TestNormalizeCommand(t *testing.T) {
	c := newCLI(t, schematest.URL(t))
	c.ok("tenant", "add", "acme", "--ddd", "47")
	input := "(47) 3333-4444\n\n8765-4321\n11 98765-4321 / 11 3333-4444\n***\n"

	// Without a database: the DDD comes from the flag.
	code, out, stderr := newCLI(t, "").run(input, "normalize", "--ddd", "47")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != "input\tstatus\te164\tdial\ttype\textension\treasons\tsuggestion" {
		t.Fatalf("header = %q", lines[0])
	}
	want := []struct{ status, e164, dial, reason string }{
		{"ok", "+554733334444", "004733334444", ""},
		{"fixed", "+5547987654321", "0047987654321", "added_ninth_digit"}, // old 8-digit mobile, tenant DDD
		{"ok", "+5511987654321", "0011987654321", "multiple_numbers"},
		{"ok", "+551133334444", "001133334444", "multiple_numbers"},
		{"invalid", "", "", "placeholder"},
	}
	if len(lines)-1 != len(want) {
		t.Fatalf("got %d result lines, want %d:\n%s", len(lines)-1, len(want), out)
	}
	for i, w := range want {
		f := strings.Split(lines[i+1], "\t")
		if f[1] != w.status || f[2] != w.e164 || f[3] != w.dial || !strings.Contains(f[6], w.reason) {
			t.Errorf("line %d = %q; want status %s, e164 %s, dial %s, reason %s", i+1, lines[i+1], w.status, w.e164, w.dial, w.reason)
		}
	}

	// With --tenant the profile comes from the database.
	_, out, _ = c.run("8765-4321\n", "normalize", "--tenant", "acme", "--format", "json")
	if !strings.Contains(out, `"e164":"+5547987654321"`) {
		t.Fatalf("--tenant acme json = %s", out)
	}
	if code, _, _ := c.run("", "normalize", "--format", "xml"); code != 2 {
		t.Fatalf("--format xml: exit %d, want 2", code)
	}
}

// --version prints one line from the build's stamp, without a database.
func TestVersion(t *testing.T) {
	c := newCLI(t, "")
	code, out, errOut := c.run("", "--version")
	if code != 0 || errOut != "" || !regexp.MustCompile(`^cti3cx-loader \S+ revision \S+ \([^)]*\) \S*\n$`).MatchString(out) {
		t.Errorf("--version: exit %d, %q %q", code, out, errOut)
	}
}
