package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/cti3cx/cti3cx/cmd/internal/cli"
	"github.com/cti3cx/cti3cx/loader/worker"
	"github.com/cti3cx/cti3cx/office"
	"github.com/cti3cx/cti3cx/schema"
)

const callsHelp = `Lists the calls 3CX reported through the API: who called (contact and
company), the number, type, agent, date, start, end, duration and whether it
was answered. A lookup 3CX never reported (no end-call) shows "não reportada"
as its type (reported=no in csv-comma and ndjson); --reported-only leaves
those out. A number several records own puts the call in the history of every
owner the answer listed. The worker ('cti3cx-loader run') deletes unreported
lookups after --unreported-retention and, if asked, journaled calls after
--calls-retention.

--contact takes a contact's external id (its calls) or an account's (the
calls of the account and of its contacts). --since takes YYYY-MM-DD or
DD/MM/YYYY and keeps calls made on or after that day, in --timezone.

Formats: table (default, for the operator); csv and xlsx for CRM staff, in
Portuguese: csv with ';' and a UTF-8 BOM, as Excel in Brazil opens it, xlsx
with sized columns, a frozen header and filters, the record time in
--timezone (default America/Sao_Paulo), the duration a number of seconds;
csv-comma (comma, no BOM, the English column names, RFC 3339 times) and
ndjson (one JSON object a line) for programs. The date, start and end are
the PBX's own, as 3CX reported them. No cell is ever written so that a
spreadsheet evaluates it. --out writes to a file instead of standard
output; xlsx needs --out.`

// callColumns are the machine formats' columns, in order; ndjson uses them
// as keys.
var callColumns = []string{"call_id", "contact_id", "contact", "account_id", "company", "number", "type", "agent", "date", "start", "end", "duration_s", "answered", "created_at", "reported"}

// notReported is how staff see a lookup end-call never completed.
const notReported = "não reportada"

// callHeaders head the csv and xlsx exports, for CRM staff, with each
// column's width in the xlsx.
var callHeaders = []struct {
	name  string
	width float64
}{
	{"Chamada", 9}, {"ID do contato", 14}, {"Contato", 24}, {"ID da conta", 14}, {"Empresa", 26},
	{"Número", 18}, {"Tipo", 13}, {"Agente", 10}, {"Data", 11}, {"Início", 9}, {"Fim", 9},
	{"Duração (s)", 11}, {"Atendida", 9}, {"Registrada em", 19}, {"Reportada", 10},
}

// callTypePT names 3CX's call types for staff.
var callTypePT = map[string]string{
	schema.CallInbound: "recebida", schema.CallOutbound: "feita",
	schema.CallMissed: "perdida", schema.CallNotanswered: "não atendida",
}

const (
	callColDuration = 11
	callColDate     = 8
	callColCreated  = 13
)

func cmdCalls(ctx context.Context, app *App, args []string) error {
	fs := app.flagSet("calls", "--tenant SLUG [--contact EXTERNAL_ID] [--since DATE] [--reported-only] [--format table|csv|xlsx|csv-comma|ndjson] [--timezone ZONE] [--out FILE]", callsHelp)
	tenant := fs.String("tenant", "", "tenant slug (required)")
	contact := fs.String("contact", "", "only this contact's (or account's) calls, by external id")
	since := fs.String("since", "", "only calls on or after this date (YYYY-MM-DD or DD/MM/YYYY)")
	reportedOnly := fs.Bool("reported-only", false, "leave out lookups end-call never completed")
	format := fs.String("format", "table", "table, csv, xlsx, csv-comma or ndjson")
	var tz string
	fs.StringEnv(&tz, "timezone", "CTI3CX_TIMEZONE", worker.DefaultTimezone, "the tenant's time zone, for record times and --since")
	out := fs.String("out", "", "write to this file instead of standard output")
	rest, err := fs.ParseAll(args)
	if err != nil {
		return err
	}
	if err := fs.WantArgs(rest); err != nil {
		return err
	}
	if *tenant == "" {
		return cli.Usagef("calls: --tenant is required")
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return cli.Usagef("--timezone %q: %v", tz, err)
	}
	filter := schema.CallFilter{ContactExternalID: *contact, ReportedOnly: *reportedOnly}
	if *since != "" {
		d, err := parseDay(*since, loc)
		if err != nil {
			return cli.Usagef("--since %q: want YYYY-MM-DD or DD/MM/YYYY", *since)
		}
		filter.Since = d
	}
	switch *format {
	case "table", "csv", "csv-comma", "ndjson":
	case "xlsx":
		if *out == "" {
			return cli.Usagef("--format xlsx needs --out FILE")
		}
	default:
		return cli.Usagef("--format %q: want table, csv, xlsx, csv-comma or ndjson", *format)
	}

	db, t, err := app.Tenant(ctx, *tenant)
	if err != nil {
		return err
	}
	calls, err := db.ListCalls(ctx, t.ID, filter)
	if err != nil {
		return err
	}
	write := func(w io.Writer) error {
		switch *format {
		case "csv":
			return writeCallsCSV(w, calls, loc)
		case "csv-comma":
			return writeCallsMachineCSV(w, calls, loc)
		case "xlsx":
			return writeCallsXLSX(w, calls, loc)
		case "ndjson":
			return writeCallsNDJSON(w, calls, loc)
		}
		return writeCallsTable(w, calls)
	}
	if *out == "" {
		return write(app.Stdout)
	}
	if err := office.WriteFile(*out, write); err != nil {
		return err
	}
	fmt.Fprintf(app.Stderr, "%d call(s) written to %s\n", len(calls), *out)
	return nil
}

