"""A PostgreSQL database prepared the way a Supabase project's database is, and the two ways
Supabase's API layer reaches it: PostgREST's per-request role switch, and users' access tokens.

What Supabase sets up and Beacon's migrations meet: the API roles (anon, authenticated with
NOINHERIT, service_role with BYPASSRLS, the authenticator that switches between them), the auth
schema with auth.users and the auth.uid()/auth.role()/auth.jwt() functions reading the claims
PostgREST puts in `request.jwt.claims`, the empty `supabase_realtime` publication, and the
default grants that give the API roles every new table, sequence and function in public.
Roles belong to the whole PostgreSQL cluster: they are created once and left in place (they own
nothing once the test databases are dropped).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import jwt
import psycopg

from tests.support.database import create_postgres_database, prepare_database

JWT_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long"  # Supabase CLI's local default
ACCESS_TOKEN_SECONDS = 3600  # Supabase's default access token lifetime
ISSUER = "http://127.0.0.1:54321/auth/v1"  # what the Supabase CLI's local project signs as `iss`

ROLES_SQL = """
DO $$
BEGIN
    CREATE ROLE anon NOLOGIN NOINHERIT;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
DO $$
BEGIN
    CREATE ROLE authenticated NOLOGIN NOINHERIT;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
DO $$
BEGIN
    CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
DO $$
BEGIN
    CREATE ROLE authenticator LOGIN NOINHERIT;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
GRANT anon, authenticated, service_role TO authenticator;
"""

# Per database, as Supabase's own migrations write them.
DATABASE_SQL = """
CREATE SCHEMA auth;
GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
CREATE TABLE auth.users (
    id uuid PRIMARY KEY,
    email text,
    role text DEFAULT 'authenticated',
    created_at timestamptz DEFAULT now()
);
CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;
CREATE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;
CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;
GRANT EXECUTE ON FUNCTION auth.uid(), auth.role(), auth.jwt() TO anon, authenticated, service_role;
CREATE PUBLICATION supabase_realtime;
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
"""


def prepare_like_supabase(url: str) -> None:
    """Turn a new, empty database into what a Supabase project's database is before Beacon."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(ROLES_SQL)
        conn.execute(DATABASE_SQL)


def create_supabase_database(migrate: bool = True) -> str:
    """A new database prepared like a Supabase project's; migrated and seeded when `migrate`."""
    url = create_postgres_database()
    prepare_like_supabase(url)
    if migrate:
        prepare_database(url)
    return url


# What a restore into a Supabase project gives tables it did not create itself: its default
# grants, to every API role (a pg_dump made with --no-privileges, as Supabase's guide restores).
RESTORE_GRANTS_SQL = """
GRANT ALL ON ALL TABLES IN SCHEMA public TO anon, authenticated, service_role;
GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO anon, authenticated, service_role;
"""


def create_restored_supabase_database() -> str:
    """A database migrated and seeded on plain PostgreSQL, then made a Supabase project's: what
    restoring a plain PostgreSQL Beacon into a project gives. At head, and no migration ran on it
    as a Supabase database."""
    url = create_postgres_database()
    prepare_database(url)
    prepare_like_supabase(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(RESTORE_GRANTS_SQL)
    return url


def add_auth_user(url: str, email: str) -> uuid.UUID:
    """A Supabase Auth user (as sign-up writes auth.users)."""
    auth_user_id = uuid.uuid4()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO auth.users (id, email) VALUES (%s, %s)", (auth_user_id, email))
    return auth_user_id


def claims_of(auth_user_id: uuid.UUID | None, role: str = "authenticated") -> dict:
    """The claims Supabase Auth signs into an access token (None: the anon key's)."""
    now = int(time.time())
    if auth_user_id is None:
        return {"iss": ISSUER, "role": "anon", "iat": now, "exp": now + ACCESS_TOKEN_SECONDS}
    return {"iss": ISSUER, "sub": str(auth_user_id), "aud": "authenticated", "role": role,
            "iat": now, "exp": now + ACCESS_TOKEN_SECONDS, "aal": "aal1", "session_id": str(uuid.uuid4())}


def access_token(auth_user_id: uuid.UUID | None, secret: str = JWT_SECRET, expires_in: int = ACCESS_TOKEN_SECONDS,
                 **overrides) -> str:
    claims = claims_of(auth_user_id)
    claims["exp"] = int(time.time()) + expires_in
    claims.update(overrides)
    return jwt.encode(claims, secret, algorithm="HS256")


@contextmanager
def as_api_role(url: str, role: str, claims: dict | None = None) -> Iterator[psycopg.Connection]:
    """A connection acting as PostgREST does for one request: the role and the JWT's claims for
    the length of one transaction (rolled back at the end, so nothing a test tries is kept)."""
    with psycopg.connect(url) as conn:
        conn.execute(f"SET LOCAL ROLE {role}")
        conn.execute("SELECT set_config('request.jwt.claims', %s, true)", (json.dumps(claims or {}),))
        try:
            yield conn
        finally:
            conn.rollback()
