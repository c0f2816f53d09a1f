package guest

var config = map[string]any{}

// Config returns the hook's `config:` object ({} when none).
func Config() map[string]any { return config }

// ConfigString returns the string at key, or "".
func ConfigString(key string) string {
	s, _ := config[key].(string)
	return s
}

// ConfigStrings returns the strings at key: a list of strings, or one
// string as a list of one.
func ConfigStrings(key string) []string {
	switch t := config[key].(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// ConfigNumber returns the number at key (a JSON number, or a string
// holding one) and whether there is one.
func ConfigNumber(key string) (float64, bool) {
	return Number(config[key])
}

// Number returns v as a float64 when it is a number (int64, float64) or a
// string holding one.
func Number(v any) (float64, bool) {
	switch t := v.(type) {
	case int64:
		return float64(t), true
	case float64:
		return t, true
	case int:
		return float64(t), true
	case string:
		if t == "" {
			return 0, false
		}
		d := decoder{b: []byte(t), s: t}
		n, err := d.number()
		if err != nil || d.i != len(t) {
			return 0, false
		}
		return Number(n)
	}
	return 0, false
}
