package scim

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/scimd/scimd/directory"
	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/store"
)

// Config is the protocol layer's configuration.
type Config struct {
	// BasePath is where the SCIM endpoints are mounted ("/scim/v2").
	BasePath string
	// PublicURL, when set, is the externally visible base of BasePath
	// ("https://idm.example.com"); otherwise it is taken from each request.
	PublicURL string
	// MaxResults caps a page (the count parameter); advertised as
	// filter.maxResults.
	MaxResults int
	// MaxBodyBytes caps a request body (413 beyond it).
	MaxBodyBytes int64
	// RateLimit is the per-token request rate per second (0: unlimited);
	// RateBurst its burst.
	RateLimit float64
	RateBurst int
	// BulkMaxOperations caps the operations of one /Bulk request and
	// BulkMaxPayloadBytes its body, instead of MaxBodyBytes (RFC 7644
	// §3.7.4: 413 beyond either); advertised as bulk.maxOperations and
	// bulk.maxPayloadSize.
	BulkMaxOperations   int
	BulkMaxPayloadBytes int64
	// CursorSecret keys the HMAC that protects cursors (RFC 9865). Every
	// replica behind one load balancer must share it; when empty, a
	// random key per process is used, and a cursor only works on the
	// replica that issued it (set SCIMD_CURSOR_SECRET when running
	// several replicas).
	CursorSecret []byte
	// CursorTimeout is how long a cursor stays valid, advertised as
	// pagination.cursorTimeout; default one hour.
	CursorTimeout time.Duration
	// Now is the clock cursors are issued and expired by; default
	// time.Now (tests set it).
	Now func() time.Time
}

// Defaults fills unset fields.
func (c *Config) Defaults() {
	if c.BasePath == "" {
		c.BasePath = "/scim/v2"
	}
	c.BasePath = "/" + strings.Trim(c.BasePath, "/")
	if c.MaxResults <= 0 {
		c.MaxResults = 1000
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 1 << 20
	}
	if c.RateBurst <= 0 {
		c.RateBurst = int(c.RateLimit) + 1
	}
	if c.BulkMaxOperations <= 0 {
		c.BulkMaxOperations = 1000
	}
	if c.BulkMaxPayloadBytes <= 0 {
		c.BulkMaxPayloadBytes = 4 << 20
	}
	if len(c.CursorSecret) == 0 {
		c.CursorSecret = make([]byte, 32)
		_, _ = rand.Read(c.CursorSecret) // never fails (crypto/rand)
	}
	if c.CursorTimeout <= 0 {
		c.CursorTimeout = time.Hour
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Directory is what the protocol layer needs of package directory.
type Directory interface {
	Authenticate(ctx context.Context, token string) (directory.Principal, error)
	Create(ctx context.Context, a directory.Actor, r store.Resource, members []string) (store.Resource, error)
	Update(ctx context.Context, a directory.Actor, kind store.Kind, id string, fn store.UpdateFunc) (store.Resource, error)
	// Archive archives a resource whatever the delete policy (a bulk job
	// removing a resource it created).
	Archive(ctx context.Context, a directory.Actor, kind store.Kind, id string, check func(store.Resource) error) error
	// Delete is a SCIM DELETE under the organization's delete policy: the
	// resource is archived, or a user only deactivated.
	Delete(ctx context.Context, a directory.Actor, kind store.Kind, id string, check func(store.Resource) error) error
	// Policy is the organization's policy (its catalogues are advertised
	// in /Schemas).
	Policy(ctx context.Context, orgID string) (store.Policy, error)
	Store() store.Store
}

var _ Directory = (*directory.Service)(nil)

// Server serves SCIM. Create it with New.
type Server struct {
	cfg    Config
	dir    Directory
	log    *slog.Logger
	users  *schema.ResourceType
	groups *schema.ResourceType
	// orgTypes caches each organization's types (core + its extensions)
	// for a few seconds; see orgtypes.go.
	orgTypes typeCache

	mu       sync.Mutex
	limiters map[string]*rate.Limiter // per token id
}

// New returns a Server.
func New(cfg Config, dir Directory, log *slog.Logger) *Server {
	cfg.Defaults()
	return &Server{
		cfg:      cfg,
		dir:      dir,
		log:      log,
		users:    schema.NewUserType(),
		groups:   schema.NewGroupType(),
		limiters: map[string]*rate.Limiter{},
	}
}

// Handler returns the SCIM endpoints, mounted at the base path. Every
// response, errors from routing and authentication included, is
// application/scim+json.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	base := s.cfg.BasePath
	s.mountResource(mux, base, "/Users", store.KindUser)
	s.mountResource(mux, base, "/Groups", store.KindGroup)
	mux.Handle(base+"/ServiceProviderConfig", s.route("/ServiceProviderConfig", get(s.serviceProviderConfig)))
	mux.Handle(base+"/ResourceTypes", s.route("/ResourceTypes", get(s.resourceTypes)))
	mux.Handle(base+"/ResourceTypes/{id}", s.route("/ResourceTypes/{id}", get(s.resourceType)))
	mux.Handle(base+"/Schemas", s.route("/Schemas", get(s.schemas)))
	mux.Handle(base+"/Schemas/{id}", s.route("/Schemas/{id}", get(s.schema)))
	mux.Handle(base+"/Bulk", s.routeLimit("/Bulk", s.cfg.BulkMaxPayloadBytes, methods{http.MethodPost: s.bulk}.serve))
	// Queries over every resource type (RFC 7644 §3.4.2.1, §3.4.3).
	mux.Handle(base, s.route("/", methods{http.MethodGet: s.rootList}.serve))
	mux.Handle(base+"/.search", s.route("/.search", methods{http.MethodPost: s.rootSearch}.serve))
	for _, p := range []string{"/Me"} {
		mux.Handle(base+p, s.route(p, notImplemented))
	}
	mux.Handle(base+"/", s.route("unmatched", notFound))
	return s.canonicalPath(mux)
}

// canonicalPath serves /Users/ as /Users and /users as /Users: Microsoft's
// test tools send both, and endpoint names are matched case-insensitively
// like every other SCIM name.
func (s *Server) canonicalPath(next http.Handler) http.Handler {
	endpoints := []string{"Users", "Groups", "ServiceProviderConfig", "ResourceTypes", "Schemas", "Bulk", "Me"}
	prefix := s.cfg.BasePath + "/"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if len(p) > 1 && strings.HasSuffix(p, "/") {
			p = strings.TrimRight(p, "/")
		}
		if rest, ok := strings.CutPrefix(p, prefix); ok {
			seg, tail, _ := strings.Cut(rest, "/")
			for _, e := range endpoints {
				if seg != e && strings.EqualFold(seg, e) {
					p = prefix + e
					if tail != "" || strings.Contains(rest, "/") {
						p += "/" + tail
					}
				}
			}
		}
		if p != r.URL.Path {
			r2 := r.Clone(r.Context())
			r2.URL.Path = p
			r2.URL.RawPath = ""
			r = r2
		}
		next.ServeHTTP(w, r)
	})
}

