package postgres

import (
	"fmt"

	"github.com/sluicehq/sluice/runtime/destination"
	"github.com/sluicehq/sluice/runtime/schema"
)

// Default precision and scale of a decimal column, and those of wei, as
// dlt's postgres destination has them.
const (
	decimalPrecision = 38
	decimalScale     = 9
	weiPrecision     = 156
	weiScale         = 78
)

// SQLType returns the PostgreSQL type of a column, as dlt's postgres
// destination declares it.
func SQLType(c *schema.Column) string {
	switch c.DataType {
	case schema.Text:
		if c.Precision != nil && *c.Precision > 0 {
			return fmt.Sprintf("varchar(%d)", *c.Precision)
		}
		return "varchar"
	case schema.Bigint:
		if c.Precision != nil {
			switch p := *c.Precision; {
			case p <= 16:
				return "smallint"
			case p <= 32:
				return "integer"
			}
		}
		return "bigint"
	case schema.Double:
		return "double precision"
	case schema.Bool:
		return "boolean"
	case schema.Timestamp:
		if c.Precision != nil && *c.Precision >= 0 && *c.Precision <= 6 {
			return fmt.Sprintf("timestamp (%d) with time zone", *c.Precision)
		}
		return "timestamp with time zone"
	case schema.Date:
		return "date"
	case schema.Time:
		if c.Precision != nil && *c.Precision >= 0 && *c.Precision <= 6 {
			return fmt.Sprintf("time (%d) without time zone", *c.Precision)
		}
		return "time without time zone"
	case schema.JSON:
		return "jsonb"
	case schema.Decimal:
		p, s := decimalPrecision, decimalScale
		if c.Precision != nil {
			p = *c.Precision
		}
		if c.Scale != nil {
			s = *c.Scale
		}
		return fmt.Sprintf("numeric(%d,%d)", p, s)
	case schema.Wei:
		return fmt.Sprintf("numeric(%d,%d)", weiPrecision, weiScale)
	case schema.Binary:
		return "bytea"
	}
	return "varchar"
}

func columnDef(c *schema.Column, notNull bool) string {
	def := destination.QuoteIdent(c.Name) + " " + SQLType(c)
	if notNull && !c.Nullable {
		def += " NOT NULL"
	}
	return def
}
