#!/usr/bin/python3
# Records real PostgreSQL 15 sessions byte for byte, for the decoding tests in
# tests/protocol/captured_test.cpp. Run once; the .txt files next to it are its output.
#
# How they were captured (PostgreSQL 15.20, libpq/psql 15, asyncpg, psycopg2 on Debian 12):
#   a scratch server on 127.0.0.1:25540 with pg_hba
#       host all postgres 127.0.0.1/32 trust
#       host all md5user  127.0.0.1/32 md5
#       host all all      127.0.0.1/32 scram-sha-256
#   roles: app/app (SCRAM verifier, owns database app), md5user/secret (stored as MD5).
#   /usr/bin/python3 capture.py 25540 .   (Debian python3-asyncpg and python3-psycopg2)
# A relay on a free port sits between each client and the server and writes every chunk it
# forwards, in order, as "F <hex>" (frontend to backend) or "B <hex>" (backend to frontend),
# one file per scenario, "# connection N" before each connection. pg15_authid.txt holds the
# stored passwords of the two roles.
import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time

UPSTREAM = int(sys.argv[1])
OUT = sys.argv[2]


class Relay:
    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.lines = []
        self.lock = threading.Lock()
        self.connections = 0
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            client, _ = self.sock.accept()
            server = socket.create_connection(("127.0.0.1", UPSTREAM))
            with self.lock:
                self.connections += 1
                n = self.connections
            for src, dst, tag in ((client, server, "F"), (server, client, "B")):
                threading.Thread(target=self.pump, args=(n, src, dst, tag), daemon=True).start()

    def pump(self, n, src, dst, tag):
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if not data:
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                return
            with self.lock:
                self.lines.append((n, f"{tag} {data.hex()}"))
            dst.sendall(data)

    def save(self, name):
        time.sleep(0.5)   # let the last chunks through
        with self.lock, open(os.path.join(OUT, name + ".txt"), "w") as f:
            f.write(f"# {name}: captured from PostgreSQL 15 by capture.py\n")
            last = None
            for n, line in self.lines:
                if n != last:
                    f.write(f"# connection {n}\n")
                    last = n
                f.write(line + "\n")


def psql(relay, user, password, *commands):
    env = dict(os.environ, PGPASSWORD=password)
    args = ["psql", "-X", "-v", "ON_ERROR_STOP=0",
            f"host=127.0.0.1 port={relay.port} user={user} dbname=app sslmode=disable gssencmode=disable"]
    for c in commands:
        args += ["-c", c]
    subprocess.run(args, env=env, check=False, capture_output=True)


def simple_session():
    r = Relay()
    psql(r, "app", "app",
         "SELECT 1 AS one, NULL::text AS nothing, 'héllo'::text AS word",
         "SELECT * FROM no_such_table",
         "DO $$BEGIN RAISE NOTICE 'hello notice'; END$$",
         ";",
         "LISTEN chan; NOTIFY chan, 'payload'",
         "BEGIN",
         "SELECT 1/0",
         "ROLLBACK",
         "COPY (SELECT g, 'row ' || g FROM generate_series(1,3) g) TO STDOUT",
         "\\lo_import /etc/hostname")
    r.save("pg15_simple")


def copy_in_session():
    r = Relay()
    env = dict(os.environ, PGPASSWORD="app")
    script = "CREATE TEMP TABLE t(a int, b text);\nCOPY t FROM STDIN;\n1\tone\n2\ttwo\n\\.\nSELECT count(*) FROM t;\n"
    subprocess.run(["psql", "-X", f"host=127.0.0.1 port={r.port} user=app dbname=app sslmode=disable gssencmode=disable"],
                   input=script.encode(), env=env, capture_output=True, check=False)
    r.save("pg15_copy_in")


def md5_session():
    r = Relay()
    psql(r, "md5user", "secret", "SELECT current_user")
    psql(r, "md5user", "wrong", "SELECT 1")
    r.save("pg15_md5")


def extended_session():
    import asyncpg
    r = Relay()

    async def run():
        conn = await asyncpg.connect(host="127.0.0.1", port=r.port, user="app", password="app",
                                     database="app", ssl=False)
        await conn.fetchval("SELECT $1::int + 1", 41)
        stmt = await conn.prepare("SELECT $1::text || $2::text AS joined")
        await stmt.fetch("a", None)
        try:
            await conn.execute("SELEC broken")
        except asyncpg.PostgresError:
            pass
        await conn.close()
    asyncio.run(run())
    r.save("pg15_extended")


def cancel_session():
    # psql's SIGINT handler sends a CancelRequest on a second connection.
    r = Relay()
    env = dict(os.environ, PGPASSWORD="app")
    p = subprocess.Popen(["psql", "-X", f"host=127.0.0.1 port={r.port} user=app dbname=app sslmode=disable gssencmode=disable",
                          "-c", "SELECT pg_sleep(10)"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    p.send_signal(signal.SIGINT)
    p.wait()
    r.save("pg15_cancel")


def wrong_password_session():
    r = Relay()
    psql(r, "app", "wrong", "SELECT 1")
    r.save("pg15_scram_wrong")


def authid():
    # The stored passwords the sessions above were checked against.
    out = subprocess.run(["psql", "-X", "-At", f"host=127.0.0.1 port={UPSTREAM} user=postgres dbname=postgres",
                          "-c", "SELECT rolname || ' ' || rolpassword FROM pg_authid "
                                "WHERE rolname IN ('app', 'md5user') ORDER BY 1"],
                         capture_output=True, check=True, text=True).stdout
    with open(os.path.join(OUT, "pg15_authid.txt"), "w") as f:
        f.write("# pg_authid.rolpassword of the capture server: app/app (SCRAM), md5user/secret (MD5)\n")
        f.write(out)


for scenario in (authid, simple_session, copy_in_session, md5_session, extended_session, cancel_session,
                 wrong_password_session):
    scenario()
