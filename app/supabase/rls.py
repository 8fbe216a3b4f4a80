"""Row-level security for Supabase's API roles, applied by migrations on a Supabase database.

A Supabase project serves every table in `public` through its REST API to the roles `anon` (the
public anon key) and `authenticated` (a signed-in Supabase Auth user), and grants those roles
everything on each new table. Beacon's tables hold password hashes, session digests and every
tenant's data, so on such a database the migrations also:

- enable row-level security on every Beacon table (a table without a policy answers no row), and
  take every privilege from `anon` and `authenticated`, then give `authenticated` SELECT back
  on the tables a tenant may read: RLS does not cover TRUNCATE, privileges do;
- let `authenticated` read its own client's rows of those tables (and the global status and
  message rows), a platform admin every client's, through SECURITY DEFINER helpers in the
  `beacon_rls` schema (fixed search_path, one indexed lookup of users.auth_user_id = auth.uid());
- add the live tables to the `supabase_realtime` publication, so supabase-js subscribers see
  their changes (Supabase Realtime applies the same policies to them).

RLS is enabled, not forced: Beacon's own connection owns the tables and is their single writer
(DESIGN.md); `service_role` bypasses RLS and is for the platform's back-end writers, whose
writes still reach open pages through the change-log triggers.

Nothing here runs on SQLite or on a PostgreSQL without Supabase's auth schema and roles.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.models import Role

API_ROLES = ("anon", "authenticated")
SUPABASE_ROLES = ("anon", "authenticated", "service_role")
READER_ROLE = "authenticated"
HELPER_SCHEMA = "beacon_rls"
PUBLICATION = "supabase_realtime"
READ_POLICY = "beacon_read_own_client"
AUTH_USER_FOREIGN_KEY = "fk_users_auth_user_id_auth_users"

# Tables whose every row belongs to one client (client_id NOT NULL).
CLIENT_TABLES = ("contacts", "agent_tasks", "drafts", "follow_ups", "ai_agents", "human_agents", "chats")
# Tables whose rows belong to one client, or to every client (client_id NULL: the global row).
SHARED_TABLES = ("agent_status", "system_messages")
# The client's own row (its name): what a page header shows.
CLIENTS_TABLE = "clients"
# Tables no API role reads: secrets, sessions, audit and presence trails, Beacon's plumbing.
PRIVATE_TABLES = (
    "users", "auth_sessions", "api_tokens", "change_log", "audit_logs", "presence_events", "alembic_version",
)
# The tables the platform's supabase-js subscribers follow.
LIVE_TABLES = ("agent_status", "system_messages", "agent_tasks", "drafts", "follow_ups", "human_agents", "chats")

IS_PLATFORM_ADMIN = f"(SELECT {HELPER_SCHEMA}.caller_is_platform_admin())"
CALLER_CLIENT = f"(SELECT {HELPER_SCHEMA}.caller_client_id())"  # a sub-select: evaluated once per query
# Migration 0009's helpers (see ROLE_AWARE_ACCESS).
CALLER_ROLE = f"(SELECT {HELPER_SCHEMA}.caller_role())"
CALLER_HUMAN_AGENT = f"(SELECT {HELPER_SCHEMA}.caller_human_agent_id())"


def readable_tables() -> tuple[str, ...]:
    return CLIENT_TABLES + SHARED_TABLES + (CLIENTS_TABLE,)


def beacon_tables() -> tuple[str, ...]:
    return readable_tables() + PRIVATE_TABLES


def is_supabase_database(bind) -> bool:
    """True on a database prepared as Supabase prepares one: auth.uid() and its API roles."""
    if bind.dialect.name != "postgresql":
        return False
    return bool(bind.execute(sa.text(
        "SELECT to_regprocedure('auth.uid()') IS NOT NULL "
        "AND (SELECT count(*) FROM pg_roles WHERE rolname = ANY(:roles)) = :wanted"
    ), {"roles": list(SUPABASE_ROLES), "wanted": len(SUPABASE_ROLES)}).scalar())


def is_protected(bind) -> bool:
    """True once `protect` has run (what a downgrade must undo), whatever the roles are now."""
    if bind.dialect.name != "postgresql":
        return False
    return bool(bind.execute(sa.text("SELECT to_regnamespace(:schema) IS NOT NULL"),
                             {"schema": HELPER_SCHEMA}).scalar())


# What `authenticated` may read of a table: the policy's condition, or None for nothing.
CLIENT_ROWS = "client rows"  # rows of the caller's client
SHARED_ROWS = "shared rows"  # rows of the caller's client and the global rows (client_id NULL)
OWN_CLIENT = "own client"  # the clients table: the caller's client's row
PRIVATE = "private"  # nothing
# Since migration 0009: what Beacon's own pages show a role, no more.
CHATS_OF_ADMINS_AND_ASSIGNEE = "chats of admins and the assigned agent"  # subjects are for admins
LIVE_MESSAGES = "live messages"  # shared rows, but withdrawn or expired messages only to platform admins
PLATFORM_ADMINS_ONLY = "platform admins only"  # the uptime history: the admin page's
_SHARED = f"(client_id = {CALLER_CLIENT} OR (client_id IS NULL AND {CALLER_CLIENT} IS NOT NULL))"
READ_CONDITIONS = {
    CHATS_OF_ADMINS_AND_ASSIGNEE:
        f"{IS_PLATFORM_ADMIN} OR (client_id = {CALLER_CLIENT} "
        f"AND ({CALLER_ROLE} = '{Role.CLIENT_ADMIN}' OR human_agent_id = {CALLER_HUMAN_AGENT}))",
    LIVE_MESSAGES:
        f"{IS_PLATFORM_ADMIN} OR ({_SHARED} AND is_active AND (expires_at IS NULL OR expires_at > now()))",
    PLATFORM_ADMINS_ONLY: IS_PLATFORM_ADMIN,
    CLIENT_ROWS: f"{IS_PLATFORM_ADMIN} OR client_id = {CALLER_CLIENT}",
    SHARED_ROWS: f"{IS_PLATFORM_ADMIN} OR client_id = {CALLER_CLIENT} "
                 f"OR (client_id IS NULL AND {CALLER_CLIENT} IS NOT NULL)",
    OWN_CLIENT: f"{IS_PLATFORM_ADMIN} OR id = {CALLER_CLIENT}",
    PRIVATE: None,
}


def access_of(table: str) -> str:
    """How migration 0007 protects `table`."""
    if table in CLIENT_TABLES:
        return CLIENT_ROWS
    if table in SHARED_TABLES:
        return SHARED_ROWS
    return OWN_CLIENT if table == CLIENTS_TABLE else PRIVATE


# Migration 0009: the policies that follow the caller's role, and what they replaced (its downgrade).
ROLE_AWARE_ACCESS = {
    "chats": (CHATS_OF_ADMINS_AND_ASSIGNEE, CLIENT_ROWS),
    "system_messages": (LIVE_MESSAGES, SHARED_ROWS),
    "status_intervals": (PLATFORM_ADMINS_ONLY, SHARED_ROWS),
}
ROLE_HELPERS = {
    "caller_role() RETURNS text":
        "SELECT u.role FROM public.users u WHERE u.auth_user_id = auth.uid() AND u.is_active",
    "caller_human_agent_id() RETURNS integer":
        "SELECT h.id FROM public.human_agents h JOIN public.users u ON u.id = h.user_id "
        "WHERE u.auth_user_id = auth.uid() AND u.is_active",
}


# Migration 0008's tables, which it protected as SHARED_ROWS.
LATER_SHARED_TABLES = ("maintenance_windows", "status_intervals")
LATER_LIVE_TABLES = ("maintenance_windows",)


def head_access() -> dict[str, str]:
    """What `authenticated` may read of each Beacon table once every migration has run."""
    access = {table: access_of(table) for table in beacon_tables()}
    access.update(dict.fromkeys(LATER_SHARED_TABLES, SHARED_ROWS))
    access.update({table: now for table, (now, _before) in ROLE_AWARE_ACCESS.items()})
    return access


def create_helper(bind, signature: str, body: str, replace: bool = False) -> None:
    """A SECURITY DEFINER function of the helper schema that only `authenticated` may call."""
    bind.execute(sa.text(
        f"CREATE {'OR REPLACE ' if replace else ''}FUNCTION {HELPER_SCHEMA}.{signature} "
        "LANGUAGE sql STABLE SECURITY DEFINER "
        f"SET search_path = '' AS $$ {body} $$"
    ))
    name = signature.split(" RETURNS")[0]
    bind.execute(sa.text(f"REVOKE ALL ON FUNCTION {HELPER_SCHEMA}.{name} FROM PUBLIC"))
    bind.execute(sa.text(f"GRANT EXECUTE ON FUNCTION {HELPER_SCHEMA}.{name} TO {READER_ROLE}"))


def drop_helper(bind, signature: str) -> None:
    bind.execute(sa.text(f"DROP FUNCTION IF EXISTS {HELPER_SCHEMA}.{signature.split(' RETURNS')[0]}"))


def replace_policy(bind, table: str, access: str) -> None:
    """`table`'s read policy, now with the condition of `access` (one statement's transaction)."""
    condition = READ_CONDITIONS[access]
    bind.execute(sa.text(f"DROP POLICY IF EXISTS {READ_POLICY} ON public.{table}"))
    bind.execute(sa.text(
        f"CREATE POLICY {READ_POLICY} ON public.{table} AS PERMISSIVE FOR SELECT TO {READER_ROLE} "
        f"USING ({condition})"
    ))


# SECURITY DEFINER: they read users, which the API roles cannot. search_path '' so that no
# object a caller creates can stand in for public.users or auth.uid().
CLIENT_HELPERS = {
    "caller_client_id() RETURNS integer":
        "SELECT u.client_id FROM public.users u WHERE u.auth_user_id = auth.uid() AND u.is_active",
    "caller_is_platform_admin() RETURNS boolean":
        "SELECT EXISTS (SELECT 1 FROM public.users u WHERE u.auth_user_id = auth.uid() "
        f"AND u.is_active AND u.role = '{Role.PLATFORM_ADMIN}')",
}


def _create_helpers(bind) -> None:
    bind.execute(sa.text(f"CREATE SCHEMA {HELPER_SCHEMA}"))
    bind.execute(sa.text(f"REVOKE ALL ON SCHEMA {HELPER_SCHEMA} FROM PUBLIC"))
    bind.execute(sa.text(f"GRANT USAGE ON SCHEMA {HELPER_SCHEMA} TO {READER_ROLE}"))
    for signature, body in CLIENT_HELPERS.items():
        create_helper(bind, signature, body)


def sequences_of(bind, table: str) -> list[str]:
    """The sequences behind `table`'s serial and identity columns."""
    return list(bind.execute(sa.text(
        "SELECT s.relname FROM pg_class s "
        "JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid "
        "AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') "
        "JOIN pg_class t ON t.oid = d.refobjid "
        "WHERE s.relkind = 'S' AND t.relnamespace = 'public'::regnamespace AND t.relname = :table "
        "ORDER BY 1"
    ), {"table": table}).scalars())


