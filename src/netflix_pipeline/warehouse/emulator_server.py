"""The local emulator's server process: fakesnow's HTTP app, optionally with a statement log.

    python -m netflix_pipeline.warehouse.emulator_server --port 8123 [--statement-log FILE]

The server receives every statement of every client of a run (the pipeline's connector, dbt,
Snowpark), so it is the one place where all of them can be seen. With ``--statement-log`` (or
``EMULATOR_STATEMENT_LOG``, read by :class:`.emulator.Emulator`), it appends one JSON line per
event:

* ``{"event": "login", "session": N, "query_tag": …, "client": …, "at": …}`` for each new
  session;
* ``{"event": "query", "session": N, "sql": …, "rows": …, "ok": …, "status": …, "seconds": …,
  "at": …}`` for each statement, with the number of rows its result carried back to the
  client, the HTTP status of the answer (a server error is retried by the connector, so a run
  that meets one still succeeds, a second later) and the time the server took to answer;
  ``describe_only`` when the client only asked for the result's columns (Snowpark does, to
  learn a DataFrame's schema).

``at`` is the wall-clock time (Unix seconds) the request arrived, to place it among a run's log
lines.

The tests read it to check what a run sent to the warehouse and what came back.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import gzip
import json
import os
import re
import threading
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

# Tests only: a file holding a pattern of statements to hold (see Stall).
STALL_ENV = "EMULATOR_STALL_FILE"
LOGIN_PATH = "/session/v1/login-request"
QUERY_PATH = "/queries/v1/query-request"

# Where a client polls for the result of a statement that is still running (see InProgress).
RESULT_PATH = re.compile(r"/queries/([0-9a-f-]+)/result")
# Within how long a query request is answered, with the result or with "in progress" (see
# InProgress); the connector stops reading after 60 s (its socket timeout).
ANSWER_WITHIN_SECONDS = 30.0

# Snowflake's atomic exchange of two tables, which fakesnow cannot parse (see SwapWith).
_SWAP = re.compile(r"\s*alter\s+table\s+([\w.$\"]+)\s+swap\s+with\s+([\w.$\"]+)\s*;?\s*", re.I)


def _json(body: bytes, gzipped: bool) -> Any:
    try:
        return json.loads(gzip.decompress(body) if gzipped else body)
    except (OSError, ValueError):
        return None


class StatementLog:
    """ASGI middleware: records logins and statements, and hands everything on unchanged."""

    def __init__(self, app: Any, path: Path) -> None:
        self.app = app
        self.path = path
        self._lock = threading.Lock()
        self._sessions: dict[str, int] = {}  # session token -> number, in login order

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or scope.get("path") not in (LOGIN_PATH, QUERY_PATH):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        response: list[bytes] = []
        status: list[int] = []

        async def capture(message: dict) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message.get("status", 0)))
            elif message["type"] == "http.response.body":
                response.append(message.get("body", b""))
            await send(message)

        arrived = time.time()
        started = time.monotonic()
        try:
            await self.app(scope, _replay(body, receive), capture)
        finally:  # a server error is answered (500), then raised: it is recorded too
            seconds = time.monotonic() - started
            headers = {
                k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]
            }
            request = _json(body, headers.get("content-encoding") == "gzip")
            response_json = _json(b"".join(response), False)
            answer = (status[0] if status else 0, response_json)
            self._record(scope["path"], headers, request, answer, seconds, arrived)

    def _record(
        self,
        path: str,
        headers: dict,
        request: Any,
        answer: tuple[int, Any],
        seconds: float,
        at: float,
    ) -> None:
        http_status, response = answer
        data = (response or {}).get("data") or {}
        if path == LOGIN_PATH:
            params = ((request or {}).get("data") or {}).get("SESSION_PARAMETERS") or {}
            token = data.get("token")
            with self._lock:
                number = self._sessions.setdefault(token, len(self._sessions) + 1)
            event = {
                "event": "login",
                "session": number,
                "query_tag": params.get("QUERY_TAG"),
                "client": ((request or {}).get("data") or {}).get("CLIENT_APP_ID"),
                "at": round(at, 3),
            }
        else:
            token = headers.get("authorization", "")[17:-1]  # Snowflake Token="…"
            event = {
                "event": "query",
                "session": self._sessions.get(token),
                "sql": (request or {}).get("sqlText"),
                "rows": data.get("total"),
                "ok": bool((response or {}).get("success")),
                "status": http_status,
                "seconds": round(seconds, 4),
                "at": round(at, 3),
            }
            if (request or {}).get("describeOnly"):
                event["describe_only"] = True
        line = json.dumps(event) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as fh:
            fh.write(line)


class InProgress:
    """ASGI middleware: a long statement is answered "in progress", as Snowflake answers it.

    Snowflake answers a query request within about 45 seconds: with the result, or with code
    ``333333`` ("in progress") and a URL where the client asks again (``GET
    /queries/<id>/result``) until the result is there. fakesnow holds the request until the
    statement ends, and the connector stops reading after 60 seconds (its socket timeout) and
    sends the statement again, in the same session, while the first still runs: any statement
    over a minute (the COPY of 320M ratings) fails there with DuckDB's "connection is busy".
    So here every statement runs in a task of its own, and a request that waits for it longer
    than ``answer_within`` seconds is answered "in progress". A client that goes away while it
    waits abandons the statement: the layers below see it disconnect (see Stall).
    """

    def __init__(self, app: Any, answer_within: float = ANSWER_WITHIN_SECONDS) -> None:
        self.app = app
        self.answer_within = answer_within
        self._running: dict[str, _Running] = {}  # query id -> its statement, still unanswered

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        path = scope.get("path") if scope.get("type") == "http" else None
        if path == QUERY_PATH:
            running = _Running(await _read_body(receive))
            running.task = asyncio.ensure_future(self.app(scope, running.receive, running.capture))
            await self._answer(str(uuid.uuid4()), running, receive, send)
        elif path and (m := RESULT_PATH.fullmatch(path)) and m[1] in self._running:
            await _read_body(receive)
            await self._answer(m[1], self._running.pop(m[1]), receive, send)
        else:
            await self.app(scope, receive, send)

    async def _answer(self, query_id: str, running: _Running, receive: Any, send: Any) -> None:
        task = running.task
        gone = asyncio.ensure_future(receive())  # once the request is read: its disconnect
        await asyncio.wait(
            {task, gone}, timeout=self.answer_within, return_when=asyncio.FIRST_COMPLETED
        )
        gone.cancel()
        if task.done():
            await task  # the app's own error, if it failed
            for message in running.messages:
                await send(message)
        elif gone.done() and not gone.cancelled():  # the client went away
            running.abandoned.set()
        else:
            self._running[query_id] = running
            answer = {
                "code": "333333",
                "message": "query in progress",
                "success": True,
                "data": {"queryId": query_id, "getResultUrl": f"/queries/{query_id}/result"},
            }
            body = json.dumps(answer).encode()
            headers = [(b"content-type", b"application/json")]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})


class _Running:
    """A statement InProgress runs: its request's body, the messages of its answer, and
    whether its client abandoned it."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.messages: list[dict] = []
        self.abandoned = asyncio.Event()
        self.task: Any = None
        self._sent = False

    async def receive(self) -> dict:
        if not self._sent:
            self._sent = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        await self.abandoned.wait()
        return {"type": "http.disconnect"}

    async def capture(self, message: dict) -> None:
        self.messages.append(message)


