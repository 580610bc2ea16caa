# A minimal asyncio PostgreSQL client for the connection-scale runs: startup, SCRAM-SHA-256
# (or md5, or clear text) and simple queries. Light enough to hold 10,000 connections in one
# process; the salted password is derived once per salt, so a handshake costs microseconds of
# client CPU instead of a 4096-round PBKDF2 each (the pooler's side of the work is unchanged).
import asyncio
import base64
import functools
import hashlib
import hmac
import os
import struct


class PgError(Exception):
    def __init__(self, fields):
        self.sqlstate = fields.get("C", "")
        super().__init__(f"{fields.get('S', 'ERROR')} {self.sqlstate}: {fields.get('M', '')}")


def error_fields(body):
    fields = {}
    for part in body.split(b"\0"):
        if part:
            fields[chr(part[0])] = part[1:].decode(errors="replace")
    return fields


@functools.lru_cache(maxsize=16)
def salted_password(password, salt, iterations):
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)


def hmac256(key, msg):
    return hmac.new(key, msg, hashlib.sha256).digest()


class Connection:
    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    async def message(self):
        header = await self.reader.readexactly(5)
        kind, length = header[:1], struct.unpack("!i", header[1:])[0]
        return kind, await self.reader.readexactly(length - 4)

    def send(self, kind, body):
        self.writer.write(kind + struct.pack("!i", len(body) + 4) + body)

    async def expect_auth(self):
        kind, body = await self.message()
        if kind == b"E":
            raise PgError(error_fields(body))
        if kind != b"R":
            raise PgError({"M": f"expected an authentication request, got {kind!r}"})
        return struct.unpack("!i", body[:4])[0], body[4:]

    async def scram(self, password):
        nonce = base64.b64encode(os.urandom(18)).decode()
        first_bare = f"n=,r={nonce}"
        first = ("n,," + first_bare).encode()
        self.send(b"p", b"SCRAM-SHA-256\0" + struct.pack("!i", len(first)) + first)
        await self.writer.drain()
        code, server_first = await self.expect_auth()
        if code != 11:
            raise PgError({"M": f"expected SASLContinue, got authentication code {code}"})
        attrs = dict(kv.split("=", 1) for kv in server_first.decode().split(","))
        salted = salted_password(password, base64.b64decode(attrs["s"]), int(attrs["i"]))
        client_key = hmac256(salted, b"Client Key")
        final_bare = f"c=biws,r={attrs['r']}"
        auth_message = f"{first_bare},{server_first.decode()},{final_bare}".encode()
        signature = hmac256(hashlib.sha256(client_key).digest(), auth_message)
        proof = bytes(a ^ b for a, b in zip(client_key, signature))
        self.send(b"p", f"{final_bare},p={base64.b64encode(proof).decode()}".encode())
        await self.writer.drain()
        code, _ = await self.expect_auth()
        if code != 12:
            raise PgError({"M": f"expected SASLFinal, got authentication code {code}"})

    async def authenticate(self, user, password):
        code, data = await self.expect_auth()
        if code == 10:
            await self.scram(password)
            code, data = await self.expect_auth()
        elif code in (3, 5):
            if code == 5:
                inner = hashlib.md5((password + user).encode()).hexdigest()
                secret = "md5" + hashlib.md5(inner.encode() + data[:4]).hexdigest()
            else:
                secret = password
            self.send(b"p", secret.encode() + b"\0")
            await self.writer.drain()
            code, data = await self.expect_auth()
        if code != 0:
            raise PgError({"M": f"authentication failed (code {code})"})
        await self.until_ready()

    async def until_ready(self):
        """Reads up to ReadyForQuery; raises the first ErrorResponse seen on the way."""
        error = None
        while True:
            kind, body = await self.message()
            if kind == b"E" and error is None:
                error = PgError(error_fields(body))
            elif kind == b"Z":
                break
        if error:
            raise error

    async def query(self, sql):
        self.send(b"Q", sql.encode() + b"\0")
        await self.writer.drain()
        await self.until_ready()

    async def close(self):
        try:
            self.send(b"X", b"")
            await self.writer.drain()
        except OSError:
            pass
        self.writer.close()


async def connect(host, port, user, password, database):
    reader, writer = await asyncio.open_connection(host, port)
    conn = Connection(reader, writer)
    try:
        params = f"user\0{user}\0database\0{database}\0application_name\0pgsteer-bench\0\0".encode()
        writer.write(struct.pack("!ii", len(params) + 8, 196608) + params)
        await writer.drain()
        await conn.authenticate(user, password)
    except BaseException:
        writer.close()
        raise
    return conn
