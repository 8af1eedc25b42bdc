"""The statement audit: what a run sent to the warehouse, held to Snowflake's rules.

The emulator has no roles, no privileges, and a ``rollback`` that undoes DDL, so a statement
that Snowflake would refuse, or a transaction that Snowflake would commit half-way, passes there
unseen. The emulator's server logs every statement of every client (``emulator_server.py``);
this module checks each one against:

* **privileges**: what ``dbt/setup/snowflake_setup.sql`` grants the pipeline role, read from
  that file (so that changing a grant changes the check), and the ownership of the objects the
  role created itself (the owner of a table may replace, fill, swap and drop it);
* **transactions**: Snowflake commits the open transaction before any DDL (CTAS included), so
  no such statement may run between ``begin`` and ``commit`` / ``rollback``;
* **query tags**: every session of the run carries the run's ``QUERY_TAG``.

A violation names the statement, where it came from (the Kedro node, and the dbt model for dbt's
statements) and the rule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
from sqlglot import exp

SETUP_SQL = Path(__file__).resolve().parents[1] / "dbt" / "setup" / "snowflake_setup.sql"

# Statements Snowflake runs as their own transaction, committing an open one first.
_DDL = (exp.Create, exp.Drop, exp.Alter, exp.Grant, exp.Revoke, exp.Comment)
_DBT_NODE = re.compile(r'"node_id":\s*"([^"]+)"')

# Statements about the user's own sessions, which need no privilege and sqlglot parses only as
# a Command.
_OWN_SESSIONS = re.compile(r"\s*show\s+transactions\s*;?\s*", re.I)


# --------------------------------------------------------------------------------------------
# What the setup script grants
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grants:
    """The pipeline role's privileges, as ``dbt/setup/snowflake_setup.sql`` grants them.

    ``privileges`` maps ``(object type, fully qualified name)`` to the privileges granted on it,
    e.g. ``("SCHEMA", "NETFLIX.RAW") -> {"USAGE", "CREATE TABLE"}``. ``default_namespace`` is
    the service user's (where unqualified names resolve).
    """

    role: str
    database: str
    privileges: dict[tuple[str, str], frozenset[str]]
    default_namespace: str = ""

    def has(self, kind: str, name: str, privilege: str) -> bool:
        return privilege in self.privileges.get((kind, name), frozenset())


def _statements(sql: str) -> list[str]:
    text = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    return [" ".join(s.split()) for s in text.split(";") if s.strip()]


def read_grants(path: Path = SETUP_SQL, role: str = "NETFLIX_PIPELINE") -> Grants:
    """The privileges ``path`` grants ``role`` (``grant … on <kind> <name> to role <role>``)."""
    grant = re.compile(
        r"grant (?P<privs>.+?) on (?P<kind>database|schema|warehouse|stage|file format|"
        r"integration|table|view) (?P<name>\S+) to role (?P<role>\w+)$",
        re.IGNORECASE,
    )
    privileges: dict[tuple[str, str], set[str]] = {}
    database = namespace = ""
    for statement in _statements(path.read_text(encoding="utf-8")):
        if m := re.match(r"create database if not exists (\w+)", statement, re.IGNORECASE):
            database = database or m[1].upper()
        if m := re.search(r"default_namespace = (\S+)", statement, re.IGNORECASE):
            namespace = m[1].upper()
        m = grant.match(statement)
        if not m or m["role"].upper() != role.upper():
            continue
        key = (m["kind"].upper(), m["name"].upper())
        privs = {" ".join(p.split()).upper() for p in m["privs"].split(",")}
        privileges.setdefault(key, set()).update(privs)
    return Grants(
        role=role.upper(),
        database=database,
        privileges={k: frozenset(v) for k, v in privileges.items()},
        default_namespace=namespace,
    )


@dataclass(frozen=True)
class SetupObjects:
    """What the administrator's script creates that the pipeline uses."""

    database: str
    schemas: tuple[tuple[str, bool], ...]  # (fully qualified name, transient)
    stages: tuple[str, ...]


def setup_objects(path: Path = SETUP_SQL) -> SetupObjects:
    """The database, schemas and stages ``path`` creates."""
    database, schemas, stages = "", [], []
    for statement in _statements(path.read_text(encoding="utf-8")):
        if m := re.match(r"create database if not exists (\w+)", statement, re.I):
            database = m[1].upper()
        elif m := re.match(r"create (transient )?schema if not exists ([\w.]+)", statement, re.I):
            schemas.append((m[2].upper(), bool(m[1])))
        elif m := re.match(r"create stage if not exists ([\w.]+)", statement, re.I):
            stages.append(m[1].upper())
    return SetupObjects(database, tuple(schemas), tuple(stages))


