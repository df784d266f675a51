package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/cti3cx/cti3cx/office"
	"github.com/cti3cx/cti3cx/schema"
)

func init() {
	register("calls", "list or export a tenant's calls journaled by the API (the contacts' activity history)", cmdCalls)
}

const callsHelp = `Lists the calls 3CX reported through the API: who called (contact and
company), the number, type, agent, date, start, end, duration and whether it
was answered. A call that 3CX never reported (no end-call) shows no type.

--contact takes a contact's external id (its calls) or an account's (the
calls of the account and of its contacts). --since takes YYYY-MM-DD or
DD/MM/YYYY and keeps calls made on or after that day.

Formats: table (default, for people), csv (UTF-8, comma), xlsx, ndjson (one
JSON object a line, for the CRM to take in). --out writes to a file instead
of standard output; xlsx needs --out.`

// callColumns are the export's columns, in order; ndjson uses them as keys.
var callColumns = []string{"call_id", "contact_id", "contact", "account_id", "company", "number", "type", "agent", "date", "start", "end", "duration_s", "answered", "created_at"}

func cmdCalls(ctx context.Context, app *App, args []string) error {
	fs := app.flagSet("calls", "--tenant SLUG [--contact EXTERNAL_ID] [--since DATE] [--format table|csv|xlsx|ndjson] [--out FILE]", callsHelp)
	tenant := fs.String("tenant", "", "tenant slug (required)")
	contact := fs.String("contact", "", "only this contact's (or account's) calls, by external id")
	since := fs.String("since", "", "only calls on or after this date (YYYY-MM-DD or DD/MM/YYYY)")
	format := fs.String("format", "table", "table, csv, xlsx or ndjson")
	out := fs.String("out", "", "write to this file instead of standard output")
	rest, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, rest); err != nil {
		return err
	}
	if *tenant == "" {
		return usageError(errors.New("calls: --tenant is required"))
	}
	filter := schema.CallFilter{ContactExternalID: *contact}
	if *since != "" {
		d, err := parseDay(*since)
		if err != nil {
			return usageError(fmt.Errorf("--since %q: want YYYY-MM-DD or DD/MM/YYYY", *since))
		}
		filter.Since = d
	}
	switch *format {
	case "table", "csv", "ndjson":
	case "xlsx":
		if *out == "" {
			return usageError(errors.New("--format xlsx needs --out FILE"))
		}
	default:
		return usageError(fmt.Errorf("--format %q: want table, csv, xlsx or ndjson", *format))
	}

	db, t, err := app.Tenant(ctx, *tenant)
	if err != nil {
		return err
	}
	calls, err := db.ListCalls(ctx, t.ID, filter)
	if err != nil {
		return err
	}
	if *format == "xlsx" {
		return writeCallsXLSX(*out, calls)
	}
	w := app.Stdout
	var f *os.File
	if *out != "" {
		if f, err = os.Create(*out); err != nil {
			return err
		}
		w = f
	}
	switch *format {
	case "csv":
		err = writeCallsCSV(w, calls)
	case "ndjson":
		err = writeCallsNDJSON(w, calls)
	default:
		err = writeCallsTable(w, calls)
	}
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err == nil && *out != "" {
		fmt.Fprintf(app.Stderr, "%d call(s) written to %s\n", len(calls), *out)
	}
	return err
}

// parseDay reads a day in the tenant's local sense; midnight UTC is close
// enough for a "since" filter on calls, which are days apart.
func parseDay(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02", "02/01/2006"} {
		if d, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return d, nil
		}
	}
	return time.Time{}, errors.New("not a date")
}

// callRow renders a call as the export's cells.
func callRow(c schema.Call) []string {
	clock := func(d *time.Duration) string {
		if d == nil {
			return ""
		}
		s := int(d.Seconds())
		return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	date, dur := "", ""
	if c.Date != nil {
		date = c.Date.Format("2006-01-02")
	}
	if c.Duration != nil {
		dur = strconv.Itoa(int(c.Duration.Seconds()))
	}
	answered := "no"
	if c.Answered() {
		answered = "yes"
	}
	return []string{strconv.FormatInt(c.ID, 10), c.ContactExternalID, c.ContactName, c.AccountExternalID, c.Company,
		c.Number, c.Type, c.Agent, date, clock(c.Start), clock(c.End), dur, answered, c.CreatedAt.UTC().Format(time.RFC3339)}
}

func writeCallsTable(w io.Writer, calls []schema.Call) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CALL\tCONTACT\tCOMPANY\tNUMBER\tTYPE\tAGENT\tDATE\tSTART\tEND\tDURATION\tANSWERED")
	for _, c := range calls {
		r := callRow(c)
		who := r[2]
		if who == "" {
			who = "-"
		}
		if r[1] != "" {
			who += " (" + r[1] + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r[0], who, dash(r[4]), r[5], dash(r[6]), dash(r[7]), dash(r[8]), dash(r[9]), dash(r[10]), dash(r[11]), r[12])
	}
	if len(calls) == 0 {
		fmt.Fprintln(tw, "(no calls)")
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func writeCallsCSV(w io.Writer, calls []schema.Call) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(callColumns)
	for _, c := range calls {
		_ = cw.Write(neutralized(callRow(c)))
	}
	cw.Flush()
	return cw.Error()
}

// neutralized keeps spreadsheet programs from running a cell as a formula
// (CSV injection): names come from the CRM, typed by anyone; the number
// from 3CX may start with +.
func neutralized(row []string) []string {
	for i, v := range row {
		row[i] = office.Neutralize(v)
	}
	return row
}

func writeCallsNDJSON(w io.Writer, calls []schema.Call) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, c := range calls {
		r := callRow(c)
		obj := make(map[string]any, len(callColumns))
		for i, k := range callColumns {
			obj[k] = r[i]
		}
		obj["call_id"] = c.ID
		obj["answered"] = c.Answered()
		if c.Duration != nil {
			obj["duration_s"] = int(c.Duration.Seconds())
		} else {
			obj["duration_s"] = nil
		}
		if err := enc.Encode(obj); err != nil {
			return err
		}
	}
	return nil
}

func writeCallsXLSX(path string, calls []schema.Call) error {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	row := func(n int, cells []string) error {
		vals := make([]any, len(cells))
		for i, c := range cells {
			vals[i] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, n)
		return sw.SetRow(cell, vals)
	}
	if err := row(1, callColumns); err != nil {
		return err
	}
	for i, c := range calls {
		if err := row(i+2, callRow(c)); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", "calls"); err != nil {
		return err
	}
	return f.SaveAs(path)
}
