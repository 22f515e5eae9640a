package api

// Routes lists the server's routes as "METHOD /path" (the path under
// BasePath, as registered), for the test that every route is in the
// role table.
func Routes(s *Server) []string {
	var out []string
	for _, r := range s.routes() {
		out = append(out, r.method+" "+r.path)
	}
	return out
}