def set_up_account(connect_args: dict, stage: Path, path: Path = SETUP_SQL) -> None:
    """Set up an emulator as ``path`` sets up a Snowflake account: the database, its schemas
    and the landing stage, on the folder ``stage`` instead of S3 (the emulator cannot read
    S3)."""
    import snowflake.connector

    setup = setup_objects(path)
    with snowflake.connector.connect(**connect_args) as conn:
        cur = conn.cursor()
        cur.execute(f"create database if not exists {setup.database}")
        cur.execute(f"use database {setup.database}")
        for schema, transient in setup.schemas:
            cur.execute(f"create {'transient ' if transient else ''}schema if not exists {schema}")
        for name in setup.stages:
            cur.execute(f"create stage if not exists {name} url = '{stage.as_uri()}/'")


# --------------------------------------------------------------------------------------------
# The statement log
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    session: int | None
    sql: str
    at: float = 0.0
    ok: bool = True
    describe_only: bool = False
    origin: str = ""


@dataclass(frozen=True)
class Login:
    session: int | None
    query_tag: str | None
    client: str | None = None
    at: float = 0.0


def read_log(
    path: Path, start: int = 0, end: int | None = None
) -> tuple[list[Login], list[Statement]]:
    """Logins and statements of an emulator statement log, between two byte offsets."""
    logins, statements = [], []
    with path.open("rb") as fh:
        fh.seek(start)
        text = fh.read(-1 if end is None else end - start).decode("utf-8")
        for line in text.splitlines():
            event = json.loads(line)
            if event["event"] == "login":
                logins.append(
                    Login(event["session"], event["query_tag"], event.get("client"), event["at"])
                )
            elif event.get("sql"):
                statements.append(
                    Statement(
                        session=event["session"],
                        sql=event["sql"],
                        at=event["at"],
                        ok=event["ok"],
                        describe_only=bool(event.get("describe_only")),
                    )
                )
    return logins, statements


def with_origins(statements: list[Statement], nodes: list[tuple[float, str]]) -> list[Statement]:
    """Each statement with its origin: the Kedro node running when it arrived (``nodes``: start
    times and names, from the run's log) and, for dbt's statements, the dbt node."""
    nodes = sorted(nodes)
    out = []
    for s in statements:
        running = [name for started, name in nodes if started <= s.at]
        origin = running[-1] if running else "before the first node"
        if m := _DBT_NODE.search(s.sql):
            origin = f"{origin} / dbt {m[1]}"
        out.append(Statement(s.session, s.sql, s.at, s.ok, s.describe_only, origin))
    return out


# --------------------------------------------------------------------------------------------
# The audit
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    rule: str
    statement: Statement
    detail: str

    def __str__(self) -> str:
        sql = " ".join(self.statement.sql.split())
        sql = sql if len(sql) <= 300 else sql[:297] + "..."
        return (
            f"[{self.rule}] {self.detail}\n    from: {self.statement.origin or '?'} "
            f"(session {self.statement.session})\n    statement: {sql}"
        )


@dataclass
class _State:
    owned: set[str] = field(default_factory=set)  # TABLE/VIEW names the role created
    in_transaction: dict[int | None, bool] = field(default_factory=dict)  # by session


