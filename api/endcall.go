package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"

	"github.com/cti3cx/cti3cx"
	"github.com/cti3cx/cti3cx/schema"
)

// EndCallRequest is end-call's body, with the seed's Portuguese keys.
type EndCallRequest struct {
	Data       string `json:"data" validate:"required,calldate"`
	HoraInicio string `json:"hora_inicio" validate:"required,calltime"`
	HoraFim    string `json:"hora_fim" validate:"required,calltime"`
	Telefone   string `json:"telefone" validate:"required,callphone"`
	CallType   string `json:"calltype" validate:"required,calltype"`
	Agent      string `json:"agent" validate:"required,max=64,printascii"`
}

var dateLayouts = []string{"2006-01-02", "02/01/2006", "02.01.2006"}

// callTypes maps what 3CX sends, lower-cased, to the stored type.
var callTypes = map[string]string{
	"inbound":     schema.CallInbound,
	"outbound":    schema.CallOutbound,
	"missed":      schema.CallMissed,
	"notanswered": schema.CallNotanswered,
	"unanswered":  schema.CallNotanswered, // seen from one connector
}

// fieldRules explain each field's rule in the error message.
var fieldRules = map[string]string{
	"data":        "a date as YYYY-MM-DD, DD/MM/YYYY or DD.MM.YYYY",
	"hora_inicio": "a time as HH:MM or HH:MM:SS",
	"hora_fim":    "a time as HH:MM or HH:MM:SS",
	"telefone":    "a phone number: at least 3 digits, optionally after a leading +, with spaces ( ) - . between them",
	"calltype":    "one of Inbound, Outbound, Missed, Notanswered",
	"agent":       "the agent's extension, at most 64 printable characters",
}

var validate = newValidator()

func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		return name
	})
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(v.RegisterValidation("calldate", func(fl validator.FieldLevel) bool {
		_, err := parseDate(fl.Field().String())
		return err == nil
	}))
	must(v.RegisterValidation("calltime", func(fl validator.FieldLevel) bool {
		_, err := parseClock(fl.Field().String())
		return err == nil
	}))
	must(v.RegisterValidation("calltype", func(fl validator.FieldLevel) bool {
		_, ok := callTypes[strings.ToLower(strings.TrimSpace(fl.Field().String()))]
		return ok
	}))
	must(v.RegisterValidation("callphone", func(fl validator.FieldLevel) bool {
		return validPhone(fl.Field().String())
	}))
	return v
}

func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("not a date")
}

// parseClock reads HH:MM or HH:MM:SS as a duration since midnight.
func parseClock(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, errors.New("not a time")
	}
	limits := []int{23, 59, 59}
	units := []time.Duration{time.Hour, time.Minute, time.Second}
	var d time.Duration
	for i, p := range parts {
		if len(p) != 2 || p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9' {
			return 0, errors.New("not a time")
		}
		n := int(p[0]-'0')*10 + int(p[1]-'0')
		if n > limits[i] {
			return 0, errors.New("not a time")
		}
		d += time.Duration(n) * units[i]
	}
	return d, nil
}

// minPhoneDigits is the shortest number worth journaling: an extension
// has 3 digits or more; fewer is a template bug.
const minPhoneDigits = 3

// validPhone accepts digits with the separators people type; a + only as
// the first character, never a sign elsewhere (a leading - or a + inside).
func validPhone(s string) bool {
	digits := 0
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '+' && i == 0, c == ' ', c == '(', c == ')', c == '.':
		case c == '-' && digits > 0:
		default:
			return false
		}
	}
	return digits >= minPhoneDigits && digits <= maxNumberDigits && len(s) <= 40
}

// The window of sane call dates: 3CX's clock may be a little ahead of ours,
// never a day; nothing journaled predates 2000.
var (
	earliestCallDate = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	maxCallDateAhead = 24 * time.Hour
)

