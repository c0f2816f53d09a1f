package demoapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Posts and comments, made on the fly from (Seed, id) like the users.
const (
	// DefaultPostsPerUser and DefaultCommentsPerPost are what zero Options
	// fields mean.
	DefaultPostsPerUser    = 3
	DefaultCommentsPerPost = 2
	// MaxPostsPerUser and MaxCommentsPerPost bound the counts: post ids are
	// user_id·1000 + k and comment ids post_id·100 + j (k, j from 1).
	MaxPostsPerUser    = 999
	MaxCommentsPerPost = 99
	// MaxBatchUsers is the most user ids one /posts?user_ids= request takes.
	MaxBatchUsers = 1000
)

// post is one generated post; field order and names are the wire format.
type post struct {
	ID        int64  `json:"id"`
	UserID    int64  `json:"user_id"`
	Title     string `json:"title"`
	Body      string `json:"body"`
	CreatedAt string `json:"created_at"`
}

// comment is one generated comment on a post.
type comment struct {
	ID        int64  `json:"id"`
	PostID    int64  `json:"post_id"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	Body      string `json:"body"`
	CreatedAt string `json:"created_at"`
}

// Streams of the random generator, apart from the users' ones.
const (
	postSalt    = 0x706f737473 // "posts"
	commentSalt = 0x636f6d6d65 // "comme"
)

var words = [...]string{
	"data", "pipeline", "loader", "schema", "table", "cursor", "page", "token",
	"request", "record", "merge", "replace", "state", "query", "index", "stream",
	"batch", "retry", "server", "client", "offset", "column", "field", "value",
	"quick", "quiet", "steady", "simple", "careful", "small", "large", "fresh",
	"notes", "thoughts", "lessons", "guide", "story", "tips", "ideas", "review",
	"about", "with", "from", "into", "over", "after", "before", "without",
}

// appendWords appends n words drawn from r, the first one capitalised when
// capital is set, and a full stop when stop is set.
func appendWords(b []byte, r *rng, n int, capital, stop bool) []byte {
	for i := range n {
		if i > 0 {
			b = append(b, ' ')
		}
		w := words[r.intn(len(words))]
		if i == 0 && capital {
			b = append(b, w[0]-'a'+'A')
			w = w[1:]
		}
		b = append(b, w...)
	}
	if stop {
		b = append(b, '.')
	}
	return b
}

// makePost returns post k (from 1) of user uid.
func makePost(seed, uid int64, k int) post {
	id := uid*1000 + int64(k)
	r := newRNG(seed^postSalt, id)
	created := int64(epoch2019 + r.intn(sixYears))
	title := string(appendWords(nil, &r, 3+r.intn(4), true, false))
	var body []byte
	for i, n := 0, 2+r.intn(2); i < n; i++ {
		if i > 0 {
			body = append(body, ' ')
		}
		body = appendWords(body, &r, 6+r.intn(7), true, true)
	}
	return post{ID: id, UserID: uid, Title: title, Body: string(body), CreatedAt: string(appendTime(nil, created))}
}

// makeComment returns comment j (from 1) of p.
func makeComment(seed int64, p *post, j int) comment {
	id := p.ID*100 + int64(j)
	r := newRNG(seed^commentSalt, id)
	fi, li := r.intn(len(firstNames)), r.intn(len(lastNames))
	postSec := newRNG(seed^postSalt, p.ID)
	created := int64(epoch2019+postSec.intn(sixYears)) + 60 + int64(r.intn(30*day))
	email := lowerFirst[fi] + "." + emailNames[li] + "@example.org"
	return comment{
		ID: id, PostID: p.ID, Name: firstNames[fi] + " " + lastNames[li], Email: email,
		Body: string(appendWords(nil, &r, 5+r.intn(10), true, true)), CreatedAt: string(appendTime(nil, created)),
	}
}

func (p post) toMap() map[string]any {
	return map[string]any{"id": p.ID, "user_id": p.UserID, "title": p.Title, "body": p.Body, "created_at": p.CreatedAt}
}

func (c comment) toMap() map[string]any {
	return map[string]any{"id": c.ID, "post_id": c.PostID, "name": c.Name, "email": c.Email, "body": c.Body, "created_at": c.CreatedAt}
}

// Posts returns the posts of user uid as /users/{uid}/posts serves them
// (with the server's PostsPerUser), as plain Go values (see User); nil
// for an unknown user.
func (s *Server) Posts(uid int) []map[string]any {
	if uid < 1 || uid > s.users {
		return nil
	}
	out := make([]map[string]any, s.postsPerUser)
	for k := range out {
		out[k] = makePost(s.seed, int64(uid), k+1).toMap()
	}
	return out
}

// Comments returns the comments of the post with id postID as
// /posts/{postID}/comments serves them; nil for an unknown post.
func (s *Server) Comments(postID int64) []map[string]any {
	p, ok := s.lookupPost(postID, s.postsPerUser)
	if !ok {
		return nil
	}
	out := make([]map[string]any, s.commentsPerPost)
	for j := range out {
		out[j] = makeComment(s.seed, &p, j+1).toMap()
	}
	return out
}

func (s *Server) lookupPost(id int64, perUser int) (post, bool) {
	if id < 1000 {
		return post{}, false
	}
	uid, k := id/1000, int(id%1000)
	if uid > int64(s.users) || k < 1 || k > perUser {
		return post{}, false
	}
	return makePost(s.seed, uid, k), true
}

func (s *Server) perUserParam(r *http.Request) (int, error) {
	return intParam(r.URL.Query(), s.postsPerUser, 1, MaxPostsPerUser, "per_user")
}

// serveUserPosts answers /users/{id}/posts: a JSON array of the user's posts.
func (s *Server) serveUserPosts(w http.ResponseWriter, r *http.Request) {
	idStr := pathID(r.URL.Path)
	uid, ok := parseID(idStr, int64(s.users))
	if !ok {
		s.fail(w, r, http.StatusNotFound, "user "+strconv.Quote(idStr)+" not found")
		return
	}
	perUser, err := s.perUserParam(r)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	out := make([]post, perUser)
	for k := range out {
		out[k] = makePost(s.seed, uid, k+1)
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

// parseUserIDs reads ?user_ids=1,2,3 (the parameter may also repeat): the
// distinct ids in the order given.
func parseUserIDs(vals []string, users int64) ([]int64, error) {
	if len(vals) == 0 {
		return nil, badRequest("parameter user_ids is required: a comma-separated list of user ids, e.g. /posts?user_ids=1,2,3")
	}
	var ids []int64
	seen := make(map[int64]bool)
	var unknown []string
	for _, v := range vals {
		for part := range strings.SplitSeq(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				return nil, badRequest(fmt.Sprintf("parameter user_ids=%q has an empty entry: give ids separated by single commas, e.g. 1,2,3", v))
			}
			id, err := strconv.ParseInt(part, 10, 64)
			if err != nil {
				return nil, badRequest(fmt.Sprintf("parameter user_ids: %q is not an integer user id", part))
			}
			if seen[id] {
				continue
			}
			seen[id] = true
			if id < 1 || id > users {
				unknown = append(unknown, part)
				continue
			}
			ids = append(ids, id)
			if len(ids)+len(unknown) > MaxBatchUsers {
				return nil, badRequest(fmt.Sprintf("parameter user_ids has more than %d ids: send at most %d a request", MaxBatchUsers, MaxBatchUsers))
			}
		}
	}
	if len(unknown) > 0 {
		if len(unknown) > 10 {
			unknown = append(unknown[:10], "…")
		}
		return nil, notFoundError("users not found: " + strings.Join(unknown, ", "))
	}
	return ids, nil
}

// notFoundError is answered with 404.
type notFoundError string

func (e notFoundError) Error() string { return string(e) }

// servePosts answers /posts?user_ids=…: the posts of those users, user by
// user in the order given, as one JSON array.
func (s *Server) servePosts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ids, err := parseUserIDs(q["user_ids"], int64(s.users))
	if err != nil {
		status := http.StatusBadRequest
		if _, ok := err.(notFoundError); ok {
			status = http.StatusNotFound
		}
		s.fail(w, r, status, err.Error())
		return
	}
	perUser, err := s.perUserParam(r)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	out := make([]post, 0, len(ids)*perUser)
	for _, uid := range ids {
		for k := 1; k <= perUser; k++ {
			out = append(out, makePost(s.seed, uid, k))
		}
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

// servePost answers /posts/{id} (one post) and /posts/{id}/comments (a
// JSON array of its comments).
func (s *Server) servePost(w http.ResponseWriter, r *http.Request, comments bool) {
	perUser, err := s.perUserParam(r)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	idStr := pathID(r.URL.Path)
	id, err := strconv.ParseInt(idStr, 10, 64)
	p, ok := s.lookupPost(id, perUser)
	if err != nil || !ok {
		s.fail(w, r, http.StatusNotFound, "post "+strconv.Quote(idStr)+" not found (post ids are user_id·1000 + 1 … user_id·1000 + posts per user)")
		return
	}
	if !comments {
		s.writeJSON(w, r, http.StatusOK, p)
		return
	}
	out := make([]comment, s.commentsPerPost)
	for j := range out {
		out[j] = makeComment(s.seed, &p, j+1)
	}
	s.writeJSON(w, r, http.StatusOK, out)
}