class Audit:
    """Checks statements, in the order the warehouse received them."""

    def __init__(self, grants: Grants) -> None:
        self.grants = grants
        self.state = _State()
        self.violations: list[Violation] = []

    # -- names

    def _name(self, table: exp.Table) -> str:
        def part(node) -> str:
            if node is None:
                return ""
            if isinstance(node, exp.Identifier):
                return node.this if node.quoted else node.this.upper()
            return node.name.upper()

        name, db, catalog = (
            part(table.this),
            part(table.args.get("db")),
            part(table.args.get("catalog")),
        )
        if not db:
            namespace = self.grants.default_namespace.split(".")
            db = namespace[-1] if len(namespace) > 1 else ""
        return ".".join([catalog or self.grants.database, db, name])

    def _schema_of(self, name: str) -> str:
        return name.rsplit(".", 1)[0]

    # -- rules

    def _fail(self, rule: str, statement: Statement, detail: str) -> None:
        self.violations.append(Violation(rule, statement, detail))

    def _need(self, statement: Statement, kind: str, name: str, privilege: str) -> None:
        if not self.grants.has(kind, name, privilege):
            self._fail(
                "privilege",
                statement,
                f"needs {privilege} on {kind.lower()} {name}, which "
                f"dbt/setup/snowflake_setup.sql does not grant role {self.grants.role}",
            )

    def _need_schema(self, statement: Statement, schema: str, privilege: str) -> None:
        self._need(statement, "DATABASE", schema.split(".")[0], "USAGE")
        self._need(statement, "SCHEMA", schema, "USAGE")
        if privilege != "USAGE":
            self._need(statement, "SCHEMA", schema, privilege)

    def _need_owner(self, statement: Statement, name: str, action: str) -> None:
        self._need_schema(statement, self._schema_of(name), "USAGE")
        if name not in self.state.owned:
            self._fail(
                "privilege",
                statement,
                f"{action} {name} needs its ownership; the role did not create it",
            )

    def _reads(self, statement: Statement, tree: exp.Expression, skip: Iterable[str]) -> None:
        skip = set(skip)
        ctes = {cte.alias_or_name.upper() for cte in tree.find_all(exp.CTE)}
        for table in tree.find_all(exp.Table):
            if table.name.startswith("@"):  # a query of staged files
                stage = table.name[1:].split("/")[0]
                self._need(statement, "STAGE", self._qualify(stage), "USAGE")
                if (file_format := table.args.get("format")) is not None:
                    self._need(statement, "FILE FORMAT", self._qualify(file_format.name), "USAGE")
                continue
            if not isinstance(table.this, exp.Identifier):
                continue  # table functions (result_scan, generator)
            if not table.args.get("db") and table.name.upper() in ctes:
                continue
            name = self._name(table)
            if name in skip or name.split(".")[1] == "INFORMATION_SCHEMA":
                continue
            self._need_schema(statement, self._schema_of(name), "USAGE")
            if name not in self.state.owned and not self.grants.has("TABLE", name, "SELECT"):
                self._fail(
                    "privilege",
                    statement,
                    f"reads {name}, which the role neither owns nor may select",
                )

    def check(self, statement: Statement) -> None:
        try:
            tree = sqlglot.parse_one(statement.sql, read="snowflake")
        except sqlglot.errors.ParseError as exc:
            self._fail("unparsed", statement, f"sqlglot cannot parse it ({exc}); teach the audit")
            return
        session = statement.session
        if isinstance(tree, exp.Transaction):
            self.state.in_transaction[session] = True
            return
        if isinstance(tree, exp.Commit | exp.Rollback):
            self.state.in_transaction[session] = False
            return
        is_session_alter = (
            isinstance(tree, exp.Alter) and str(tree.args.get("kind")).upper() == "SESSION"
        )
        if (
            isinstance(tree, _DDL)
            and not is_session_alter
            and self.state.in_transaction.get(session)
        ):
            self._fail(
                "transaction",
                statement,
                "DDL between begin and commit: Snowflake commits the open transaction before it, "
                "so the statements before it are committed whatever follows",
            )
        self._privileges(statement, tree)

    def _privileges(self, statement: Statement, tree: exp.Expression) -> None:
        if isinstance(tree, exp.Create):
            self._create(statement, tree)
        elif isinstance(tree, exp.Drop):
            kind = str(tree.args.get("kind") or "").upper()
            table = tree.find(exp.Table)
            name = self._name(table) if table is not None else "?"
            if kind in ("TABLE", "VIEW"):
                if tree.args.get("exists") and name not in self.state.owned:
                    self._need_schema(statement, self._schema_of(name), "USAGE")
                else:
                    self._need_owner(statement, name, f"drop {kind.lower()}")
            else:
                self._fail(
                    "privilege",
                    statement,
                    f"drops a {kind.lower() or 'object'}: only its owner may",
                )
        elif isinstance(tree, exp.Alter):
            kind = str(tree.args.get("kind") or "").upper()
            if kind == "SESSION":
                return
            if kind != "TABLE":
                self._fail("privilege", statement, f"alters a {kind.lower()}: only its owner may")
                return
            name = self._name(tree.this)
            self._need_owner(statement, name, "alter table")
            for action in tree.args.get("actions") or []:
                if isinstance(action, exp.SwapTable):
                    self._need_owner(statement, self._name(action.this), "swap with")
                elif isinstance(action, exp.AlterRename):
                    new = self._name(action.this)
                    self._need_schema(statement, self._schema_of(new), "CREATE TABLE")
                    self.state.owned.discard(name)
                    self.state.owned.add(new)
        elif isinstance(tree, exp.Insert | exp.Delete | exp.Update | exp.Merge | exp.TruncateTable):
            target = tree.find(exp.Table)
            name = self._name(target)
            self._need_owner(statement, name, f"{type(tree).__name__.lower()} into")
            self._reads(statement, tree, skip=[name])
        elif isinstance(tree, exp.Copy):
            name = self._name(tree.this)
            self._need_owner(statement, name, "copy into")
            for stage in re.findall(r"@([\w.]+)", statement.sql):
                stage_name = self._qualify(stage)
                self._need(statement, "STAGE", stage_name, "USAGE")
        elif isinstance(tree, exp.Use):
            kind = str(tree.args.get("kind") or "").upper()
            target = tree.this.name.upper() if tree.this is not None else ""
            if kind == "ROLE":
                if target != self.grants.role:
                    self._fail(
                        "privilege", statement, f"uses role {target}, not {self.grants.role}"
                    )
            elif kind in ("DATABASE", "WAREHOUSE"):
                self._need(statement, kind, target, "USAGE")
            elif kind == "SCHEMA":
                self._need_schema(statement, self._qualify(target), "USAGE")
        elif isinstance(tree, exp.Query | exp.Describe):
            self._reads(statement, tree, skip=[])
        elif isinstance(tree, exp.Show | exp.Set):
            return
        elif isinstance(tree, exp.Command) and _OWN_SESSIONS.fullmatch(statement.sql):
            return  # lists the user's own transactions: no privilege needed
        else:
            self._fail(
                "unknown", statement, f"a {type(tree).__name__} statement the audit does not know"
            )

    def _qualify(self, name: str) -> str:
        parts = name.upper().split(".")
        if len(parts) == 1:
            parts = [self.grants.default_namespace.split(".")[-1], *parts]
        if len(parts) == 2:
            parts = [self.grants.database, *parts]
        return ".".join(parts)

    def _create(self, statement: Statement, tree: exp.Create) -> None:
        kind = str(tree.args.get("kind") or "").upper()
        table = tree.find(exp.Table)
        if kind == "SCHEMA":  # sqlglot holds [database.]schema in the table's catalog and db
            catalog = table.args.get("catalog")
            database = catalog.name.upper() if catalog is not None else self.grants.database
            self._need(statement, "DATABASE", database, "CREATE SCHEMA")
            return
        if kind == "DATABASE":
            self._fail("privilege", statement, "creates a database: only an administrator may")
            return
        name = self._name(table)
        schema = self._schema_of(name)
        if kind in ("TABLE", "VIEW"):
            self._need_schema(statement, schema, f"CREATE {kind}")
            body = tree.args.get("expression")
            like = [
                p
                for p in (tree.args.get("properties") or exp.Properties()).expressions
                if isinstance(p, exp.LikeProperty)
            ]
            if body is not None:
                self._reads(statement, body, skip=[name])
            for prop in like:
                self._reads(statement, prop, skip=[name])
            self.state.owned.add(name)
        else:
            self._need_schema(statement, schema, f"CREATE {kind}")


