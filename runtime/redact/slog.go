package redact

import (
	"context"
	"fmt"
	"log/slog"
)

// Handler returns a log/slog handler that redacts each record before next
// sees it: the message, every string attribute, error attributes, and the
// printed form of any other value that contains a secret, inside groups
// too, and in attributes added with WithAttrs. String attributes named
// like a secret ("token", "authorization", "password", "pwd", "api_key", …
// as in IsSensitiveHeader) are masked whatever their value, and so is a
// string attribute that is, as a whole, a known secret however short. Attributes bound
// with WithAttrs are redacted when bound, so a secret learned later is not
// masked in them. Use it to wrap the final handler once:
//
//	logger := slog.New(red.Handler(slog.NewTextHandler(os.Stderr, nil)))
func (r *Redactor) Handler(next slog.Handler) slog.Handler {
	return &handler{r: r, next: next}
}

type handler struct {
	r    *Redactor
	next slog.Handler
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.Text(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = h.attr(a)
	}
	return &handler{r: h.r, next: h.next.WithAttrs(red)}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{r: h.r, next: h.next.WithGroup(name)}
}

func (h *handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		if sensitiveAttr(a.Key) && v.String() != "" || h.r.isWhole(v.String()) {
			return slog.String(a.Key, Mask)
		}
		return slog.String(a.Key, h.r.Text(v.String()))
	case slog.KindGroup:
		g := v.Group()
		red := make([]slog.Attr, len(g))
		for i, ga := range g {
			red[i] = h.attr(ga)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(red...)}
	case slog.KindAny:
		switch t := v.Any().(type) {
		case nil:
			return slog.Attr{Key: a.Key, Value: v}
		case error:
			return slog.String(a.Key, h.r.Text(t.Error()))
		case fmt.Stringer:
			return slog.String(a.Key, h.r.Text(t.String()))
		case []byte:
			return slog.String(a.Key, h.r.Text(string(t)))
		default:
			// Keep the value's type for structured handlers unless its
			// printed form carries a secret.
			s := fmt.Sprintf("%+v", t)
			if red := h.r.Text(s); red != s {
				return slog.String(a.Key, red)
			}
			return slog.Attr{Key: a.Key, Value: v}
		}
	default:
		return slog.Attr{Key: a.Key, Value: v}
	}
}

func sensitiveAttr(key string) bool {
	return IsSensitiveHeader(key)
}
