"""Page data for the web routes: one function per page builds everything its template shows."""
