"""HTTP routers by user: auth, consultant, staff (and the stage pages that join later)."""
