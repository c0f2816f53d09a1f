package demoapi

import (
	"encoding/json"
	"strconv"
	"time"
)

// user is one generated record. Field order and json names are the wire
// format; every field is always present (nullable ones as JSON null).
// Decimals are json.Number, written from integers (cents, tenths, 1e-4
// degrees), so they print exactly and cheaply; the unexported fields keep
// the integers and the storage that the pointers and strings share.
type user struct {
	ID          int64       `json:"id"`
	ExternalID  int64       `json:"externalId"`
	Name        string      `json:"name"`
	Email       string      `json:"email"`
	Phone       *string     `json:"phone"`
	IsActive    bool        `json:"isActive"`
	CreatedAt   string      `json:"createdAt"`
	LastLoginAt *string     `json:"lastLoginAt"`
	Score       json.Number `json:"score"`
	Address     address     `json:"address"`
	Tags        []string    `json:"tags"`
	Orders      []order     `json:"orders"`

	phone, lastLogin string
	score10          int    // Score in tenths
	scratch          []byte // the user's strings, built here, then one allocation
}

type address struct {
	Street     string `json:"street"`
	City       string `json:"city"`
	PostalCode string `json:"postalCode"`
	Country    string `json:"country"`
	Geo        geo    `json:"geo"`
}

type geo struct {
	Lat json.Number `json:"lat"`
	Lng json.Number `json:"lng"`

	lat, lng int64 // in 1e-4 degrees
}

type order struct {
	ID        int64       `json:"id"`
	Status    string      `json:"status"`
	Currency  string      `json:"currency"`
	Total     json.Number `json:"total"`
	PlacedAt  string      `json:"placedAt"`
	ShippedAt *string     `json:"shippedAt"`
	Items     []item      `json:"items"`

	shipped    string
	totalCents int
}

type item struct {
	SKU   string      `json:"sku"`
	Qty   int         `json:"qty"`
	Price json.Number `json:"price"`

	cents int
}

// rng is splitmix64: tiny, fast and good enough for fake data. Each user
// gets its own stream derived from (seed, id), so any user can be made on
// its own, in any order, from any goroutine.
type rng struct{ s uint64 }

