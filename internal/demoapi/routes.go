package demoapi

import (
	"net/http"
	"strconv"
	"strings"
)

// Route names, as Stats counts them: the path pattern that served a
// request. RouteOther is any path that is no endpoint (answered 404).
const (
	RouteUsers          = "/users"
	RouteUsersRelative  = "/users/relative"
	RouteUsersLink      = "/users/link"
	RouteUsersOffset    = "/users/offset"
	RouteUsersPage      = "/users/page_number"
	RouteUsersCursor    = "/users/cursor"
	RouteUser           = "/users/{id}"
	RouteUserOrders     = "/users/{id}/orders"
	RouteUserPosts      = "/users/{id}/posts"
	RouteUserTickets    = "/users/{id}/tickets"
	RoutePosts          = "/posts"
	RoutePost           = "/posts/{id}"
	RoutePostComments   = "/posts/{id}/comments"
	RouteTickets        = "/tickets"
	RouteOther          = "other"
	routeAdminPrefix    = "/admin/"
	routeAdminStats     = "/admin/stats"
	routeAdminStatsZero = "/admin/stats/reset"
	routeAdminRequests  = "/admin/requests"
	routeAdminMutate    = "/admin/tickets/mutate"
	routeAdminReset     = "/admin/reset"
)

// dataRoutes are listed in the 404 message for an unknown path.
var dataRoutes = []string{
	RouteUsers, RouteUsersRelative, RouteUsersLink, RouteUsersOffset, RouteUsersPage, RouteUsersCursor,
	RouteUser, RouteUserOrders, RouteUserPosts, RouteUserTickets, RoutePosts + "?user_ids=1,2", RoutePost, RoutePostComments,
	RouteTickets, "/postgrest/", "/stac/", "/github/repos/dlt-hub/dlt/issues", "/pokemon/api/v2/pokemon",
}

func isAdmin(path string) bool {
	return path == "/admin" || strings.HasPrefix(path, routeAdminPrefix)
}

// routeOf is the route pattern that path matches by its shape alone (a
// bad id still belongs to its route and is answered 404 there).
func routeOf(path string) string {
	if rt, ok := prefixedRoute(path); ok {
		return rt
	}
	switch path {
	case "/users", "/users/":
		return RouteUsers
	case RouteUsersRelative, RouteUsersLink, RouteUsersOffset, RouteUsersPage, RouteUsersCursor, RoutePosts, RouteTickets:
		return path
	}
	for _, base := range [...]string{"/users/", "/posts/"} {
		rest, ok := strings.CutPrefix(path, base)
		if !ok || rest == "" {
			continue
		}
		id, sub, _ := strings.Cut(rest, "/")
		hasSub := sub != "" // /users/5/ is /users/5
		if id == "" {
			return RouteOther
		}
		switch {
		case !hasSub && base == "/users/":
			return RouteUser
		case !hasSub:
			return RoutePost
		case base == "/users/" && sub == "orders":
			return RouteUserOrders
		case base == "/users/" && sub == "posts":
			return RouteUserPosts
		case base == "/users/" && sub == "tickets":
			return RouteUserTickets
		case base == "/posts/" && sub == "comments":
			return RoutePostComments
		}
	}
	return RouteOther
}

// pathID is the {id} segment of a /users/{id}… or /posts/{id}… path.
func pathID(path string) string {
	_, rest, _ := strings.Cut(path[1:], "/")
	id, _, _ := strings.Cut(rest, "/")
	return id
}

// parseID reads an id in [1, hi].
func parseID(s string, hi int64) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id >= 1 && id <= hi
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, rt string) {
	switch rt {
	case RouteUsers:
		s.serveJSONLink(w, r, true)
	case RouteUsersRelative:
		s.serveJSONLink(w, r, false)
	case RouteUsersLink:
		s.serveHeaderLink(w, r)
	case RouteUsersOffset:
		s.serveOffset(w, r)
	case RouteUsersPage:
		s.servePageNumber(w, r)
	case RouteUsersCursor:
		s.serveCursor(w, r)
	case RouteUser, RouteUserOrders:
		idStr := pathID(r.URL.Path)
		id, ok := parseID(idStr, int64(s.users))
		if !ok {
			s.fail(w, r, http.StatusNotFound, "user "+strconv.Quote(idStr)+" not found")
			return
		}
		pb := getPage(1)
		defer putPage(pb)
		u := &pb.users[0]
		fill(u, s.seed, id)
		if rt == RouteUserOrders {
			s.writeJSON(w, r, http.StatusOK, ordersEnvelope{Data: u.Orders})
			return
		}
		s.writeJSON(w, r, http.StatusOK, u)
	case RouteUserPosts:
		s.serveUserPosts(w, r)
	case RouteUserTickets:
		s.serveUserTickets(w, r)
	case RoutePosts:
		s.servePosts(w, r)
	case RoutePost, RoutePostComments:
		s.servePost(w, r, rt == RoutePostComments)
	case RouteTickets:
		s.serveTickets(w, r)
	default:
		s.notFound(w, r)
	}
}

// apis are the mimics of public APIs served under a prefix (postgrest.go,
// stac.go, github.go, pokemon.go); they ignore Options.Token and check
// their own credentials, and answer their own methods.
type apis struct {
	postgrest *postgrestAPI
	stac      *stacAPI
	github    *githubAPI
	poke      *pokeAPI
}

func newAPIs(seed int64) *apis {
	return &apis{postgrest: newPostgRESTAPI(seed), stac: newSTACAPI(seed), github: newGitHubAPI(seed), poke: newPokeAPI(seed)}
}

// prefixedRoute is the route of a path under a mimic's prefix.
func prefixedRoute(path string) (string, bool) {
	switch {
	case path == "/postgrest" || strings.HasPrefix(path, "/postgrest/"):
		return postgrestRoute(path), true
	case path == "/stac" || strings.HasPrefix(path, "/stac/"):
		return stacRoute(path), true
	case strings.HasPrefix(path, "/github/"):
		return githubRoute(path), true
	case strings.HasPrefix(path, "/pokemon/"):
		return pokeRoute(path), true
	}
	return "", false
}

// servePrefixed answers a request under a mimic's prefix and reports
// whether it did.
func (s *Server) servePrefixed(w http.ResponseWriter, r *http.Request, rt string) bool {
	switch p := r.URL.Path; {
	case p == "/postgrest" || strings.HasPrefix(p, "/postgrest/"):
		s.servePostgREST(w, r, rt)
	case p == "/stac" || strings.HasPrefix(p, "/stac/"):
		s.serveSTAC(w, r, rt)
	case strings.HasPrefix(p, "/github/"):
		s.serveGitHub(w, r, rt)
	case strings.HasPrefix(p, "/pokemon/"):
		s.servePokemon(w, r, rt)
	default:
		return false
	}
	return true
}