def revoke_sequences(bind, table: str) -> None:
    """Supabase's default privileges give the API roles ALL on every new sequence: with them
    `anon` could call setval() on users_id_seq and make every insert collide, or read how many
    rows a table ever had. Beacon's own connection owns them and is the only one to use them."""
    for sequence in sequences_of(bind, table):
        bind.execute(sa.text(f'REVOKE ALL ON SEQUENCE public."{sequence}" FROM {", ".join(API_ROLES)}'))


def protect_table(bind, table: str, access: str) -> None:
    """RLS on `table`; no privilege for the API roles (on the table and its sequences), but
    SELECT for `authenticated` under a policy when `access` lets it read something. Later
    migrations call it for their new tables (on a Supabase database: `if rls.is_protected(bind)`)."""
    condition = READ_CONDITIONS[access]
    bind.execute(sa.text(f"ALTER TABLE public.{table} ENABLE ROW LEVEL SECURITY"))
    bind.execute(sa.text(f"REVOKE ALL ON TABLE public.{table} FROM {', '.join(API_ROLES)}"))
    revoke_sequences(bind, table)
    if condition is not None:
        bind.execute(sa.text(f"GRANT SELECT ON TABLE public.{table} TO {READER_ROLE}"))
        bind.execute(sa.text(
            f"CREATE POLICY {READ_POLICY} ON public.{table} AS PERMISSIVE FOR SELECT TO {READER_ROLE} "
            f"USING ({condition})"
        ))