func newRNG(seed, id int64) rng {
	r := rng{s: uint64(seed)*0x9e3779b97f4a7c15 ^ uint64(id)*0xd1b54a32d192ed03}
	r.next()
	return r
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a number in [0, n).
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// chance is true with probability pct/100.
func (r *rng) chance(pct int) bool { return r.intn(100) < pct }

var firstNames = [...]string{
	"Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Margaret", "Dennis",
	"Frances", "Ken", "Radia", "Linus", "Katherine", "John", "Hedy", "Claude",
	"Sophie", "Tim", "Annie", "Niklaus", "Karen", "Bjarne", "Shafi", "Leslie",
	"Jean", "Guido", "Mary", "Brian", "Joan", "Rob", "Lynn", "Robert",
	"Evelyn", "Tony", "Adele", "Whitfield", "Marian", "Butler", "Carol", "Ivan",
}

var lastNames = [...]string{
	"Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Ritchie",
	"Allen", "Thompson", "Perlman", "Torvalds", "Johnson", "McCarthy", "Lamarr", "Shannon",
	"Wilson", "Berners-Lee", "Easley", "Wirth", "Spärck Jones", "Stroustrup", "Goldwasser", "Lamport",
	"Bartik", "van Rossum", "Keller", "Kernighan", "Clarke", "Pike", "Conway", "Tarjan",
	"Boyd", "Hoare", "Goldberg", "Diffie", "Croak", "Lampson", "Shaw", "Sutherland",
}

// emailNames are lastNames folded to the local part of an address.
var emailNames = func() [len(lastNames)]string {
	var out [len(lastNames)]string
	for i, n := range lastNames {
		b := make([]byte, 0, len(n))
		for _, c := range n {
			switch {
			case c >= 'A' && c <= 'Z':
				b = append(b, byte(c-'A'+'a'))
			case c >= 'a' && c <= 'z', c == '-':
				b = append(b, byte(c))
			case c == 'ä':
				b = append(b, 'a')
			}
		}
		out[i] = string(b)
	}
	return out
}()

var lowerFirst = func() [len(firstNames)]string {
	var out [len(firstNames)]string
	for i, n := range firstNames {
		b := []byte(n)
		if b[0] >= 'A' && b[0] <= 'Z' {
			b[0] += 'a' - 'A'
		}
		out[i] = string(b)
	}
	return out
}()

type city struct {
	name, country, currency, postalPrefix, phonePrefix string
	lat, lng                                           float64
}

var cities = [...]city{
	{"London", "GB", "GBP", "EC1A ", "+44 20 7946 ", 51.5072, -0.1276},
	{"Manchester", "GB", "GBP", "M1 ", "+44 161 496 ", 53.4808, -2.2426},
	{"Berlin", "DE", "EUR", "10", "+49 30 ", 52.52, 13.405},
	{"Munich", "DE", "EUR", "80", "+49 89 ", 48.1351, 11.582},
	{"Paris", "FR", "EUR", "75", "+33 1 ", 48.8566, 2.3522},
	{"Lyon", "FR", "EUR", "69", "+33 4 ", 45.764, 4.8357},
	{"Amsterdam", "NL", "EUR", "10", "+31 20 ", 52.3676, 4.9041},
	{"Madrid", "ES", "EUR", "28", "+34 91 ", 40.4168, -3.7038},
	{"Lisbon", "PT", "EUR", "11", "+351 21 ", 38.7223, -9.1393},
	{"Warsaw", "PL", "PLN", "00-", "+48 22 ", 52.2297, 21.0122},
	{"Stockholm", "SE", "SEK", "11", "+46 8 ", 59.3293, 18.0686},
	{"New York", "US", "USD", "100", "+1 212 555 ", 40.7128, -74.006},
	{"San Francisco", "US", "USD", "941", "+1 415 555 ", 37.7749, -122.4194},
	{"Chicago", "US", "USD", "606", "+1 312 555 ", 41.8781, -87.6298},
	{"Toronto", "CA", "CAD", "M5", "+1 416 555 ", 43.6532, -79.3832},
	{"São Paulo", "BR", "BRL", "01", "+55 11 ", -23.5505, -46.6333},
	{"Buenos Aires", "AR", "ARS", "C10", "+54 11 ", -34.6037, -58.3816},
	{"Tokyo", "JP", "JPY", "100-", "+81 3 ", 35.6762, 139.6503},
	{"Sydney", "AU", "AUD", "20", "+61 2 ", -33.8688, 151.2093},
	{"Cape Town", "ZA", "ZAR", "80", "+27 21 ", -33.9249, 18.4241},
	{"Nairobi", "KE", "KES", "00", "+254 20 ", -1.2921, 36.8219},
	{"Mumbai", "IN", "INR", "400", "+91 22 ", 19.076, 72.8777},
	{"Singapore", "SG", "SGD", "0", "+65 6", 1.3521, 103.8198},
	{"Reykjavík", "IS", "ISK", "10", "+354 5", 64.1466, -21.9426},
}

var streets = [...]string{
	"High Street", "Station Road", "Church Lane", "Mill Road", "Park Avenue",
	"Oak Street", "Maple Drive", "Elm Grove", "Harbour View", "King's Road",
	"Queen Street", "Market Square", "River Walk", "Bridge Street", "Garden Close",
	"Victoria Road", "Cedar Court", "Willow Way", "Hillside", "Canal Street",
}

var tagPool = [...]string{
	"admin", "beta", "vip", "newsletter", "early-adopter", "enterprise", "trial", "support",
}

type product struct {
	sku   string
	cents int
}

// Every price ends in .99, so no price and no order total (at most 12
// units) is ever a whole number: a JSON reader that types a column by its
// first value never meets an integer in a column of decimals.
var products = [...]product{
	{"SKU-1001", 999},
	{"SKU-1002", 449},
	{"SKU-1003", 1999},
	{"SKU-1004", 3499},
	{"SKU-1005", 1299},
	{"SKU-1006", 8999},
	{"SKU-1007", 799},
	{"SKU-1008", 599},
	{"SKU-1009", 4499},
	{"SKU-1010", 299},
	{"SKU-1011", 6499},
	{"SKU-1012", 19999},
	{"SKU-1013", 3999},
	{"SKU-1014", 2499},
	{"SKU-1015", 1899},
	{"SKU-1016", 1099},
}

// prices and scores are the wire forms of products' prices and of every
// score (in tenths).
var prices, scores = func() (p [len(products)]json.Number, s [1000]json.Number) {
	for i, pr := range products {
		p[i] = json.Number(appendFixed(nil, int64(pr.cents), 2))
	}
	for i := range s {
		s[i] = json.Number(appendFixed(nil, int64(i), 1))
	}
	return p, s
}()

var orderStatuses = [...]string{"placed", "paid", "shipped", "delivered", "delivered", "delivered", "cancelled", "returned"}

const (
	// epoch2019 is 2019-01-01T00:00:00Z; createdAt falls in the six years after it.
	epoch2019 = 1546300800
	sixYears  = 6 * 365 * 24 * 3600
	day       = 24 * 3600
	// bigBase is 2^53: externalIds above it cannot be held exactly by a float64.
	bigBase = int64(1) << 53
)

// fill writes the user with the given id (1-based) into u, reusing u's
// slices. The sequence of draws from the stream is part of the format: do
// not reorder it, or every seed changes.
func fill(u *user, seed, id int64) {
	r := newRNG(seed, id)
	fi, li := r.intn(len(firstNames)), r.intn(len(lastNames))
	u.ID = id
	if r.chance(10) {
		// odd offsets above 2^53 are never exact as float64
		u.ExternalID = bigBase + 1 + 2*int64(r.intn(1<<40))
	} else {
		u.ExternalID = 1_000_000_000 + int64(r.intn(9_000_000_000))
	}
	// Every string made here is appended to b; ends[k] is where the k-th
	// ends, and all are cut from one string at the end.
	b := u.scratch[:0]
	var ends [24]int
	n := 0
	end := func() { ends[n] = len(b); n++ }

	b = append(b, firstNames[fi]...)
	b = append(b, ' ')
	b = append(b, lastNames[li]...)
	end() // name
	b = append(b, lowerFirst[fi]...)
	b = append(b, '.')
	b = append(b, emailNames[li]...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, "@example.com"...)
	end() // email
	c := &cities[r.intn(len(cities))]
	hasPhone := !r.chance(30)
	if hasPhone {
		b = append(b, c.phonePrefix...)
		b = strconv.AppendInt(b, int64(1000+r.intn(9000)), 10)
	}
	end() // phone
	u.IsActive = r.chance(80)
	created := int64(epoch2019 + r.intn(sixYears))
	b = appendTime(b, created)
	end() // createdAt
	hasLogin := !r.chance(20)
	if hasLogin {
		b = appendTime(b, created+int64(r.intn(400*day)))
	}
	end() // lastLoginAt
	u.score10 = r.intn(1000)
	if u.score10%10 == 0 { // never a whole number (see products)
		u.score10++
	}
	u.Score = scores[u.score10]
	b = strconv.AppendInt(b, int64(1+r.intn(250)), 10)
	b = append(b, ' ')
	b = append(b, streets[r.intn(len(streets))]...)
	end() // street
	b = append(b, c.postalPrefix...)
	b = strconv.AppendInt(b, int64(100+r.intn(900)), 10)
	end() // postalCode
	g := &u.Address.Geo
	g.lat = coord(c.lat + float64(r.intn(2001)-1000)/20000)
	g.lng = coord(c.lng + float64(r.intn(2001)-1000)/20000)
	b = appendFixed(b, g.lat, 4)
	end() // lat
	b = appendFixed(b, g.lng, 4)
	end() // lng

	u.Tags = u.Tags[:0]
	if u.Tags == nil {
		u.Tags = make([]string, 0, 3)
	}
	nTags := r.intn(4)
	start := r.intn(len(tagPool))
	for k := 0; k < nTags; k++ { // distinct: consecutive entries of the pool
		u.Tags = append(u.Tags, tagPool[(start+k)%len(tagPool)])
	}

	nOrders := r.intn(4)
	if cap(u.Orders) < nOrders {
		u.Orders = make([]order, 0, 3)
	}
	u.Orders = u.Orders[:nOrders]
	if u.Orders == nil {
		u.Orders = []order{}
	}
	placed := created
	for k := range u.Orders {
		o := &u.Orders[k]
		o.ID = id*1000 + int64(k) + 1
		o.Status = orderStatuses[r.intn(len(orderStatuses))]
		o.Currency = c.currency
		placed += int64(r.intn(90*day)) + 3600
		b = appendTime(b, placed)
		end() // placedAt
		switch o.Status {
		case "shipped", "delivered", "returned":
			b = appendTime(b, placed+int64(r.intn(5*day))+3600)
		}
		end() // shippedAt, maybe empty
		nItems := 1 + r.intn(3)
		if cap(o.Items) < nItems {
			o.Items = make([]item, 0, 3)
		}
		o.Items = o.Items[:nItems]
		o.totalCents = 0
		for j := range o.Items {
			pi := r.intn(len(products))
			qty := 1 + r.intn(4)
			o.Items[j] = item{SKU: products[pi].sku, Qty: qty, Price: prices[pi], cents: products[pi].cents}
			o.totalCents += qty * products[pi].cents
		}
		b = appendFixed(b, int64(o.totalCents), 2)
		end() // total
	}

	s := string(b)
	u.scratch = b
	pos, k := 0, 0
	cut := func() string { v := s[pos:ends[k]]; pos = ends[k]; k++; return v }
	u.Name = cut()
	u.Email = cut()
	u.phone, u.Phone = cut(), nil
	if hasPhone {
		u.Phone = &u.phone
	}
	u.CreatedAt = cut()
	u.lastLogin, u.LastLoginAt = cut(), nil
	if hasLogin {
		u.LastLoginAt = &u.lastLogin
	}
	u.Address.Street = cut()
	u.Address.City = c.name
	u.Address.PostalCode = cut()
	u.Address.Country = c.country
	g.Lat = json.Number(cut())
	g.Lng = json.Number(cut())
	for i := range u.Orders {
		o := &u.Orders[i]
		o.PlacedAt = cut()
		o.shipped, o.ShippedAt = cut(), nil
		if o.shipped != "" {
			o.ShippedAt = &o.shipped
		}
		o.Total = json.Number(cut())
	}
}

// appendTime appends the Unix time sec as RFC 3339 in UTC.
func appendTime(b []byte, sec int64) []byte {
	return time.Unix(sec, 0).UTC().AppendFormat(b, time.RFC3339)
}

// appendFixed appends n·10^-scale as the shortest decimal that reads back
// as the same float64 (which for these short values is the exact decimal
// without trailing zeros): 4812 with scale 2 is 48.12, 1250 is 12.5, -12760
// with scale 4 is -1.276.
func appendFixed(b []byte, n int64, scale int) []byte {
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	p := int64(1)
	for range scale {
		p *= 10
	}
	b = strconv.AppendInt(b, n/p, 10)
	frac := n % p
	if frac == 0 {
		return b
	}
	b = append(b, '.')
	for p /= 10; frac > 0; p /= 10 {
		b = append(b, byte('0'+frac/p))
		frac %= p
	}
	return b
}

// coord rounds x to 4 decimals, in 1e-4 units, never to a whole number (see
// products).
func coord(x float64) int64 {
	neg := x < 0
	if neg {
		x = -x
	}
	n := int64(x*10000 + 0.5)
	if n%10000 == 0 {
		n++
	}
	if neg {
		n = -n
	}
	return n
}

// toMap is the record as plain Go values: int64 for integers, float64 for
// other numbers, string, bool, nil, []any and map[string]any.
func (u *user) toMap() map[string]any {
	tags := make([]any, len(u.Tags))
	for i, t := range u.Tags {
		tags[i] = t
	}
	orders := make([]any, len(u.Orders))
	for i := range u.Orders {
		orders[i] = u.Orders[i].toMap()
	}
	return map[string]any{
		"id":          u.ID,
		"externalId":  u.ExternalID,
		"name":        u.Name,
		"email":       u.Email,
		"phone":       strOrNil(u.Phone),
		"isActive":    u.IsActive,
		"createdAt":   u.CreatedAt,
		"lastLoginAt": strOrNil(u.LastLoginAt),
		"score":       float64(u.score10) / 10,
		"address": map[string]any{
			"street":     u.Address.Street,
			"city":       u.Address.City,
			"postalCode": u.Address.PostalCode,
			"country":    u.Address.Country,
			"geo": map[string]any{
				"lat": float64(u.Address.Geo.lat) / 10000,
				"lng": float64(u.Address.Geo.lng) / 10000,
			},
		},
		"tags":   tags,
		"orders": orders,
	}
}

func (o *order) toMap() map[string]any {
	items := make([]any, len(o.Items))
	for j, it := range o.Items {
		items[j] = map[string]any{
			"sku":   it.SKU,
			"qty":   int64(it.Qty),
			"price": float64(it.cents) / 100,
		}
	}
	return map[string]any{
		"id":        o.ID,
		"status":    o.Status,
		"currency":  o.Currency,
		"total":     float64(o.totalCents) / 100,
		"placedAt":  o.PlacedAt,
		"shippedAt": strOrNil(o.ShippedAt),
		"items":     items,
	}
}

func strOrNil(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}