class SwapWith:
    """ASGI middleware: ``alter table A swap with B`` done with statements fakesnow has.

    Snowflake exchanges two tables in one statement, atomically; fakesnow cannot parse it. The
    emulator's database (DuckDB) makes DDL transactional, so three renames between ``begin`` and
    ``commit`` do the same there. Clients send Snowflake's statement, as they do in production,
    and the statement log records that statement.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or scope.get("path") != QUERY_PATH:
            await self.app(scope, receive, send)
            return
        body, request = await _read_request(scope, receive)
        match = _SWAP.fullmatch(request.get("sqlText") or "")
        if not match:
            await self.app(scope, _replay(body, receive), send)
            return
        a, b = match[1], match[2]
        parked = f"{a}__SWAPPING"
        statements = [  # the last rename's answer is the swap's
            "begin",
            f"alter table {a} rename to {parked}",
            f"alter table {b} rename to {a}",
            f"alter table {parked} rename to {b}",
            "commit",
        ]
        result: tuple[int, list, bytes] = (500, [], b"")
        for sql in statements[:-1]:
            result = await _call(self.app, scope, request, sql)
            status, _, response = result
            if status != 200 or not (_json(response, False) or {}).get("success"):
                if sql != "begin":
                    await _call(self.app, scope, request, "rollback")
                break
        else:
            await _call(self.app, scope, request, statements[-1])
        await _send(send, *result)


class StagedFiles:
    """ASGI middleware: queries of staged Parquet files, which fakesnow reads only in COPY INTO.

    Snowflake queries the files at a stage like a table (``select $1:COL from @stage/path
    (file_format => 'fmt') where …``); a ``COPY INTO`` cannot filter rows, so the load inserts
    the clean rows of a landed file that way. fakesnow cannot parse it. The emulator's stages
    are local folders (``file://``): the stage reference becomes DuckDB's ``read_parquet`` of
    the file, and each ``$1:<name>`` the file's column of that name. Parquet only, the one
    format the run stages. A stage that does not exist is left to fakesnow, which refuses the
    statement. The statement log records the statement as the client sent it.
    """

    _READS_STAGE = re.compile(r"\bfrom\s+@", re.I)
    _COPY = re.compile(r"\s*copy\b", re.I)

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or scope.get("path") != QUERY_PATH:
            await self.app(scope, receive, send)
            return
        body, request = await _read_request(scope, receive)
        sql = request.get("sqlText") or ""
        reads_stage = self._READS_STAGE.search(sql) and not self._COPY.match(sql)
        local = await self._rewritten(scope, request, sql) if reads_stage else None
        if local is None:
            await self.app(scope, _replay(body, receive), send)
            return
        await _answer(self.app, scope, request, local, send)

    async def _rewritten(self, scope: dict, request: dict, sql: str) -> str | None:
        """``sql`` with its staged files read locally; None when it names no known stage."""
        import sqlglot
        from sqlglot import exp

        try:
            tree = sqlglot.parse_one(sql, read="snowflake")
        except sqlglot.errors.ParseError:
            return None
        staged = [
            t
            for t in tree.find_all(exp.Table)
            if isinstance(t.this, exp.Var) and t.name.startswith("@")
        ]
        for table in staged:
            stage, _, path = table.name[1:].partition("/")
            folder = await self._stage_folder(scope, request, stage)
            if folder is None:
                return None
            reader = exp.ReadParquet(expressions=[exp.Literal.string(str(folder / path))])
            table.replace(exp.Table(this=reader, alias=table.args.get("alias")))
        dollar1 = exp.Parameter(this=exp.Literal.number(1))
        for extract in list(tree.find_all(exp.JSONExtract)):
            keys = extract.expression.expressions if extract.expression else []
            if extract.this == dollar1 and len(keys) == 2 and isinstance(keys[1], exp.JSONPathKey):
                extract.replace(exp.column(keys[1].this, quoted=True))
        return tree.sql(dialect="snowflake")

    async def _stage_folder(self, scope: dict, request: dict, stage: str) -> Path | None:
        """The local folder behind ``[schema.]stage`` (as the session names it)."""
        *schema, name = stage.split(".")
        where = f" in schema {'.'.join(schema)}" if schema else ""
        status, _, response = await _call(
            self.app, scope, request, f"show stages like '{name}'{where}"
        )
        rows = _result_rows(response) if status == 200 else []
        urls = [row["url"] for row in rows if str(row.get("name", "")).upper() == name.upper()]
        if not urls or not str(urls[0]).startswith("file://"):
            return None
        return Path(urllib.parse.urlparse(urls[0]).path)


def _result_rows(response: bytes) -> list[dict]:
    """The rows of a query's answer (JSON or Arrow), as dicts by column name."""
    data = (_json(response, False) or {}).get("data") or {}
    if data.get("rowsetBase64"):
        import pyarrow as pa

        stream = pa.ipc.open_stream(base64.b64decode(data["rowsetBase64"]))
        return stream.read_all().to_pylist()
    names = [column["name"].lower() for column in data.get("rowtype") or []]
    return [dict(zip(names, row, strict=False)) for row in data.get("rowset") or []]


class Transactions:
    """ASGI middleware: Snowflake's ``show transactions`` and ``system$abort_transaction``.

    A client that dies inside a transaction (SIGKILL) leaves it open, holding its tables; on
    Snowflake the next run lists its user's open transactions and aborts the dead ones (the
    lease says no other run is alive). fakesnow has neither statement, so this middleware
    follows each session's ``begin``/``commit``/``rollback``, answers ``show transactions``
    with the open ones (columns ``id``, ``session``, ``state``; the id is the session's
    number) and aborts one by rolling back its session.
    """

    _SHOW = re.compile(r"\s*show\s+transactions\s*;?\s*", re.I)
    _ABORT = re.compile(r"\s*select\s+system\$abort_transaction\((\d+)\)\s*;?\s*", re.I)
    _BEGIN = re.compile(r"\s*(begin|start\s+transaction)\b", re.I)
    _END = re.compile(r"\s*(commit|rollback)\b", re.I)

    def __init__(self, app: Any) -> None:
        self.app = app
        self._numbers: dict[bytes, int] = {}  # authorization header -> session number
        self._open: dict[int, bytes] = {}  # session number -> its authorization header

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or scope.get("path") != QUERY_PATH:
            await self.app(scope, receive, send)
            return
        body, request = await _read_request(scope, receive)
        auth = dict(scope["headers"]).get(b"authorization", b"")
        number = self._numbers.setdefault(auth, len(self._numbers) + 1)
        sql = request.get("sqlText") or ""
        if self._SHOW.fullmatch(sql):
            rows = ", ".join(f"({n}, '{n}', 'running')" for n in sorted(self._open))
            sql = (
                f'select * from (values {rows}) as t("id", "session", "state")'
                if rows
                else 'select 0 as "id", \'\' as "session", \'\' as "state" where false'
            )
            await _answer(self.app, scope, request, sql, send)
            return
        if m := self._ABORT.fullmatch(sql):
            tid = int(m[1])
            if (other := self._open.pop(tid, None)) is not None:
                other_scope = {
                    **scope,
                    "headers": [
                        (k, other if k == b"authorization" else v) for k, v in scope["headers"]
                    ],
                }
                await _call(self.app, other_scope, request, "rollback")
            await _answer(self.app, scope, request, f"select 'Aborted transaction id: {tid}'", send)
            return
        if self._BEGIN.match(sql):
            self._open[number] = auth
        elif self._END.match(sql):
            self._open.pop(number, None)
        await self.app(scope, _replay(body, receive), send)


class Stall:
    """ASGI middleware for tests: hold the statements that match a pattern, as a slow warehouse
    would, so that a test can interrupt a run while it waits for one.

    The pattern is read, for each statement, from the file ``EMULATOR_STALL_FILE`` names
    (empty or missing: nothing is held). A held statement is announced by appending its text to
    ``<file>.hit``. It runs after ``seconds``, or never if it is cancelled first, as Snowflake
    cancels a statement: its client went away, or sent another request in the same session
    (a client waits for one statement at a time, so it abandoned that one).
    """

    def __init__(self, app: Any, path: Path, seconds: float = 60.0) -> None:
        self.app = app
        self.path = path
        self.seconds = seconds
        self._held: dict[bytes, Any] = {}  # authorization header -> the held statement's event

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        auth = headers.get(b"authorization", b"")
        if (held := self._held.pop(auth, None)) is not None:
            held.set()  # the session moved on: its held statement is cancelled
        if scope.get("path") != QUERY_PATH:
            await self.app(scope, receive, send)
            return
        body, request = await _read_request(scope, receive)
        sql = request.get("sqlText") or ""
        try:
            pattern = self.path.read_text(encoding="utf-8").strip()
        except OSError:
            pattern = ""
        held = pattern and re.search(pattern, sql)
        if held and await self._held_until_cancelled(auth, sql, receive):
            return
        await self.app(scope, _replay(body, receive), send)

    async def _held_until_cancelled(self, auth: bytes, sql: str, receive: Any) -> bool:
        with Path(f"{self.path}.hit").open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"sql": sql, "at": time.time()}) + "\n")
        cancelled = self._held[auth] = asyncio.Event()
        disconnect = asyncio.ensure_future(receive())
        moved_on = asyncio.ensure_future(cancelled.wait())
        done, pending = await asyncio.wait(
            {disconnect, moved_on}, timeout=self.seconds, return_when=asyncio.FIRST_COMPLETED
        )
        for task in pending:
            task.cancel()
        if self._held.get(auth) is cancelled:
            del self._held[auth]
        return bool(done)