def unprotect_table(bind, table: str) -> None:
    """Undo `protect_table`'s policy, and leave the table shut: RLS stays on (no policy: no row)
    and the API roles get no privilege back. A downgrade of a security migration must never
    hand password hashes, session digests or a tenant's rows to the public anon key."""
    bind.execute(sa.text(f"DROP POLICY IF EXISTS {READ_POLICY} ON public.{table}"))
    bind.execute(sa.text(f"ALTER TABLE public.{table} ENABLE ROW LEVEL SECURITY"))
    bind.execute(sa.text(f"REVOKE ALL ON TABLE public.{table} FROM {', '.join(API_ROLES)}"))
    revoke_sequences(bind, table)


def _publication_state(bind) -> tuple[bool, bool, set[str]]:
    """(exists, publishes all tables, the public tables it lists)."""
    row = bind.execute(sa.text("SELECT puballtables FROM pg_publication WHERE pubname = :name"),
                       {"name": PUBLICATION}).first()
    if row is None:
        return False, False, set()
    listed = set(bind.execute(sa.text(
        "SELECT tablename FROM pg_publication_tables WHERE pubname = :name AND schemaname = 'public'"
    ), {"name": PUBLICATION}).scalars())
    return True, bool(row.puballtables), listed


def publish_live_tables(bind, tables: tuple[str, ...] = LIVE_TABLES) -> None:
    exists, all_tables, listed = _publication_state(bind)
    if not exists or all_tables:
        return  # a project without Realtime, or one that already publishes everything
    for table in tables:
        if table not in listed:
            bind.execute(sa.text(f"ALTER PUBLICATION {PUBLICATION} ADD TABLE public.{table}"))


