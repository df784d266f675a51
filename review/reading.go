package review

import (
	"github.com/cti3cx/cti3cx/loader/report"
	"github.com/cti3cx/cti3cx/normalize"
)

// MaxTyped bounds a typed number: longer than any cell that could hold one
// (normalize refuses long cells itself), short enough to keep a URL sane.
const MaxTyped = 200

// Reading is the tenant's reading of one typed number: what GET
// /cti3cx/normalize answers, and what the review page's live feedback shows
// while staff type a correction. Accepted says whether a correction with
// this value would be stored; Problem, in Portuguese, why not.
type Reading struct {
	Number      string   `json:"number"`
	Status      string   `json:"status"`
	E164        string   `json:"e164"`
	Dial        string   `json:"dial"`
	Type        string   `json:"type"`
	Extension   string   `json:"extension"`
	Reasons     []string `json:"reasons"`
	Description string   `json:"description"`
	Suggestion  string   `json:"suggestion"`
	Accepted    bool     `json:"accepted"`
	Problem     string   `json:"problem"`
}

// Read reads number with the tenant's profile, by the rule a correction
// follows (report.Validate): exactly one valid number. A value holding
// several numbers is invalid as a whole, with the reason multiple_numbers.
func Read(profile normalize.Profile, number string) Reading {
	rd := Reading{Number: number, Status: string(normalize.StatusInvalid), Type: string(normalize.TypeUnknown),
		Reasons: []string{}}
	_, rd.Problem = report.Validate(profile, number)
	rd.Accepted = rd.Problem == ""
	results := profile.Normalize(number)
	switch len(results) {
	case 0:
		return rd
	case 1:
	default:
		rs := normalize.Reasons(normalize.MultipleNumbers)
		rd.Reasons, rd.Description = []string{rs.String()}, rs.Describe()
		rd.Suggestion = "Informe um único número"
		return rd
	}
	r := results[0]
	rd.Status, rd.E164, rd.Dial, rd.Type, rd.Extension = string(r.Status), r.E164, r.Dial, string(r.Type), r.Extension
	for _, reason := range r.Reasons.List() {
		rd.Reasons = append(rd.Reasons, reason.String())
	}
	rd.Description, rd.Suggestion = r.Reasons.Describe(), r.Suggestion
	return rd
}