// resourceFunc is a resourceHandler method: the handler is made per
// request because an organization's resource types carry its own schema
// extensions.
type resourceFunc func(h *resourceHandler, w http.ResponseWriter, r *http.Request, p directory.Principal) error

func (s *Server) mountResource(mux *http.ServeMux, base, ep string, kind store.Kind) {
	bind := func(fn resourceFunc) handlerFunc {
		return func(w http.ResponseWriter, r *http.Request, p directory.Principal) error {
			h, err := s.resourceHandler(r.Context(), p.OrgID, kind)
			if err != nil {
				return err
			}
			return fn(h, w, r, p)
		}
	}
	mux.Handle(base+ep, s.route(ep, methods{
		http.MethodGet:  bind((*resourceHandler).list),
		http.MethodPost: bind((*resourceHandler).create),
	}.serve))
	// More specific than {id}: ".search" is never an id (RFC 7644 §3.4.3).
	mux.Handle(base+ep+"/.search", s.route(ep+"/.search", methods{http.MethodPost: bind((*resourceHandler).search)}.serve))
	mux.Handle(base+ep+"/{id}", s.route(ep+"/{id}", methods{
		http.MethodGet:    bind((*resourceHandler).get),
		http.MethodPut:    bind((*resourceHandler).replace),
		http.MethodPatch:  bind((*resourceHandler).patch),
		http.MethodDelete: bind((*resourceHandler).delete),
	}.serve))
}

func (s *Server) resourceHandler(ctx context.Context, orgID string, kind store.Kind) (*resourceHandler, error) {
	users, groups, err := s.typesFor(ctx, orgID)
	if err != nil {
		return nil, err
	}
	rt := users
	if kind == store.KindGroup {
		rt = groups
	}
	return &resourceHandler{s: s, rt: rt, kind: kind}, nil
}

// typesFor returns an organization's resource types: the core schemas
// with the organization's schema extensions (RFC 7643 §3.3), read from
// the store and cached for a few seconds (orgTypesTTL), so that a schema
// added or removed on one replica reaches every replica that soon. The
// shared core types are never modified.
func (s *Server) typesFor(ctx context.Context, orgID string) (users, groups *schema.ResourceType, err error) {
	return s.loadTypes(ctx, orgID)
}
