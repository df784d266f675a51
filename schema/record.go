package schema

import "time"

// Account is a company in the CRM.
type Account struct {
	ID         int64
	TenantID   int64
	ExternalID string // the CRM's id, unique per tenant
	Name       string // razão social
	TradeName  string // nome fantasia
	TaxID      string // CNPJ/CPF as received
	Email      string
	Source     string
	DeletedAt  *time.Time
	UpdatedAt  time.Time
}

// DisplayName is the name CRM users know the company by.
func (a Account) DisplayName() string {
	if a.TradeName != "" {
		return a.TradeName
	}
	return a.Name
}

// Contact is a person in the CRM, usually linked to an account.
type Contact struct {
	ID                int64
	TenantID          int64
	ExternalID        string
	FirstName         string
	LastName          string
	Email             string
	AccountExternalID string
	AccountID         *int64
	Company           string // free text when there is no account
	Source            string
	DeletedAt         *time.Time
	UpdatedAt         time.Time
}

// Kind tells accounts from contacts where both share a code path.
type Kind string

const (
	KindAccount Kind = "account"
	KindContact Kind = "contact"
)