def unpublish_live_tables(bind, tables: tuple[str, ...] = LIVE_TABLES) -> None:
    exists, all_tables, listed = _publication_state(bind)
    if not exists or all_tables:
        return
    for table in tables:
        if table in listed:
            bind.execute(sa.text(f"ALTER PUBLICATION {PUBLICATION} DROP TABLE public.{table}"))


def protect(bind) -> None:
    """Everything above, on the tables of migration 0007's time (later migrations call
    `protect_table` for theirs)."""
    # A deleted Supabase Auth user no longer signs anyone in to Beacon.
    bind.execute(sa.text(
        f"ALTER TABLE public.users ADD CONSTRAINT {AUTH_USER_FOREIGN_KEY} FOREIGN KEY (auth_user_id) "
        "REFERENCES auth.users (id) ON DELETE SET NULL"
    ))
    _create_helpers(bind)
    for table in beacon_tables():
        protect_table(bind, table, access_of(table))
    publish_live_tables(bind)


def unprotect(bind) -> None:
    unpublish_live_tables(bind)
    for table in beacon_tables():
        unprotect_table(bind, table)
    bind.execute(sa.text(f"DROP SCHEMA IF EXISTS {HELPER_SCHEMA} CASCADE"))
    bind.execute(sa.text(f"ALTER TABLE public.users DROP CONSTRAINT IF EXISTS {AUTH_USER_FOREIGN_KEY}"))


# -- Is a Supabase database protected? (the server's start, `beacon doctor`, `beacon db protect`) --

TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
SEQUENCE_PRIVILEGES = ("USAGE", "SELECT", "UPDATE")


