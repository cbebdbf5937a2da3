package appliverytest

import (
	"net/http"
	"strings"

	"github.com/testerbot/testerbot/applivery"
)

// reply is a handler's answer, written after the server lock is released.
type reply struct {
	status  int
	code    int
	message string
	data    any
}

func ok(data any) reply { return reply{status: http.StatusOK, data: data} }

func fail(status, code int, message string) reply {
	return reply{status: status, code: code, message: message}
}

func notFound() reply {
	return fail(http.StatusNotFound, applivery.CodeEntityNotFound, "Entity not found")
}

func invalid(detail string) reply {
	return fail(http.StatusBadRequest, applivery.CodeBodyValidationError, "Body Validation Error: "+detail)
}

// storeHandler serves a request for a resolved store; it runs with s.mu
// held and must return data that no longer aliases server state.
type storeHandler func(r *http.Request, st *store) reply

func (s *Server) routes() *http.ServeMux {
	const base = "/v1/organizations/{org}/stores/{store}"
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+base, s.handle(s.getStore))
	mux.HandleFunc("POST "+base+"/otp-users", s.handleCreate)
	mux.HandleFunc("GET "+base+"/otp-users", s.handle(s.listOTPUsers))
	mux.HandleFunc("GET "+base+"/otp-users/{id}", s.handle(s.getOTPUser))
	mux.HandleFunc("PUT "+base+"/otp-users/{id}", s.handle(s.updateOTPUser))
	mux.HandleFunc("DELETE "+base+"/otp-users/{id}", s.handle(s.deleteOTPUser))
	mux.HandleFunc("GET "+base+"/pubApps/{id}", s.handle(s.getPublishedApp))
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { send(w, notFound()) })
	return mux
}

func (s *Server) handle(h storeHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		send(w, s.call(r, h))
	}
}

// handleCreate is handle plus the optional "commit, then hang" behaviour.
func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request) {
	rep := s.call(r, s.createOTPUser)
	s.mu.Lock()
	hang := s.hangAfterCreate
	s.mu.Unlock()
	if rep.status == http.StatusOK && !s.wait(r, hang) {
		return
	}
	send(w, rep)
}

// call authenticates, resolves the organization and store, and runs h.
func (s *Server) call(r *http.Request, h storeHandler) reply {
	if rep, ok := s.authenticate(r); !ok {
		return rep
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if org := r.PathValue("org"); org != s.org && org != s.orgID {
		return notFound()
	}
	storeID := r.PathValue("store")
	if !idPattern.MatchString(storeID) {
		return invalid("storeId must be 24 hex characters")
	}
	st, found := s.stores[storeID]
	if !found {
		return notFound()
	}
	return h(r, st)
}

func (s *Server) authenticate(r *http.Request) (reply, bool) {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return fail(http.StatusUnauthorized, applivery.CodeNoAuthToken, "No auth token"), false
	}
	if strings.TrimSpace(token) != s.token {
		return fail(http.StatusUnauthorized, applivery.CodeInvalidToken, "Invalid Token"), false
	}
	return reply{}, true
}

func send(w http.ResponseWriter, rep reply) {
	if rep.status != http.StatusOK {
		writeError(w, rep.status, rep.code, rep.message)
		return
	}
	writeData(w, rep.data)
}

func (s *Server) getStore(_ *http.Request, st *store) reply {
	return ok(applivery.Store{ID: st.id, Name: st.name, Slug: slugify(st.name)})
}

func (s *Server) getPublishedApp(r *http.Request, st *store) reply {
	id := r.PathValue("id")
	if !idPattern.MatchString(id) {
		return invalid("publishedApplicationId must be 24 hex characters")
	}
	app, found := st.apps[id]
	if !found {
		return notFound()
	}
	return ok(app)
}