def audit(
    grants: Grants,
    logins: list[Login],
    statements: list[Statement],
    query_tag_prefix: str,
    before: Iterable[list[Statement]] = (),
) -> list[Violation]:
    """Every violation of the three rules by one run's logins and statements, in order.

    ``before``: the statements of earlier runs on the same warehouse, whose tables the role
    owns (they are replayed for what they created, their violations not reported).
    """
    check = Audit(grants)
    for earlier in before:
        for statement in earlier:
            check.check(statement)
    check.violations.clear()
    check.state.in_transaction.clear()
    tags = {login.query_tag for login in logins}
    for login in logins:
        tag = login.query_tag or ""
        if not tag.startswith(query_tag_prefix) or len(tags) != 1:
            check.violations.append(
                Violation(
                    "query tag",
                    Statement(login.session, f"(login of session {login.session}, {login.client})"),
                    f"session carries QUERY_TAG {tag!r}; every session of the run must carry the "
                    f"run's one tag ({query_tag_prefix}…), seen: {sorted(map(str, tags))}",
                )
            )
    for statement in statements:
        check.check(statement)
    return check.violations


def report(violations: list[Violation]) -> str:
    return f"{len(violations)} statement(s) break Snowflake's rules:\n" + "\n".join(
        str(v) for v in violations
    )
