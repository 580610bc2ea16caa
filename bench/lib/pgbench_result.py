#!/usr/bin/python3
# One pgbench run turned into one row of raw.csv: TPS, average and p99 latency (from the
# per-transaction logs, which it then deletes), failures and errors, the pooler's CPU per txn.
import argparse
import csv
import glob
import os
import re

from stats import nearest_rank

FIELDS = ["target", "workload", "clients", "round", "status", "tps", "lat_avg_ms", "lat_p99_ms",
          "txns", "failed_txns", "errors", "cpu_s", "cpu_us_per_txn", "note"]


def number(pattern, text, cast=float):
    m = re.search(pattern, text, re.M)
    return cast(m.group(1)) if m else None


def parse_output(text):
    """The figures pgbench prints at the end of a run (PostgreSQL 15 wording)."""
    return {
        "tps": number(r"^tps = ([0-9.]+)", text),
        "lat_avg_ms": number(r"^latency average = ([0-9.]+) ms", text),
        "txns": number(r"^number of transactions actually processed: (\d+)", text, int),
        "failed_txns": number(r"^number of failed transactions: (\d+)", text, int),
    }


def error_lines(text):
    return [l for l in text.splitlines() if l.startswith(("pgbench: error:", "pgbench: fatal:"))]


def p99_ms(log_prefix):
    """Nearest-rank 99th percentile of the per-transaction latencies (column 3, in µs) over every
    thread's log; failed or skipped transactions have a word there instead and are not counted."""
    lat = []
    for path in glob.glob(glob.escape(log_prefix) + ".*"):
        with open(path) as f:
            for line in f:
                cols = line.split()
                if len(cols) >= 3 and cols[2].isdigit():
                    lat.append(int(cols[2]))
        os.remove(path)
    lat.sort()
    p99 = nearest_rank(lat, 99)
    return None if p99 is None else p99 / 1000.0


def status_of(rc, errors):
    if rc in (124, 137):
        return "timeout"
    return "ok" if rc == 0 and not errors else "error"


def skipped_row(args):
    return {"target": args.target, "workload": args.workload, "clients": args.clients,
            "round": args.round, "status": "skipped", "note": args.skipped}


def row(args):
    with open(args.output, errors="replace") as f:
        text = f.read()
    figures = parse_output(text)
    errors = error_lines(text)
    status = status_of(args.rc, errors)
    cpu = (args.cpu_after - args.cpu_before
           if args.cpu_before is not None and args.cpu_after is not None else None)
    txns = figures["txns"]
    return {
        "target": args.target, "workload": args.workload, "clients": args.clients,
        "round": args.round, "status": status,
        "tps": figures["tps"] if status == "ok" else None,
        "lat_avg_ms": figures["lat_avg_ms"], "lat_p99_ms": p99_ms(args.log_prefix),
        "txns": txns, "failed_txns": figures["failed_txns"], "errors": len(errors),
        "cpu_s": cpu,
        "cpu_us_per_txn": round(cpu / txns * 1e6, 1) if cpu is not None and txns else None,
        "note": (errors[0][:200] if errors else
                 f"pgbench exit {args.rc}" if status != "ok" else ""),
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--csv", required=True, help="raw.csv to append to (header written if new)")
    p.add_argument("--skipped", help="not run, for this reason (no other figures then)")
    p.add_argument("--output", help="pgbench stdout+stderr")
    p.add_argument("--log-prefix", help="pgbench --log-prefix")
    p.add_argument("--rc", type=int)
    p.add_argument("--cpu-before", type=float)
    p.add_argument("--cpu-after", type=float)
    for name in ("target", "workload", "clients", "round"):
        p.add_argument("--" + name, required=True)
    args = p.parse_args()
    if args.skipped:
        r = skipped_row(args)
    elif args.output and args.log_prefix and args.rc is not None:
        r = row(args)
    else:
        p.error("either --skipped, or --output, --log-prefix and --rc")
    new = not os.path.exists(args.csv)
    with open(args.csv, "a", newline="") as f:
        w = csv.DictWriter(f, FIELDS)
        if new:
            w.writeheader()
        w.writerow({k: ("" if r.get(k) is None else r[k]) for k in FIELDS})
    print(summary(r))


def summary(r):
    def fig(key, fmt):
        return "-" if r.get(key) in (None, "") else format(r[key], fmt)
    return (f"{r['status']:7} {fig('tps', '10.1f')} tps  avg {fig('lat_avg_ms', '.3f')} ms  "
            f"p99 {fig('lat_p99_ms', '.3f')} ms  cpu/txn {fig('cpu_us_per_txn', '.1f')} us"
            + (f"  [{r['note']}]" if r.get("note") else ""))


if __name__ == "__main__":
    main()
