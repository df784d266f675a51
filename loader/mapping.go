package loader

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/schema"
)

// Kinds of record an import loads.
const (
	KindAccounts = schema.ImportAccounts
	KindContacts = schema.ImportContacts
)

// Targets a column can map to, besides the phone fields of schema.PhoneFields.
const (
	TargetExternalID        = "external_id"
	TargetName              = "name"       // accounts: razão social
	TargetTradeName         = "trade_name" // accounts: nome fantasia
	TargetTaxID             = "tax_id"
	TargetEmail             = "email"
	TargetFirstName         = "first_name"
	TargetLastName          = "last_name"
	TargetFullName          = "full_name" // contacts: split at the first space
	TargetAccountExternalID = "account_external_id"
	TargetCompany           = "company"
	TargetDDD               = "ddd"  // the DDD of every phone field without a DDD column of its own
	targetDDDFor            = "ddd:" // "ddd:fax": the DDD of that phone field only
	TargetIgnore            = ""
)

var kindTargets = map[string][]string{
	KindAccounts: {TargetExternalID, TargetName, TargetTradeName, TargetTaxID, TargetEmail, TargetDDD},
	KindContacts: {TargetExternalID, TargetFirstName, TargetLastName, TargetFullName, TargetEmail,
		TargetAccountExternalID, TargetCompany, TargetDDD},
}

// alias maps a header, in key form, to a target. Distinctive aliases tell
// the kind of the file when --kind is not given.
type alias struct {
	target      string
	distinctive bool
}

func aliasTable(pairs map[string][]string, distinctive ...string) map[string]alias {
	d := map[string]bool{}
	for _, k := range distinctive {
		d[k] = true
	}
	out := map[string]alias{}
	for target, names := range pairs {
		for _, n := range names {
			out[headerKey(n)] = alias{target: target, distinctive: d[headerKey(n)]}
		}
	}
	return out
}

var phoneAliases = map[string][]string{
	schema.FieldBusiness: {"telefone", "fone", "tel", "tel comercial", "telefone comercial", "fone comercial",
		"telefone 1", "fone 1", "telefone principal", "business phone", "phone", "telephone", "work phone"},
	schema.FieldBusiness2: {"telefone 2", "fone 2", "tel 2", "telefone comercial 2", "business phone 2"},
	schema.FieldMobile:    {"celular", "cel", "movel", "telefone celular", "celular 1", "mobile", "mobile phone", "cell", "cell phone"},
	schema.FieldMobile2:   {"whatsapp", "whats", "zap", "celular 2", "mobile phone 2", "whatsapp 1"},
	schema.FieldHome:      {"telefone residencial", "fone residencial", "tel residencial", "residencial", "home phone"},
	schema.FieldFax:       {"fax", "telefax", "business fax"},
	schema.FieldOther: {"outro telefone", "telefone outro", "recado", "telefone recado", "telefone para recado",
		"other phone", "car phone", "company main phone"},
	TargetDDD: {"ddd", "codigo de area", "cod area", "area code"},
}

var commonAliases = map[string][]string{
	TargetExternalID: {"codigo", "cod", "id", "identificador", "chave", "codigo externo", "external id", "crm id"},
	TargetEmail: {"e-mail", "email", "endereco eletronico", "correio eletronico", "e-mail address", "email address",
		"e-mail 1", "e-mail principal"},
}

var accountAliases = aliasTable(merge(commonAliases, phoneAliases, map[string][]string{
	TargetExternalID: {"codigo cliente", "codigo do cliente", "codigo empresa", "codigo da empresa", "account id", "customer id"},
	TargetName: {"razao social", "nome", "name", "empresa", "nome da empresa", "nome empresarial", "company",
		"company name", "account name", "cliente", "escola", "instituicao", "organizacao"},
	TargetTradeName: {"nome fantasia", "fantasia", "trade name"},
	TargetTaxID:     {"cnpj", "cpf", "cnpj cpf", "cpf cnpj", "cnpj/cpf", "cpf/cnpj", "documento", "tax id"},
}), "razao social", "nome empresarial", "company name", "account name", "escola", "instituicao",
	"nome fantasia", "fantasia", "trade name", "cnpj", "cnpj cpf", "cpf cnpj", "tax id", "codigo cliente", "customer id")

