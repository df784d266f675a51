package loader

import "fmt"

// Reject and warning codes, as written to the rejects file and
// import_rejects. A warning's row was imported (see imported).
const (
	CodeMissingID       = "missing_id"
	CodeInvalidEmail    = "invalid_email"  // a warning: the row loads without the e-mail
	CodeSeveralEmails   = "several_emails" // a warning: the first valid address is kept
	CodeInvalidText     = "invalid_text"   // a warning: a non-key cell with bytes invalid in UTF-8 is left empty
	CodeWrongFieldCount = "wrong_field_count"
	CodeMalformed       = "malformed_record"
	CodeEncoding        = "invalid_encoding"
	CodeDuplicateID     = "duplicate_id" // a warning: the later row was imported
	CodeTooLong         = "value_too_long"
)

// rowError is why a row was rejected or, for a warning code, what was
// done to a row that loaded.
type rowError struct {
	Code    string
	Message string // pt-BR, for CRM staff
}

// imported tells a warning (the row loaded) from a reject.
func (e *rowError) imported() bool {
	switch e.Code {
	case CodeInvalidEmail, CodeSeveralEmails, CodeInvalidText, CodeDuplicateID:
		return true
	}
	return false
}

func (e *rowError) Error() string { return e.Code + ": " + e.Message }

func errMalformed(detail string) *rowError {
	return &rowError{CodeMalformed, "registro malformado: " + detail}
}

func errEncoding(col int) *rowError {
	return &rowError{CodeEncoding, fmt.Sprintf("coluna %d: texto com bytes inválidos para UTF-8; salve o arquivo como UTF-8 ou use --encoding", col+1)}
}