// parseDay reads a day, midnight in loc.
func parseDay(s string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{"2006-01-02", "02/01/2006"} {
		if d, err := time.ParseInLocation(layout, s, loc); err == nil {
			return d, nil
		}
	}
	return time.Time{}, errors.New("not a date")
}

// callRow renders a call as the machine formats' cells.
func callRow(c schema.Call, loc *time.Location) []string {
	date, dur := "", ""
	if c.Date != nil {
		date = c.Date.Format("2006-01-02")
	}
	if c.Duration != nil {
		dur = strconv.Itoa(int(c.Duration.Seconds()))
	}
	return []string{strconv.FormatInt(c.ID, 10), c.ContactExternalID, c.ContactName, c.AccountExternalID, c.Company,
		c.Number, c.Type, c.Agent, date, clock(c.Start), clock(c.End), dur, yesNo(c.Answered()), c.CreatedAt.In(loc).Format(time.RFC3339), yesNo(c.Ended)}
}

// callRowPT renders a call for staff: Portuguese words, Brazilian dates.
func callRowPT(c schema.Call, loc *time.Location) []string {
	r := callRow(c, loc)
	if c.Date != nil {
		r[callColDate] = c.Date.Format("02/01/2006")
	}
	r[6] = cmp.Or(callTypePT[c.Type], c.Type)
	if !c.Ended {
		r[6] = notReported
	}
	r[12], r[14] = simNao(c.Answered()), simNao(c.Ended)
	r[callColCreated] = c.CreatedAt.In(loc).Format("02/01/2006 15:04:05")
	return r
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func simNao(b bool) string {
	if b {
		return "sim"
	}
	return "não"
}

func clock(d *time.Duration) string {
	if d == nil {
		return ""
	}
	s := int(d.Seconds())
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}

func writeCallsTable(w io.Writer, calls []schema.Call) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CALL\tRECORD\tCONTACT\tCOMPANY\tNUMBER\tTYPE\tAGENT\tDATE\tSTART\tEND\tDURATION\tANSWERED")
	for _, c := range calls {
		r := callRow(c, time.UTC)
		if !c.Ended {
			r[6] = notReported
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r[0], callRecord(c), dash(r[2]), dash(r[4]), r[5], dash(r[6]), dash(r[7]), dash(r[8]), dash(r[9]), dash(r[10]), dash(r[11]), r[12])
	}
	if len(calls) == 0 {
		fmt.Fprintln(tw, "(no calls)")
	}
	return tw.Flush()
}