var contactAliases = aliasTable(merge(commonAliases, phoneAliases, map[string][]string{
	TargetExternalID: {"codigo contato", "codigo do contato", "contact id"},
	TargetFirstName:  {"nome", "primeiro nome", "first name", "given name", "firstname"},
	TargetLastName:   {"sobrenome", "ultimo nome", "last name", "surname", "family name", "lastname"},
	TargetFullName:   {"nome completo", "full name", "contato", "nome do contato", "contact name", "name"},
	TargetAccountExternalID: {"empresa", "codigo empresa", "codigo da empresa", "cod empresa", "id empresa",
		"conta", "codigo conta", "account", "account id", "account external id"},
	TargetCompany: {"company", "nome da empresa", "companhia", "organizacao", "company name"},
}), "sobrenome", "primeiro nome", "first name", "last name", "surname", "ultimo nome", "nome completo",
	"full name", "contato", "nome do contato", "contact name", "codigo contato", "contact id")

func merge(ms ...map[string][]string) map[string][]string {
	out := map[string][]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = append(out[k], v...)
		}
	}
	return out
}

// accentStripper returns a new transformer each time: a transform.Chain
// keeps state, and headers are keyed from concurrent imports and rewrites.
func accentStripper() transform.Transformer {
	return transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}

// headerKey folds a header for matching: accents and case removed, every run
// of punctuation and spaces made one space ("Tel. Comercial" → "tel comercial").
func headerKey(h string) string {
	s, _, err := transform.String(accentStripper(), h)
	if err != nil {
		s = h
	}
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
			continue
		}
		space = true
	}
	return b.String()
}

// Mapping is which column feeds which field.
type Mapping struct {
	Kind    string
	Header  []string
	Targets []string // per column; "" ignores the column
}

// mappingFile is the saved form of a mapping (JSON or YAML).
type mappingFile struct {
	Kind    string            `json:"kind,omitempty" yaml:"kind,omitempty"`
	Auto    *bool             `json:"auto,omitempty" yaml:"auto,omitempty"`
	Columns map[string]string `json:"columns" yaml:"columns"`
}

// columnNames names each column for a mapping file: the header, with "#2",
// "#3" for the second and third column of the same name.
func columnNames(header []string) []string {
	seen := map[string]int{}
	out := make([]string, len(header))
	for i, h := range header {
		h = strings.TrimSpace(h)
		seen[h]++
		if seen[h] > 1 {
			h = fmt.Sprintf("%s#%d", h, seen[h])
		}
		out[i] = h
	}
	return out
}

// names are the columns the mapping file lists, in headerKey form, so that
// a header made of them is found even when no alias knows them.
func (mf *mappingFile) names() map[string]bool {
	if mf == nil {
		return nil
	}
	out := map[string]bool{}
	for col := range mf.Columns {
		name, _, _ := strings.Cut(col, "#")
		if k := headerKey(name); strings.Trim(k, "0123456789") != "" { // "22" names a position (--no-header)
			out[k] = true
		}
	}
	return out
}

// LoadMappingFile reads a JSON or YAML mapping file.
func loadMappingFile(path string) (mappingFile, error) {
	var mf mappingFile
	data, err := os.ReadFile(path)
	if err != nil {
		return mf, cti3cx.Errorf(cti3cx.EINVALID, "mapping file %s: %w", path, unwrapPathError(err))
	}
	ext := strings.ToLower(filepath.Ext(path))
	if ext == ".json" || bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		err = dec.Decode(&mf)
	} else {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		err = dec.Decode(&mf)
	}
	if err != nil {
		return mf, cti3cx.Errorf(cti3cx.EINVALID, "mapping file %s: %v", path, err)
	}
	if mf.Kind != "" && mf.Kind != KindAccounts && mf.Kind != KindContacts {
		return mf, cti3cx.Errorf(cti3cx.EINVALID, "mapping file %s: kind %q: want accounts or contacts", path, mf.Kind)
	}
	return mf, nil
}

// dddFor is the target of a DDD column that belongs to one phone field.
func dddFor(field string) string { return targetDDDFor + field }

// dddField returns the phone field of a "ddd:FIELD" target.
func dddField(target string) (string, bool) {
	f, ok := strings.CutPrefix(target, targetDDDFor)
	return f, ok && isPhoneField(f)
}

func isDDDTarget(target string) bool {
	_, ok := dddField(target)
	return ok || target == TargetDDD
}