// parseCallID reads end-call's {id}: digits only. A sign is a well-formed
// number but an absurd id (422); anything else is not an id (400).
func parseCallID(raw string) (int64, error) {
	if raw != "" && (raw[0] == '+' || raw[0] == '-') {
		return 0, invalidField("call id %q: want the positive integer consult-phone returned in customvalue, without a sign", raw)
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, cti3cx.Errorf(cti3cx.EINVALID, "call id %q: want the positive integer consult-phone returned in customvalue", raw)
	}
	return id, nil
}

func (s *Server) handleEndCall(w http.ResponseWriter, r *http.Request, t *tenantEntry) {
	id, err := parseCallID(r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	req, err := decodeEndCall(r.Body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	report, err := req.report(time.Now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.db.CompleteCall(r.Context(), t.creds.Tenant.ID, id, report); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, successBody{Success: fmt.Sprintf("call %d recorded", id)})
}

// decodeEndCall reads the body: malformed JSON is 400, a well-formed body
// with a wrong field 422 naming the field.
func decodeEndCall(body io.Reader) (EndCallRequest, error) {
	var req EndCallRequest
	raw, err := io.ReadAll(body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return req, cti3cx.Errorf(cti3cx.EINVALID, "body larger than %d bytes", tooBig.Limit)
		}
		return req, cti3cx.Errorf(cti3cx.EINVALID, "reading body: the connection failed before the body was complete")
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return req, cti3cx.Errorf(cti3cx.EINVALID, "empty body: want a JSON object with data, hora_inicio, hora_fim, telefone, calltype and agent")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&req); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return req, invalidField("field %q: want a string (%s), got a JSON %s", typeErr.Field, fieldRules[typeErr.Field], typeErr.Value)
		}
		return req, cti3cx.Errorf(cti3cx.EINVALID, "malformed JSON body: %s%s", jsonProblem(err), quoteHint(raw))
	}
	if dec.More() {
		return req, cti3cx.Errorf(cti3cx.EINVALID, "malformed JSON body: data after the object")
	}
	if err := validate.Struct(req); err != nil {
		var verrs validator.ValidationErrors
		if errors.As(err, &verrs) && len(verrs) > 0 {
			f := verrs[0]
			if f.Tag() == "required" {
				return req, invalidField("field %q is missing or empty: want %s", f.Field(), fieldRules[f.Field()])
			}
			return req, invalidField("field %q: want %s, got %q", f.Field(), fieldRules[f.Field()], truncate(fmt.Sprint(f.Value()), 40))
		}
		return req, invalidField("%v", err)
	}
	return req, nil
}

func jsonProblem(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("%v at byte %d", syn, syn.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of body"
	}
	return err.Error()
}

// quoteHint names the usual culprit: the vendor's page shows the body with
// typographic quotes, which people copy.
func quoteHint(raw []byte) string {
	if bytes.ContainsAny(raw, "\u201c\u201d\u2018\u2019") {
		return " (the body has typographic quotes “ ”: use plain \")"
	}
	return ""
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// report converts a validated request; now bounds the date.
func (req EndCallRequest) report(now time.Time) (schema.CallReport, error) {
	date, err := parseDate(req.Data)
	if err != nil {
		return schema.CallReport{}, invalidField("field %q: want %s", "data", fieldRules["data"])
	}
	if latest := now.Add(maxCallDateAhead); date.Before(earliestCallDate) || date.After(latest) {
		return schema.CallReport{}, invalidField("field %q: %s is outside the sane window, from %s to %s",
			"data", date.Format("2006-01-02"), earliestCallDate.Format("2006-01-02"), latest.Format("2006-01-02"))
	}
	start, err1 := parseClock(req.HoraInicio)
	end, err2 := parseClock(req.HoraFim)
	if err1 != nil || err2 != nil {
		return schema.CallReport{}, invalidField("hora_inicio and hora_fim: want %s", fieldRules["hora_inicio"])
	}
	dur := end - start
	if dur < 0 { // crossed midnight
		dur += 24 * time.Hour
	}
	return schema.CallReport{
		Date:     date,
		Start:    start,
		End:      end,
		Duration: dur,
		Type:     callTypes[strings.ToLower(strings.TrimSpace(req.CallType))],
		Agent:    strings.TrimSpace(req.Agent),
		Phone:    strings.TrimSpace(req.Telefone),
	}, nil
}