// callRecord names the CRM record the caller was found as: the contact
// when there is one, else the account (a company's own number), as the
// exports' contact_id and account_id columns do.
func callRecord(c schema.Call) string {
	switch {
	case c.ContactExternalID != "":
		return "contact " + c.ContactExternalID
	case c.AccountExternalID != "":
		return "account " + c.AccountExternalID
	}
	return "-"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// writeCallsCSV writes the export for staff: ';', a UTF-8 BOM and CRLF, as
// Excel in Brazil opens it. Text cells go through office.Text (never a
// formula; numbers and ids stay text); the call id and the duration are
// numbers, left as they are.
func writeCallsCSV(w io.Writer, calls []schema.Call, loc *time.Location) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("\uFEFF")
	cw := csv.NewWriter(bw)
	cw.Comma, cw.UseCRLF = ';', true
	header := make([]string, len(callHeaders))
	for i, h := range callHeaders {
		header[i] = h.name
	}
	_ = cw.Write(header)
	for _, c := range calls {
		r := callRowPT(c, loc)
		for i, v := range r {
			if i != 0 && i != callColDuration {
				r[i] = office.Text(v)
			}
		}
		_ = cw.Write(r)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// writeCallsMachineCSV writes plain CSV for programs; cells are still
// neutralised, as in every CSV the product writes.
func writeCallsMachineCSV(w io.Writer, calls []schema.Call, loc *time.Location) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(callColumns)
	for _, c := range calls {
		r := callRow(c, loc)
		for i, v := range r {
			r[i] = office.Neutralize(v)
		}
		_ = cw.Write(r)
	}
	cw.Flush()
	return cw.Error()
}

func writeCallsNDJSON(w io.Writer, calls []schema.Call, loc *time.Location) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, c := range calls {
		r := callRow(c, loc)
		obj := make(map[string]any, len(callColumns))
		for i, k := range callColumns {
			obj[k] = r[i]
		}
		obj["call_id"] = c.ID
		obj["answered"] = c.Answered()
		obj["reported"] = c.Ended
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

// callsSheet is the xlsx export's one sheet.
const callsSheet = "Chamadas"

// writeCallsXLSX writes the export for staff as a workbook: text cells in
// the text format (never evaluated), the id and the duration as numbers,
// the date and the record time as dates, sized columns, a frozen header and
// filters.
func writeCallsXLSX(w io.Writer, calls []schema.Call, loc *time.Location) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", callsSheet); err != nil {
		return err
	}
	st, err := newCallStyles(f)
	if err != nil {
		return err
	}
	if err := office.PrintSetup(f, callsSheet, true); err != nil {
		return err
	}
	sw, err := office.NewStream(f, callsSheet, len(callHeaders), len(calls)+1)
	if err != nil {
		return err
	}
	header := make([]any, len(callHeaders))
	for i, h := range callHeaders {
		if err := sw.SetColWidth(i+1, i+1, h.width); err != nil {
			return err
		}
		header[i] = excelize.Cell{StyleID: st.header, Value: h.name}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	for i, c := range calls {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, st.row(c, loc)); err != nil {
			return err
		}
	}
	if len(calls) > 0 { // a table needs a row under its header
		last, _ := excelize.CoordinatesToCellName(len(callHeaders), len(calls)+1)
		if err := sw.AddTable(&excelize.Table{Range: "A1:" + last, StyleName: "TableStyleLight9"}); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

type callStyles struct{ header, text, number, date, stamp int }

func newCallStyles(f *excelize.File) (callStyles, error) {
	var st callStyles
	dateFmt, stampFmt := "dd/mm/yyyy", "dd/mm/yyyy hh:mm:ss"
	for _, s := range []struct {
		id *int
		s  excelize.Style
	}{
		{&st.header, excelize.Style{NumFmt: office.TextFormat, Font: &excelize.Font{Family: office.Font, Bold: true}}},
		{&st.text, excelize.Style{NumFmt: office.TextFormat}},
		{&st.number, excelize.Style{NumFmt: 1}}, // 0
		{&st.date, excelize.Style{CustomNumFmt: &dateFmt}},
		{&st.stamp, excelize.Style{CustomNumFmt: &stampFmt}},
	} {
		id, err := f.NewStyle(&s.s)
		if err != nil {
			return st, err
		}
		*s.id = id
	}
	return st, nil
}

// row is a call's cells: text as text, numbers and dates as such. A date is
// written as its wall clock, which is what a spreadsheet shows.
func (st callStyles) row(c schema.Call, loc *time.Location) []any {
	texts := callRowPT(c, loc)
	row := make([]any, len(texts))
	for i, v := range texts {
		row[i] = excelize.Cell{StyleID: st.text, Value: v}
	}
	row[0] = excelize.Cell{StyleID: st.number, Value: c.ID}
	if c.Duration != nil {
		row[callColDuration] = excelize.Cell{StyleID: st.number, Value: int(c.Duration.Seconds())}
	}
	if c.Date != nil {
		d := *c.Date
		row[callColDate] = excelize.Cell{StyleID: st.date, Value: time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)}
	}
	at := c.CreatedAt.In(loc)
	row[callColCreated] = excelize.Cell{StyleID: st.stamp, Value: time.Date(at.Year(), at.Month(), at.Day(), at.Hour(), at.Minute(), at.Second(), 0, time.UTC)}
	return row
}