func validTarget(kind, target string) bool {
	if target == TargetIgnore {
		return true
	}
	if _, ok := dddField(target); ok {
		return true
	}
	for _, t := range kindTargets[kind] {
		if t == target {
			return true
		}
	}
	for _, f := range schema.PhoneFields {
		if f == target {
			return true
		}
	}
	return false
}

// detectKind guesses accounts or contacts from distinctive headers; "" when
// the headers do not tell.
func detectKind(header []string) string {
	var acc, con int
	for _, h := range header {
		k := headerKey(h)
		if a, ok := accountAliases[k]; ok && a.distinctive {
			acc++
		}
		if a, ok := contactAliases[k]; ok && a.distinctive {
			con++
		}
	}
	switch {
	case acc > 0 && con == 0:
		return KindAccounts
	case con > 0 && acc == 0:
		return KindContacts
	}
	return ""
}

// phoneFallback is where a phone column goes when its field is taken.
var phoneFallback = map[string][]string{
	schema.FieldBusiness:  {schema.FieldBusiness, schema.FieldBusiness2, schema.FieldOther},
	schema.FieldBusiness2: {schema.FieldBusiness2, schema.FieldOther},
	schema.FieldMobile:    {schema.FieldMobile, schema.FieldMobile2, schema.FieldOther},
	schema.FieldMobile2:   {schema.FieldMobile, schema.FieldMobile2, schema.FieldOther}, // WhatsApp: the mobile slot if free
	schema.FieldHome:      {schema.FieldHome, schema.FieldOther},
	schema.FieldFax:       {schema.FieldFax, schema.FieldOther},
	schema.FieldOther:     {schema.FieldOther},
}

func isPhoneField(t string) bool {
	_, ok := phoneFallback[t]
	return ok
}

// buildMapping maps header to targets: the mapping file's columns first,
// then (unless it says auto: false) aliases for the others. Phone columns
// fall back to the next free slot; WhatsApp-like columns are placed last.
func buildMapping(kind string, header []string, mf *mappingFile) (Mapping, error) {
	m := Mapping{Kind: kind, Header: header, Targets: make([]string, len(header))}
	names := columnNames(header)
	used := map[string]bool{}
	fixed := make([]bool, len(header))
	if mf != nil {
		if err := m.applyFile(mf, names, used, fixed); err != nil {
			return m, err
		}
		if mf.Auto != nil && !*mf.Auto {
			return m, m.checkDDDFields(names)
		}
	}
	m.applyAliases(header, used, fixed)
	if !used[TargetExternalID] {
		m.idByShape(header, used, fixed)
	}
	m.pairDDD(fixed)
	return m, m.checkDDDFields(names)
}

// applyFile maps the columns the mapping file names, by name or header key.
func (m *Mapping) applyFile(mf *mappingFile, names []string, used map[string]bool, fixed []bool) error {
	byName := map[string]int{}
	for i, n := range names {
		byName[n] = i
		if _, dup := byName[headerKey(n)]; !dup {
			byName[headerKey(n)] = i
		}
	}
	for col, target := range mf.Columns {
		i, ok := byName[col]
		if !ok {
			i, ok = byName[headerKey(col)]
		}
		if !ok {
			return cti3cx.Errorf(cti3cx.EINVALID, "mapping file: column %q is not in the header (%s)", col, strings.Join(names, ", "))
		}
		target = strings.TrimSpace(target)
		if target == "-" || target == "ignore" {
			target = TargetIgnore
		}
		if !validTarget(m.Kind, target) {
			return cti3cx.Errorf(cti3cx.EINVALID, "mapping file: column %q: unknown %s field %q", col, m.Kind, target)
		}
		if target != TargetIgnore && used[target] {
			if target == TargetDDD {
				return cti3cx.Errorf(cti3cx.EINVALID, "mapping file: field %q is mapped twice: give each DDD column its phone field (ddd:FIELD, e.g. ddd:fax)", target)
			}
			return cti3cx.Errorf(cti3cx.EINVALID, "mapping file: field %q is mapped twice", target)
		}
		m.Targets[i], fixed[i], used[target] = target, true, true
	}
	return nil
}

