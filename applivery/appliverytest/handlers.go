package appliverytest

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/testerbot/testerbot/applivery"
)

// reply is a handler's answer, written after the server lock is released.
type reply struct {
	status  int
	code    int
	message string
	data    any                // encoded as JSON: the wire types below, not package applivery's
	created *applivery.OTPUser // the OTP user a create committed, for the OnCreate hooks
}

func ok(data any) reply { return reply{status: http.StatusOK, data: data} }

func fail(status, code int, message string) reply {
	return reply{status: status, code: code, message: message}
}

// forbidden is how Applivery refuses a valid token that lacks the
// permission an endpoint needs. The reference documents no 403 body; status,
// code and message follow Applivery's published error codes (4003
// AuthForbidden).
func forbidden() reply {
	return fail(http.StatusForbidden, applivery.CodeForbidden, "Forbidden - You are not allowed to perform this action")
}

func notFound() reply {
	return fail(http.StatusNotFound, applivery.CodeEntityNotFound, "Entity not found")
}

func invalid(detail string) reply {
	return fail(http.StatusBadRequest, applivery.CodeBodyValidationError, "Body Validation Error: "+detail)
}

// orgHandler serves a request for the organization and storeHandler one
// for a resolved store; both run with s.mu held and must return data that
// no longer aliases server state.
type (
	orgHandler   func(r *http.Request) reply
	storeHandler func(r *http.Request, st *store) reply
)

func (s *Server) routes() *http.ServeMux {
	const org = "/v1/organizations/{org}"
	const base = org + "/stores/{store}"
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+org+"/stores", s.handleOrg(applivery.PermissionListStores, s.listStores))
	mux.HandleFunc("GET "+base, s.handle(applivery.PermissionGetStore, s.getStore))
	mux.HandleFunc("POST "+base+"/otp-users", s.handleCreate)
	mux.HandleFunc("GET "+base+"/otp-users", s.handle(applivery.PermissionListOTPUsers, s.listOTPUsers))
	mux.HandleFunc("DELETE "+base+"/otp-users/{id}", s.handle(applivery.PermissionRemoveOTPUser, s.deleteOTPUser))
	mux.HandleFunc("GET "+base+"/pubApps", s.handle(applivery.PermissionListPublishedApps, s.listPublishedApps))
	mux.HandleFunc("GET "+base+"/pubApps/{id}", s.handle(applivery.PermissionGetPublishedApp, s.getPublishedApp))
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { send(w, notFound()) })
	return mux
}

func (s *Server) handleOrg(permission string, h orgHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		send(w, s.callOrg(r, permission, h))
	}
}

func (s *Server) handle(permission string, h storeHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		send(w, s.call(r, permission, h))
	}
}

// handleCreate is handle plus the optional late commit (CommitCreatesAfter),
// "commit, then hang" (HangAfterCreate) and OnCreate hooks.
func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	delay, hang, hooks := s.commitDelay, s.hangAfterCreate, slices.Clone(s.createHooks)
	s.mu.Unlock()
	if !s.sleep(delay, nil) {
		return // the server is shutting down
	}
	rep := s.call(r, applivery.PermissionCreateOTPUser, s.createOTPUser)
	if rep.created != nil {
		for _, hook := range hooks {
			hook(*rep.created)
		}
	}
	if rep.status == http.StatusOK && !s.wait(r, hang) {
		return
	}
	if r.Context().Err() != nil {
		return // the client has gone: nobody to answer
	}
	send(w, rep)
}

// callOrg authenticates, resolves the organization, checks the token's
// permission and runs h, in the order the real API appears to: a bad token
// is a 401 whatever else is wrong.
func (s *Server) callOrg(r *http.Request, permission string, h orgHandler) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	granted, rep, ok := s.authenticate(r)
	if !ok {
		return rep
	}
	if org := r.PathValue("org"); org != serverOrganization && org != s.orgID {
		return notFound()
	}
	if granted != nil && !granted[permission] {
		return forbidden()
	}
	return h(r)
}