def protection_problems(bind) -> list[str]:
    """On a Supabase database, each Beacon table or sequence its API roles can reach beyond what
    the migrations allow ("users: row-level security off, anon may SELECT, ..."); [] elsewhere.

    The migrations protect a database that was Supabase's when they ran. One migrated on a
    plain PostgreSQL and restored into a Supabase project is at head and wide open (the restore
    gives the API roles Supabase's default grants); a hand-made GRANT or DISABLE ROW LEVEL
    SECURITY opens one table. The catalog says which, whatever the revision says."""
    if not is_supabase_database(bind):
        return []
    problems = []
    for table, access in head_access().items():
        row = bind.execute(sa.text(
            "SELECT oid, relrowsecurity FROM pg_class WHERE relnamespace = 'public'::regnamespace "
            "AND relname = :table AND relkind IN ('r', 'p')"), {"table": table}).first()
        if row is None:
            continue
        found = [] if row.relrowsecurity else ["row-level security off"]
        for role in API_ROLES:
            allowed = {"SELECT"} if role == READER_ROLE and READ_CONDITIONS[access] is not None else set()
            held = [privilege for privilege in TABLE_PRIVILEGES if privilege not in allowed and bind.execute(
                sa.text("SELECT has_table_privilege(:role, CAST(:oid AS oid), :privilege)"),
                {"role": role, "oid": row.oid, "privilege": privilege}).scalar()]
            if held:
                found.append(f"{role} may {'/'.join(held)}")
        for sequence in sequences_of(bind, table):
            for role in API_ROLES:
                if any(bind.execute(sa.text("SELECT has_sequence_privilege(:role, :sequence, :privilege)"),
                                    {"role": role, "sequence": f'public."{sequence}"', "privilege": privilege}
                                    ).scalar() for privilege in SEQUENCE_PRIVILEGES):
                    found.append(f"{role} may use {sequence}")
        if found:
            problems.append(f"{table}: {', '.join(found)}")
    return problems


def secure(bind) -> None:
    """What migrations 0007 to 0009 do on a Supabase database, made idempotent: for a database
    they ran on before it was Supabase's (restored into a project), or one opened by hand since.
    Changes no row; the helpers and policies are (re)created as at head."""
    if not is_supabase_database(bind):
        return
    has_key = bind.execute(sa.text("SELECT 1 FROM pg_constraint WHERE conname = :name"),
                           {"name": AUTH_USER_FOREIGN_KEY}).first()
    if not has_key:
        bind.execute(sa.text(
            f"ALTER TABLE public.users ADD CONSTRAINT {AUTH_USER_FOREIGN_KEY} FOREIGN KEY (auth_user_id) "
            "REFERENCES auth.users (id) ON DELETE SET NULL"
        ))
    bind.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {HELPER_SCHEMA}"))
    bind.execute(sa.text(f"REVOKE ALL ON SCHEMA {HELPER_SCHEMA} FROM PUBLIC"))
    bind.execute(sa.text(f"GRANT USAGE ON SCHEMA {HELPER_SCHEMA} TO {READER_ROLE}"))
    for signature, body in {**CLIENT_HELPERS, **ROLE_HELPERS}.items():
        create_helper(bind, signature, body, replace=True)
    for table, access in head_access().items():
        bind.execute(sa.text(f"ALTER TABLE public.{table} ENABLE ROW LEVEL SECURITY"))
        bind.execute(sa.text(f"REVOKE ALL ON TABLE public.{table} FROM {', '.join(API_ROLES)}"))
        revoke_sequences(bind, table)
        if READ_CONDITIONS[access] is None:
            bind.execute(sa.text(f"DROP POLICY IF EXISTS {READ_POLICY} ON public.{table}"))
        else:
            bind.execute(sa.text(f"GRANT SELECT ON TABLE public.{table} TO {READER_ROLE}"))
            replace_policy(bind, table, access)
    publish_live_tables(bind, LIVE_TABLES + LATER_LIVE_TABLES)
