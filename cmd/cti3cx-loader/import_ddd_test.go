package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// Each phone column takes the DDD of its own DDD column, through the real
// CLI and database.
func TestImportPairsDDDColumns(t *testing.T) {
	e := newImportEnv(t) // tenant DDD 47
	cases := []struct {
		name, csv string
		mapping   string
		want      map[string]string // field/position -> E.164
	}{
		{"Receita Federal layout", "Código;Razão Social;DDD_1;TELEFONE_1;DDD_2;TELEFONE_2;DDD_FAX;FAX\n" +
			"R-1;Alfa Ltda;64;34215566;11;33224455;62;32417788\n",
			"", map[string]string{"businessphone/0": "+556434215566", "businessphone2/0": "+551133224455", "fax/0": "+556232417788"}},
		{"DDD before each Fone", "Código;Nome;DDD;Fone;DDD;Fone\nR-2;Beta;21;25436677;31;998761234\n",
			"", map[string]string{"businessphone/0": "+552125436677", "businessphone2/0": "+5531998761234"}},
		{"DDD Celular and a row DDD", "Código;Nome;DDD Celular;Celular;DDD;Telefone;Fax\nR-3;Gama;85;988887766;71;32415566;32415567\n",
			"", map[string]string{"mobilephone/0": "+5585988887766", "businessphone/0": "+557132415566", "fax/0": "+557132415567"}},
		{"mapping file: ddd:fax and a plain ddd", "id;d1;t1;dfax;fax\nR-4;65;36241122;66;34213344\n",
			"kind: accounts\ncolumns:\n  id: external_id\n  d1: ddd\n  t1: businessphone\n  dfax: ddd:fax\n  fax: fax\n",
			map[string]string{"businessphone/0": "+556536241122", "fax/0": "+556634213344"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := []string{"--file", e.write("ddd.csv", []byte(c.csv)), "--kind", "accounts"}
			if c.mapping != "" {
				args = append(args, "--mapping", e.write("ddd.yaml", []byte(c.mapping)))
			}
			e.mustImport(args...)
			id := strings.SplitN(strings.Split(c.csv, "\n")[1], ";", 2)[0]
			for key, want := range c.want {
				if p := e.accountPhone(id, key); p.E164 != want {
					t.Errorf("%s: %+v, want %s", key, p, want)
				}
			}
		})
	}
}

func TestImportDryRunShowsDDDPairing(t *testing.T) {
	e := newImportEnv(t)
	path := e.write("p.csv", []byte("Código;Razão Social;DDD_1;TELEFONE_1;DDD_FAX;FAX\nR-1;Alfa;64;34215566;62;32417788\n"))
	code, out, errOut := e.imp("--file", path, "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{`DDD_1: "ddd:businessphone"  # DDD of TELEFONE_1`, `DDD_FAX: "ddd:fax"  # DDD of FAX`} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
}

// What a DDD cell means is normalize's call (NormalizeDDD); the importer
// hands it every phone with its own DDD cell. Tenant DDD 47.
func TestImportDDDCellMeanings(t *testing.T) {
	e := newImportEnv(t)
	cases := []struct {
		name, ddd, phone string
		want             []string // E.164 of each number of the cell
		status, reason   string   // of the first number
		raw              string
	}{
		{"DDD 62", "62", "32417788", []string{"+556232417788"}, "ok", "ddd_from_column", "32417788"},
		{"empty DDD: the tenant's", "", "32417788", []string{"+554732417788"}, "fixed", "added_default_ddd", "32417788"},
		{"0 is no DDD", "0", "32417788", []string{"+554732417788"}, "fixed", "added_default_ddd", "32417788"},
		{"00 is no DDD", "00", "32417788", []string{"+554732417788"}, "fixed", "added_default_ddd", "32417788"},
		{"** is no DDD", "**", "32417788", []string{"+554732417788"}, "fixed", "added_default_ddd", "32417788"},
		{"letters are no DDD", "NI", "32417788", []string{"+554732417788"}, "fixed", "added_default_ddd", "32417788"},
		{"011 is DDD 11", "011", "32417788", []string{"+551132417788"}, "ok", "ddd_from_column", "32417788"},
		{"0xx21 is DDD 21", "0xx21", "25436677", []string{"+552125436677"}, "ok", "ddd_from_column", "25436677"},
		{"several numbers, one DDD", "62", "32417788/ 98123-4567", []string{"+556232417788", "+5562981234567"}, "ok", "ddd_from_column", "32417788/ 98123-4567"},
		{"own DDD contradicting the column", "75", "9981234567", nil, "fixed", "ambiguous", "9981234567"},
	}
	var b strings.Builder
	b.WriteString("Código;Razão Social;DDD;Telefone\n")
	for i, c := range cases {
		fmt.Fprintf(&b, "D-%d;Empresa %d;%s;%s\n", i, i, c.ddd, c.phone)
	}
	e.mustImport("--file", e.write("ddd-cells.csv", []byte(b.String())))
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := fmt.Sprintf("D-%d", i)
			p := e.accountPhone(id, "businessphone/0")
			if p.Status != c.status || !strings.Contains(p.Reasons, c.reason) || p.Raw != c.raw {
				t.Fatalf("%+v, want %s + %s, raw %q", p, c.status, c.reason, c.raw)
			}
			// The DDD cell is kept beside the raw cell, as received.
			if n := e.count(`SELECT count(*) FROM phones WHERE id = $1 AND ddd = $2`, p.ID, c.ddd); n != 1 {
				t.Fatalf("phone %d: ddd not stored as %q", p.ID, c.ddd)
			}
			for pos, want := range c.want {
				if q := e.accountPhone(id, fmt.Sprintf("businessphone/%d", pos)); q.E164 != want {
					t.Errorf("number %d: %+v, want %s", pos, q, want)
				}
			}
			if c.reason == "ambiguous" && (!strings.Contains(p.Suggestion, "75") || p.E164 != "+5599981234567") {
				t.Errorf("ambiguous: suggestion %q, e164 %s: want the cell's own reading and the column's in the suggestion", p.Suggestion, p.E164)
			}
		})
	}
	// Revalidation reads each cell with its DDD cell again: nothing changes.
	before := e.count(`SELECT count(*) FROM phones`)
	if code, out, errOut := e.cli.run("", "revalidate", "--tenant", "acme", "--all"); code != 0 {
		t.Fatalf("revalidate: exit %d\n%s\n%s", code, out, errOut)
	}
	var checked, changed int
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT checked, changed FROM revalidation_runs ORDER BY id DESC LIMIT 1`).Scan(&checked, &changed); err != nil ||
		checked != before || changed != 0 {
		t.Fatalf("revalidation checked %d and changed %d of %d phones read with their DDD column (%v)", checked, changed, before, err)
	}
}