def table_functions_need_no_schema(checks: Any) -> None:
    """A table function in ``from`` needs no current schema, as on Snowflake.

    fakesnow refuses a statement whose tables are not qualified with a schema when the session
    has none, and counts a table function (``read_parquet(…)``, which :class:`StagedFiles`
    puts where the staged file was named) among them. Snowflake asks no schema of a staged file
    named with its stage's schema, nor of a table function.
    """
    missing = checks._missing_qualifiers

    def _missing_qualifiers(node: Any) -> tuple[bool, bool]:
        if isinstance(node.this, checks.exp.Func):
            return False, False
        return missing(node)

    checks._missing_qualifiers = _missing_qualifiers


def describe_from_results(cursor_class: Any) -> None:
    """Describe each result by the columns DuckDB returned it with, not by running it again.

    fakesnow answers every statement with its result's columns, which it learns by parsing
    ``DESCRIBE <the statement>`` and running that: a third parse and a second execution per
    statement, about a third of the server's time in a dbt build. DuckDB already knows them
    when the statement has run (its cursor's ``description``, which names the types exactly as
    ``DESCRIBE`` does). A ``result_scan``, answered from fakesnow's cache of earlier results
    without running anything, is described as before.
    """
    execute, describe = cursor_class._execute, cursor_class._describe_last_sql

    def _execute(self: Any, transformed: Any, params: Any = None) -> None:
        self._described_result = None
        execute(self, transformed, params)
        columns = self._duck_conn.description
        if columns is not None and not transformed.args.get("result_scan_sfqid"):
            self._described_result = [
                (name, str(kind), "YES", None, None, None) for name, kind, *_ in columns
            ]

    def _describe_last_sql(self: Any) -> list:
        rows = getattr(self, "_described_result", None)
        return list(rows) if rows is not None else describe(self)

    cursor_class._execute = _execute
    cursor_class._describe_last_sql = _describe_last_sql