// applyAliases maps the other columns by the names CRMs give them; DDD
// columns are paired with their phone column later, WhatsApp-like columns
// take the last free phone slot.
func (m *Mapping) applyAliases(header []string, used map[string]bool, fixed []bool) {
	aliases := accountAliases
	if m.Kind == KindContacts {
		aliases = contactAliases
	}
	var deferred []int
	for i, h := range header {
		if fixed[i] {
			continue
		}
		if _, ok := dddSuffix(headerKey(h)); ok {
			m.Targets[i] = TargetDDD // paired with its phone column by pairDDD
			continue
		}
		a, ok := aliases[headerKey(h)]
		if !ok {
			continue
		}
		if a.target == schema.FieldMobile2 {
			deferred = append(deferred, i)
			continue
		}
		m.assign(i, a.target, used)
	}
	for _, i := range deferred {
		m.assign(i, schema.FieldMobile2, used)
	}
}

// idByShape takes the first free column shaped like an id ("Código INEP",
// "Registro ANS", "Contact ID") as the external id.
func (m *Mapping) idByShape(header []string, used map[string]bool, fixed []bool) {
	for i, h := range header {
		k := headerKey(h)
		if fixed[i] || m.Targets[i] != "" {
			continue
		}
		if strings.HasPrefix(k, "codigo ") || strings.HasPrefix(k, "cod ") || strings.HasPrefix(k, "registro ") ||
			strings.HasPrefix(k, "id ") || strings.HasSuffix(k, " id") {
			m.Targets[i], used[TargetExternalID] = TargetExternalID, true
			return
		}
	}
}

func (m *Mapping) assign(i int, target string, used map[string]bool) {
	if chain, ok := phoneFallback[target]; ok {
		for _, f := range chain {
			if !used[f] {
				m.Targets[i], used[f] = f, true
				return
			}
		}
		return
	}
	if target == TargetDDD || !used[target] {
		m.Targets[i], used[target] = target, true
	}
}

// dddPrefixes are the header words of a DDD column; what follows them
// names its phone column ("DDD_FAX", "DDD Celular", "DDD 2").
var dddPrefixes = []string{"ddd", "codigo de area", "cod area", "area code"}

// dddSuffix tells whether a header (in key form) is a DDD column, and
// returns the rest of it ("fax" for "ddd fax", "" for a plain "ddd").
func dddSuffix(key string) (string, bool) {
	for _, p := range dddPrefixes {
		if key == p {
			return "", true
		}
		if rest, ok := strings.CutPrefix(key, p+" "); ok {
			for _, w := range []string{"do ", "da ", "de ", "of "} {
				rest = strings.TrimPrefix(rest, w)
			}
			return rest, true
		}
	}
	return "", false
}

// pairDDD gives each DDD column found by its header the phone column it
// belongs to: the one its suffix names ("DDD_2" + "TELEFONE_2", "DDD_FAX" +
// "FAX"), else the phone column right after it. A lone plain "DDD" stays
// the DDD of the whole row (the ANS layout: DDD;Telefone;Fax); several
// plain ones ("DDD;Fone;DDD;Fone") each go with the phone that follows.
// Columns a mapping file fixed are left as it says.
func (m *Mapping) pairDDD(fixed []bool) {
	paired := map[string]bool{}
	for _, t := range m.Targets {
		if f, ok := dddField(t); ok {
			paired[f] = true
		}
	}
	free := func(j int) bool {
		return j >= 0 && j < len(m.Targets) && isPhoneField(m.Targets[j]) && !paired[m.Targets[j]]
	}
	pair := func(i, j int) {
		m.Targets[i], paired[m.Targets[j]] = dddFor(m.Targets[j]), true
	}
	plain := 0
	for i, h := range m.Header {
		if s, ok := dddSuffix(headerKey(h)); ok && !fixed[i] && m.Targets[i] == TargetDDD && s == "" {
			plain++
		}
	}
	for i, h := range m.Header {
		s, ok := dddSuffix(headerKey(h))
		if !ok || fixed[i] || m.Targets[i] != TargetDDD {
			continue
		}
		if s == "" {
			if plain > 1 && free(i+1) {
				pair(i, i+1)
			}
			continue
		}
		found := false
		for j, hj := range m.Header {
			k := headerKey(hj)
			if free(j) && (k == s || strings.HasSuffix(k, " "+s)) {
				pair(i, j)
				found = true
				break
			}
		}
		if !found && free(i+1) {
			pair(i, i+1)
		}
	}
}

