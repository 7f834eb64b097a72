"""The two login roles of the embedded cluster, and what each may do.

`roadchief_owner` owns the database, its schemas and every table: the CLI (migrations, imports,
the demo) connects as it. `roadchief_app` is the web service: it reads and writes rows, uses the
sequences and calls the functions, and can do nothing else (no DDL, no superuser, no
session_replication_role). A hole in the service then cannot drop a table or read the server's
files, as it could as `postgres`.

Run by the superuser at every start, so an older cluster, whose tables `postgres` created, is
brought into line too. Everything here is idempotent.
"""

OWNER = "roadchief_owner"
APP = "roadchief_app"
SCHEMAS = ("public", "roadchief")
LIMITS = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"

# Objects that `postgres` made in our schemas (by migrations run before these roles existed) pass
# to the owner; PostGIS's own objects (extension members) stay with `postgres`. Identity and
# serial sequences follow their tables.
ADOPT = f"""
DO $$
DECLARE item record;
BEGIN
    FOR item IN
        SELECT c.oid::regclass AS name,
               CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                              WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind
        FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('public', 'roadchief') AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
          AND pg_get_userbyid(c.relowner) = current_user
          AND NOT EXISTS (SELECT 1 FROM pg_depend AS d WHERE d.classid = 'pg_class'::regclass
                          AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO {OWNER}', item.kind, item.name);
    END LOOP;
    FOR item IN
        SELECT p.oid::regprocedure AS name
        FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
        WHERE n.nspname IN ('public', 'roadchief') AND pg_get_userbyid(p.proowner) = current_user
          AND NOT EXISTS (SELECT 1 FROM pg_depend AS d WHERE d.classid = 'pg_proc'::regclass
                          AND d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO {OWNER}', item.name);
    END LOOP;
    IF to_regnamespace('roadchief') IS NOT NULL THEN
        ALTER SCHEMA roadchief OWNER TO {OWNER};
    END IF;
END $$
"""

# What the service may do with the owner's objects: those there now, and (default privileges)
# those later migrations create. EXECUTE on functions is PUBLIC's already; said here for the reader.
GRANTS = [
    f"ALTER DEFAULT PRIVILEGES FOR ROLE {OWNER} GRANT USAGE ON SCHEMAS TO {APP}",
    f"ALTER DEFAULT PRIVILEGES FOR ROLE {OWNER} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP}",
    f"ALTER DEFAULT PRIVILEGES FOR ROLE {OWNER} GRANT USAGE, SELECT ON SEQUENCES TO {APP}",
    f"ALTER DEFAULT PRIVILEGES FOR ROLE {OWNER} GRANT EXECUTE ON FUNCTIONS TO {APP}",
    f"""
    DO $$
    DECLARE item record;
    BEGIN
        FOR item IN SELECT n.nspname FROM pg_namespace AS n WHERE n.nspname IN ('public', 'roadchief')
        LOOP
            EXECUTE format('GRANT USAGE ON SCHEMA %I TO {APP}', item.nspname);
        END LOOP;
        FOR item IN
            SELECT c.oid::regclass AS name, c.relkind = 'S' AS is_sequence
            FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
            WHERE n.nspname IN ('public', 'roadchief') AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
              AND pg_get_userbyid(c.relowner) = '{OWNER}'
        LOOP
            IF item.is_sequence THEN
                EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %s TO {APP}', item.name);
            ELSE
                EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO {APP}', item.name);
            END IF;
        END LOOP;
    END $$
    """,
]


def ensure_roles(cursor, database: str, owner_password: str, app_password: str) -> None:
    """Create or update both roles (passwords from the files beside the data folder) and their
    rights, as the superuser, connected to `database`, in autocommit."""
    # Worker processes starting together would otherwise grant at once ("tuple concurrently
    # updated"); the lock goes with the session.
    cursor.execute("SELECT pg_advisory_lock(hashtext('roadchief.ensure_roles'))")
    for role, password in ((OWNER, owner_password), (APP, app_password)):
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
        verb = "ALTER" if cursor.fetchone() else "CREATE"
        cursor.execute(f"{verb} ROLE {role} {LIMITS} PASSWORD %s", (password,))
    cursor.execute(f'ALTER DATABASE "{database}" OWNER TO {OWNER}')
    cursor.execute("SHOW server_version_num")
    if int(cursor.fetchone()[0]) >= 150000:
        # The bulk issue import's fast write (roads/issues/importer.py): the CLI's, not the service's.
        cursor.execute(f"GRANT SET ON PARAMETER session_replication_role TO {OWNER}")
    cursor.execute(ADOPT)
    for statement in GRANTS:
        cursor.execute(statement)