async def _call(app: Any, scope: dict, request: dict, sql: str) -> tuple[int, list, bytes]:
    """Send ``sql`` to ``app`` in the session of ``scope``; its status, headers and body."""
    body = json.dumps({**request, "sqlText": sql}).encode()
    headers = [
        (k, v)
        for k, v in scope["headers"]
        if k.lower() not in (b"content-length", b"content-encoding")
    ] + [(b"content-length", str(len(body)).encode())]
    sub_scope = {**scope, "headers": headers}
    start: dict = {}
    chunks: list[bytes] = []

    async def capture(message: dict) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(sub_scope, _replay(body, None), capture)
    return start.get("status", 500), start.get("headers", []), b"".join(chunks)


async def _read_request(scope: dict, receive: Any) -> tuple[bytes, dict]:
    """A query request's body, and the request it holds (empty when it is not JSON)."""
    body = await _read_body(receive)
    gzipped = dict(scope["headers"]).get(b"content-encoding") == b"gzip"
    return body, _json(body, gzipped) or {}


async def _answer(app: Any, scope: dict, request: dict, sql: str, send: Any) -> None:
    """Answer the client's request with ``app``'s answer to ``sql`` in the same session."""
    await _send(send, *await _call(app, scope, request, sql))


async def _send(send: Any, status: int, headers: list, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Any) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes, receive: Any):
    """An ASGI receive that hands ``body`` once. The app reads it once; afterwards only a
    disconnect can come: the client's (``receive``), or at once for a request made here."""
    sent = False

    async def replay() -> dict:
        nonlocal sent
        if sent:
            return await receive() if receive is not None else {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--statement-log", type=Path, help="append logins and statements here")
    parser.add_argument(
        "--spill-dir", type=Path, help="where DuckDB moves what is over its memory limit"
    )
    parser.add_argument("--memory-limit", help="DuckDB's memory limit (e.g. 1GB)")
    parser.add_argument("--threads", type=int, help="DuckDB's threads (default: all cores)")
    parser.add_argument(
        "--answer-within",
        type=float,
        default=ANSWER_WITHIN_SECONDS,
        help="answer a statement still running after this many seconds 'in progress' "
        f"(default {ANSWER_WITHIN_SECONDS:g})",
    )
    args = parser.parse_args(argv)

    import importlib

    import uvicorn

    server = importlib.import_module("fakesnow.server")  # the module (fakesnow.server is also
    # the name of a function in fakesnow's package)
    describe_from_results(importlib.import_module("fakesnow.cursor").FakeSnowflakeCursor)
    table_functions_need_no_schema(importlib.import_module("fakesnow.checks"))

    # The databases are in memory (fakesnow's one instance, shared by every session), up to
    # the memory limit: beyond it DuckDB moves blocks of its tables, not only of its queries,
    # to files in the spill folder, so the emulator's memory does not grow with the data. (A
    # database file would bound it too, but every commit of a run's hundreds of statements
    # then writes through to disk: slower at every size. fakesnow's FAKESNOW_DB_PATH session
    # parameter would also give each session an instance of its own.)
    if args.spill_dir:
        args.spill_dir.mkdir(parents=True, exist_ok=True)
        server.shared_fs.duck_conn.execute(f"SET temp_directory = '{args.spill_dir}'")
    if args.memory_limit:
        server.shared_fs.duck_conn.execute(f"SET memory_limit = '{args.memory_limit}'")
    if args.threads:
        server.shared_fs.duck_conn.execute(f"SET threads = {int(args.threads)}")
    app = server.app

    app = Transactions(SwapWith(StagedFiles(app)))
    if stall := os.environ.get(STALL_ENV):
        app = Stall(app, Path(stall))
    if args.statement_log:
        args.statement_log.parent.mkdir(parents=True, exist_ok=True)
        app = StatementLog(app, args.statement_log)
    app = InProgress(app, args.answer_within)
    # What the imports made lives as long as the server: the garbage collector need not go
    # over it again at every full collection (0.1 s each, during the run's statements).
    gc.freeze()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
