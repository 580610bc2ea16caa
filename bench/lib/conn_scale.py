#!/usr/bin/python3
# Connection scale against a pooler, with many real clients (lib/pg_client.py, SCRAM as app):
#   idle:  RSS the pooler spends per idle, authenticated client connection;
#   share: thousands of clients each running a few queries at once over the pooler's small
#          server pool: do all finish, and what latency do they see.
# Prints one JSON object on stdout.
import argparse
import asyncio
import json
import random
import resource
import time

import pg_client
from proc import rss_kib
from stats import nearest_rank


def raise_fd_limit():
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def app_connect(port):
    return pg_client.connect("127.0.0.1", port, "app", "app", "app")


async def connect_all(port, n, concurrency):
    """Opens n connections, at most `concurrency` handshakes at a time (a listen backlog is
    finite); returns the connections and the error messages of those that failed."""
    gate = asyncio.Semaphore(concurrency)

    async def one():
        async with gate:
            return await asyncio.wait_for(app_connect(port), 120)

    results = await asyncio.gather(*(one() for _ in range(n)), return_exceptions=True)
    conns = [r for r in results if isinstance(r, pg_client.Connection)]
    errors = [f"{type(r).__name__}: {r}" for r in results if not isinstance(r, pg_client.Connection)]
    return conns, errors


async def close_all(conns):
    await asyncio.gather(*(c.close() for c in conns), return_exceptions=True)


async def idle(args):
    warm = await app_connect(args.port)
    await warm.query("SELECT 1")
    await warm.close()
    await asyncio.sleep(1)
    before = rss_kib(args.pid)
    conns, errors = await connect_all(args.port, args.clients, args.concurrency)
    await asyncio.sleep(2)
    after = rss_kib(args.pid)
    await close_all(conns)
    return {"mode": "idle", "clients": args.clients, "connected": len(conns),
            "failed": len(errors), "first_error": errors[0] if errors else "",
            "rss_before_kib": before, "rss_after_kib": after,
            "bytes_per_client": round((after - before) * 1024 / max(1, len(conns)))}


async def share(args):
    conns, errors = await connect_all(args.port, args.clients, args.concurrency)
    latencies, failures = [], []

    async def client(conn):
        """Runs the queries; True when all of them succeeded."""
        for _ in range(args.queries):
            aid = random.randint(1, 100000 * args.scale)
            began = time.perf_counter()
            try:
                await asyncio.wait_for(
                    conn.query(f"SELECT abalance FROM pgbench_accounts WHERE aid = {aid}"), 120)
            except Exception as e:  # every failure counts, whatever its kind
                failures.append(f"{type(e).__name__}: {e}")
                return False
            latencies.append((time.perf_counter() - began) * 1000)
        return True

    began = time.perf_counter()
    finished = sum(await asyncio.gather(*(client(c) for c in conns)))
    elapsed = time.perf_counter() - began
    await close_all(conns)
    latencies.sort()
    return {"mode": "share", "clients": args.clients, "connected": len(conns),
            "connect_failed": len(errors), "queries_ok": len(latencies),
            "queries_expected": args.clients * args.queries,
            "query_failed": len(failures), "all_finished": finished == args.clients,
            "first_error": (errors + failures)[0] if errors or failures else "",
            "seconds": round(elapsed, 2), "qps": round(len(latencies) / elapsed) if elapsed else None,
            "p50_ms": round(nearest_rank(latencies, 50), 2) if latencies else None,
            "p99_ms": round(nearest_rank(latencies, 99), 2) if latencies else None,
            "max_ms": round(latencies[-1], 2) if latencies else None,
            "clients_finished": finished}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["idle", "share"])
    p.add_argument("--target", default="", help="name to put in the result")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--clients", type=int, required=True)
    p.add_argument("--concurrency", type=int, default=100, help="handshakes in flight at once")
    p.add_argument("--pid", type=int, help="idle: the pooler whose RSS is measured")
    p.add_argument("--queries", type=int, default=5, help="share: queries per client")
    p.add_argument("--scale", type=int, default=1, help="share: pgbench scale (aid range)")
    args = p.parse_args()
    raise_fd_limit()
    result = asyncio.run(idle(args) if args.mode == "idle" else share(args))
    print(json.dumps({"target": args.target, **result}))


if __name__ == "__main__":
    main()
