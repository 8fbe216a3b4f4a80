"""Running Beacon on a Supabase project: its database's API roles (rls.py)."""