// checkDDDFields refuses a "ddd:FIELD" column whose field no column feeds.
func (m Mapping) checkDDDFields(names []string) error {
	seen := map[string]int{}
	for i, t := range m.Targets {
		f, ok := dddField(t)
		if !ok {
			continue
		}
		if !m.has(f) {
			return cti3cx.Errorf(cti3cx.EINVALID, "mapping: column %q is %s, but no column is %s", names[i], t, f)
		}
		if prev, dup := seen[f]; dup {
			return cti3cx.Errorf(cti3cx.EINVALID, "mapping: columns %q and %q are both %s", names[prev], names[i], t)
		}
		seen[f] = i
	}
	return nil
}

// contradictingColumns lists the unmapped columns that are distinctive of
// the other kind ("Razão Social" in a contacts import, "Sobrenome" in an
// accounts one) and that the mapping file does not list: importing with
// this kind would silently drop them.
func (m Mapping) contradictingColumns(mf *mappingFile) ([]string, string) {
	other, aliases := KindContacts, contactAliases
	if m.Kind == KindContacts {
		other, aliases = KindAccounts, accountAliases
	}
	listed := mf.names()
	names := columnNames(m.Header)
	var cols []string
	for i, h := range m.Header {
		k := headerKey(h)
		if mf != nil {
			if _, ok := mf.Columns[names[i]]; ok || listed[k] {
				continue
			}
		}
		if a, ok := aliases[k]; ok && a.distinctive && m.Targets[i] == TargetIgnore {
			cols = append(cols, names[i])
		}
	}
	return cols, other
}

// has tells whether some column feeds target.
func (m Mapping) has(target string) bool {
	for _, t := range m.Targets {
		if t == target {
			return true
		}
	}
	return false
}

// recognized counts the mapped columns.
func (m Mapping) recognized() int {
	n := 0
	for _, t := range m.Targets {
		if t != "" {
			n++
		}
	}
	return n
}

// WriteYAML writes the mapping as a mapping file, unmapped columns listed
// as ignored, so that it can be saved and edited.
func (m Mapping) WriteYAML(w interface{ Write([]byte) (int, error) }) error {
	names := columnNames(m.Header)
	var b strings.Builder
	b.WriteString("# cti3cx-loader mapping: column: field (\"\" ignores the column)\n")
	fmt.Fprintf(&b, "kind: %s\ncolumns:\n", m.Kind)
	for i, n := range names {
		key, _ := yaml.Marshal(n)
		fmt.Fprintf(&b, "  %s: %q", strings.TrimSpace(string(key)), m.Targets[i])
		if note := m.dddNote(i, names); note != "" {
			b.WriteString("  # " + note)
		}
		b.WriteByte('\n')
	}
	_, err := w.Write([]byte(b.String()))
	return err
}

// dddNote says, for a DDD column, which phone columns it is the DDD of:
// the pairing, shown by --dry-run.
func (m Mapping) dddNote(i int, names []string) string {
	t := m.Targets[i]
	if f, ok := dddField(t); ok {
		var cols []string
		for j, tj := range m.Targets {
			if tj == f {
				cols = append(cols, names[j])
			}
		}
		return "DDD of " + strings.Join(cols, ", ")
	}
	if t != TargetDDD {
		return ""
	}
	if first := m.rowDDD(); first != i {
		return fmt.Sprintf("unused: %s is already the row's DDD", names[first])
	}
	own := map[string]bool{}
	for _, tj := range m.Targets {
		if f, ok := dddField(tj); ok {
			own[f] = true
		}
	}
	var cols []string
	for j, tj := range m.Targets {
		if isPhoneField(tj) && !own[tj] {
			cols = append(cols, names[j])
		}
	}
	if len(cols) == 0 {
		return "unused: every phone column has its own DDD"
	}
	return "DDD of " + strings.Join(cols, ", ")
}

// rowDDD is the column of the row's DDD (plain "ddd"), -1 when none.
func (m Mapping) rowDDD() int {
	for i, t := range m.Targets {
		if t == TargetDDD {
			return i
		}
	}
	return -1
}

// targetsList lists the valid targets of a kind, for error messages.
func targetsList(kind string) string {
	ts := append(append([]string{}, kindTargets[kind]...), schema.PhoneFields...)
	ts = append(ts, "ddd:FIELD (the DDD of one phone field)")
	sort.Strings(ts)
	return strings.Join(ts, ", ")
}