// call is callOrg for a request about one store, which it resolves.
func (s *Server) call(r *http.Request, permission string, h storeHandler) reply {
	return s.callOrg(r, permission, func(r *http.Request) reply {
		st, rep, found := resolve(r.PathValue("store"), "storeId", s.storeByID)
		if !found {
			return rep
		}
		return h(r, st)
	})
}

// resolve finds what an id from the request path names, with find. A
// malformed id is answered with a 400 that names field, an unknown one with
// a 404, as Applivery answers.
func resolve[V any](id, field string, find func(id string) (V, bool)) (v V, rep reply, found bool) {
	if !idPattern.MatchString(id) {
		return v, invalid(field + " must be 24 hex characters"), false
	}
	if v, found = find(id); !found {
		return v, notFound(), false
	}
	return v, reply{}, true
}

// authenticate returns the permissions of the request's token (nil for all
// of them). Callers hold s.mu.
func (s *Server) authenticate(r *http.Request) (permissions, reply, bool) {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return nil, fail(http.StatusUnauthorized, applivery.CodeNoAuthToken, "No auth token"), false
	}
	granted, known := s.tokens[token]
	if !known {
		return nil, fail(http.StatusUnauthorized, applivery.CodeInvalidToken, "Invalid Token"), false
	}
	return granted, reply{}, true
}

func send(w http.ResponseWriter, rep reply) {
	if rep.status != http.StatusOK {
		writeError(w, rep.status, rep.code, rep.message)
		return
	}
	writeData(w, rep.data)
}

func (s *Server) listStores(r *http.Request) reply {
	stores := make([]storeJSON, len(s.storeOrder))
	for i, id := range s.storeOrder {
		stores[i] = s.stores[id].public()
	}
	q := r.URL.Query()
	if s.storesNoPages {
		if q.Has("page") || q.Has("limit") {
			return invalid("page and limit are not allowed")
		}
		return ok(paginate(stores, 1, max(len(stores), 1)))
	}
	page, limit, rep := pageParams(q)
	if rep.status != 0 {
		return rep
	}
	return ok(paginate(stores, page, limit))
}

func (s *Server) getStore(_ *http.Request, st *store) reply {
	return ok(st.public())
}

func (s *Server) listPublishedApps(r *http.Request, st *store) reply {
	page, limit, rep := pageParams(r.URL.Query())
	if rep.status != 0 {
		return rep
	}
	return ok(paginate(st.publishedApps(), page, limit))
}

func (s *Server) getPublishedApp(r *http.Request, st *store) reply {
	app, rep, found := resolve(r.PathValue("id"), "publishedApplicationId", st.app)
	if !found {
		return rep
	}
	return ok(publishedAppJSONOf(app))
}

// storeJSON is the documented JSON shape of a store.
type storeJSON struct {
	ID           string    `json:"id,omitempty"`
	CustomDomain string    `json:"customDomain,omitempty"`
	CreatedAt    time.Time `json:"createdAt,omitzero"`
}

// publishedAppJSON is the documented JSON shape of a publication, whose
// name is that of configuration.application.
type publishedAppJSON struct {
	ID              string `json:"id,omitempty"`
	Slug            string `json:"slug"`
	Visibility      string `json:"visibility,omitempty"`
	DistributionURL string `json:"distributionUrl,omitempty"`
	Configuration   struct {
		Application struct {
			Name string `json:"name,omitempty"`
		} `json:"application"`
	} `json:"configuration"`
}

func publishedAppJSONOf(p applivery.PublishedApp) publishedAppJSON {
	w := publishedAppJSON{ID: p.ID, Slug: p.Slug, Visibility: p.Visibility, DistributionURL: p.DistributionURL}
	w.Configuration.Application.Name = p.Name
	return w
}
