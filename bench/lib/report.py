#!/usr/bin/python3
# From a run's raw.csv (one row per pgbench run) and scale.jsonl (connection-scale runs) to
# results.md (headline ratios, the issue's targets as PASS/MISS, details), results.csv and the
# chart's data file.
import argparse
import csv
import json
import os
import statistics

# pgsteer: in front of the primary alone, like PgBouncer; split: reads over the standbys, like pgpool-II.
TARGETS = ["direct", "pgbouncer", "pgpool", "pgsteer", "split"]
LABEL = {"direct": "direct", "pgbouncer": "PgBouncer", "pgpool": "pgpool-II", "pgsteer": "pgsteer",
         "split": "pgsteer read split"}
WORKLOADS = {"select": "-S", "extended": "-S -M extended", "prepared": "-S -M prepared",
             "tpcb": "TPC-B-like", "simple-update": "-N", "connect": "-S -C"}
REF_CLIENTS = 16  # the issue's targets, like the anchors in CLUSTER-NOTES, are taken at -c 16
CSV_FIELDS = ["workload", "clients", "target", "runs", "runs_ok", "tps_median", "tps_min",
              "tps_max", "lat_avg_ms", "lat_p99_ms", "cpu_us_per_txn", "failed_txns", "errors",
              "tps_vs_pgbouncer", "tps_vs_direct", "note"]


def num(value):
    return float(value) if value not in (None, "") else None


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def aggregate(rows):
    """(workload, clients, target) -> medians and spread over the runs that succeeded."""
    groups = {}
    for r in rows:
        groups.setdefault((r["workload"], int(r["clients"]), r["target"]), []).append(r)
    out = {}
    for key, runs in groups.items():
        ran = [r for r in runs if r["status"] != "skipped"]
        ok = [r for r in ran if r["status"] == "ok"]
        tps = [num(r["tps"]) for r in ok]
        notes = sorted({r["note"] for r in runs if r["note"]})
        out[key] = {
            "runs": len(ran), "runs_ok": len(ok), "skipped": not ran,
            "tps_median": median(tps), "tps_min": min(tps) if tps else None,
            "tps_max": max(tps) if tps else None,
            "lat_avg_ms": median(num(r["lat_avg_ms"]) for r in ok),
            "lat_p99_ms": median(num(r["lat_p99_ms"]) for r in ok),
            "cpu_us_per_txn": median(num(r["cpu_us_per_txn"]) for r in ok),
            "failed_txns": sum(int(num(r["failed_txns"]) or 0) for r in ran),
            "errors": sum(int(num(r["errors"]) or 0) for r in ran),
            "note": "; ".join(notes),
        }
    return out


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt(value, spec=",.0f", missing="—"):
    return missing if value is None else format(value, spec)


def fmt_ratio(value):
    return fmt(value, ".2f") + ("×" if value is not None else "")


def cells(agg):
    """The (workload, clients) pairs measured, in the order the workloads are defined."""
    order = list(WORKLOADS)
    pairs = sorted({(w, c) for (w, c, _) in agg},
                   key=lambda p: (order.index(p[0]) if p[0] in order else len(order), p[1]))
    return pairs


def tps(agg, workload, clients, target):
    return agg.get((workload, clients, target), {}).get("tps_median")


def headline(agg):
    others = [t for t in TARGETS if t != "pgbouncer"]
    poolers = [t for t in TARGETS if t != "direct"]
    head = (["workload", "clients"] + [f"{LABEL[t]} TPS" for t in TARGETS]
            + [f"{LABEL[t]} ÷ PgBouncer" for t in others]
            + [f"{LABEL[t]} ÷ direct" for t in poolers])
    lines = table_header(head)
    for w, c in cells(agg):
        row = [WORKLOADS.get(w, w), str(c)] + [tps_cell(agg.get((w, c, t))) for t in TARGETS]
        row += [fmt_ratio(ratio(tps(agg, w, c, t), tps(agg, w, c, "pgbouncer"))) for t in others]
        row += [fmt_ratio(ratio(tps(agg, w, c, t), tps(agg, w, c, "direct"))) for t in poolers]
        lines.append(table_row(row))
    return lines


def tps_cell(a):
    """Median TPS, flagged when some rounds failed (the median is then of the others only)."""
    if a is None:
        return "—"
    if a["skipped"]:
        return "skipped"
    if a["runs_ok"] == 0:
        return "failed"
    return fmt(a["tps_median"]) + (f" ({a['runs_ok']}/{a['runs']} runs ok)"
                                   if a["runs_ok"] < a["runs"] else "")


def table_header(head):
    return [table_row(head), table_row(["---"] * len(head))]


def table_row(values):
    return "| " + " | ".join(str(v).replace("|", "/") for v in values) + " |"


def detail(agg):
    lines = table_header(["workload", "clients", "target", "TPS median", "TPS min–max",
                          "avg latency ms", "p99 latency ms", "pooler CPU µs/txn", "failed txns",
                          "errors", "runs ok", "note"])
    for w, c in cells(agg):
        for t in TARGETS:
            a = agg.get((w, c, t))
            if a is None:
                continue
            if a["skipped"]:
                lines.append(table_row([WORKLOADS.get(w, w), c, LABEL[t], "skipped", "", "", "",
                                        "", "", "", "", a["note"]]))
                continue
            lines.append(table_row([
                WORKLOADS.get(w, w), c, LABEL[t], fmt(a["tps_median"]),
                f"{fmt(a['tps_min'])}–{fmt(a['tps_max'])}" if a["runs_ok"] else "—", fmt(a["lat_avg_ms"], ".3f"),
                fmt(a["lat_p99_ms"], ".3f"), fmt(a["cpu_us_per_txn"], ".1f"), a["failed_txns"],
                a["errors"], f"{a['runs_ok']}/{a['runs']}", a["note"]]))
    return lines


def csv_rows(agg):
    for w, c in cells(agg):
        for t in TARGETS:
            a = agg.get((w, c, t))
            if a is None:
                continue
            row = {k: a.get(k) for k in CSV_FIELDS if k in a}
            row.update(workload=w, clients=c, target=t,
                       tps_vs_pgbouncer=ratio(a["tps_median"], tps(agg, w, c, "pgbouncer")),
                       tps_vs_direct=ratio(a["tps_median"], tps(agg, w, c, "direct")))
            yield {k: ("" if row.get(k) is None else
                       round(row[k], 3) if isinstance(row[k], float) else row[k])
                   for k in CSV_FIELDS}


def verdict(ok):
    return "n/a" if ok is None else "PASS" if ok else "MISS"


def at_least(value, bound):
    return None if value is None or bound is None else value >= bound


def at_most(value, bound):
    return None if value is None or bound is None else value <= bound


def goals(agg, scale):
    """The issue's targets, each (goal, PASS/MISS/n/a, the figures behind it)."""
    def get(w, c, t, key):
        return agg.get((w, c, t), {}).get(key)

    c = REF_CLIENTS
    out = []
    steer, bouncer = tps(agg, "select", c, "pgsteer"), tps(agg, "select", c, "pgbouncer")
    cs, cb = get("select", c, "pgsteer", "cpu_us_per_txn"), get("select", c, "pgbouncer", "cpu_us_per_txn")
    tps_figures = f"{fmt(steer)} vs {fmt(bouncer)} TPS = {fmt_ratio(ratio(steer, bouncer))}"
    cpu_figures = f"{fmt(cs, '.1f')} vs {fmt(cb, '.1f')} µs = {fmt_ratio(ratio(cs, cb))}"
    # The proxy issue's bar (level with PgBouncer), then the benchmark issue's (well past it).
    for issue, tps_bound, cpu_bound in ((4, 1.0, 1.0), (8, 1.10, 0.75)):
        out.append((f"`-S -c {c}`: pgsteer TPS ≥ {tps_bound:.2f} × PgBouncer (issue {issue})",
                    verdict(at_least(ratio(steer, bouncer), tps_bound)), tps_figures))
        out.append((f"`-S -c {c}`: pgsteer CPU µs/txn ≤ {cpu_bound:.2f} × PgBouncer (issue {issue})",
                    verdict(at_most(ratio(cs, cb), cpu_bound)), cpu_figures))

    prepared = [a for (w, _, t), a in agg.items() if w == "prepared" and t == "pgsteer" and a["runs"]]
    works = (all(a["runs_ok"] == a["runs"] and not a["errors"] for a in prepared)
             if prepared else None)
    out.append(("`-S -M prepared` works through pgsteer (transaction mode)", verdict(works),
                f"{sum(a['runs_ok'] for a in prepared)}/{sum(a['runs'] for a in prepared)} runs "
                "without error" if prepared else "not measured"))
    sp = tps(agg, "prepared", c, "pgsteer")
    out.append((f"`-S -M prepared -c {c}`: pgsteer TPS ≥ PgBouncer's `-M simple` TPS",
                verdict(at_least(sp, bouncer)), f"{fmt(sp)} vs {fmt(bouncer)} TPS"))

    sc, bc = tps(agg, "connect", c, "pgsteer"), tps(agg, "connect", c, "pgbouncer")
    out.append((f"`-S -C -c {c}`: pgsteer TPS ≥ PgBouncer", verdict(at_least(sc, bc)),
                f"{fmt(sc)} vs {fmt(bc)} TPS"))

    lat = {t: get("select", 1, t, "lat_avg_ms") for t in TARGETS}
    added = {t: (lat[t] - lat["direct"]) if lat[t] is not None and lat["direct"] is not None
             else None for t in ("pgsteer", "pgbouncer")}
    out.append(("`-S -c 1`: pgsteer's added latency over direct ≤ PgBouncer's",
                verdict(at_most(added["pgsteer"], added["pgbouncer"])),
                f"+{fmt(to_us(added['pgsteer']), '.1f')} µs vs +{fmt(to_us(added['pgbouncer']), '.1f')} µs "
                f"(direct {fmt(to_us(lat['direct']), '.1f')} µs average)"))

    idle = [s for s in scale if s.get("mode") == "idle" and s.get("target") == "pgsteer"]
    biggest = max(idle, key=lambda s: s["clients"]) if idle else None
    out.append(("memory per idle client ≤ 1 KiB (pgsteer RSS)",
                verdict(at_most(biggest["bytes_per_client"], 1024) if biggest else None),
                ", ".join(f"{s['bytes_per_client']:,} B at {s['clients']:,} clients" for s in idle)
                or "not measured"))

    pairs = [(w, cl, ratio(tps(agg, w, cl, "split"), tps(agg, w, cl, "pgpool")))
             for (w, cl) in cells(agg)]
    pairs = [p for p in pairs if p[2] is not None]
    misses = [f"{WORKLOADS.get(w, w)} -c {cl}: {fmt_ratio(r)}" for w, cl, r in pairs if r < 3]
    out.append(("pgsteer read split ≥ 3 × pgpool-II TPS on every workload (both split reads)",
                verdict(not misses if pairs else None),
                (f"lowest {fmt_ratio(min(p[2] for p in pairs))} over {len(pairs)} workload/client pairs"
                 + (f"; below 3×: {', '.join(misses)}" if misses else "")) if pairs else "not measured"))
    return out


def to_us(ms):
    return None if ms is None else ms * 1000


def scale_tables(scale):
    lines = []
    idle = [s for s in scale if s.get("mode") == "idle"]
    if idle:
        lines += ["### RSS per idle client", ""]
        lines += table_header(["target", "idle clients", "connected", "failed", "RSS before KiB",
                               "RSS after KiB", "bytes per client", "first error"])
        for s in idle:
            lines.append(table_row([LABEL.get(s["target"], s["target"]), f"{s['clients']:,}",
                                    f"{s['connected']:,}", s["failed"], f"{s['rss_before_kib']:,}",
                                    f"{s['rss_after_kib']:,}", f"{s['bytes_per_client']:,}",
                                    s["first_error"]]))
        lines.append("")
    share = [s for s in scale if s.get("mode") == "share"]
    if share:
        per_client = share[0]["queries_expected"] // max(1, share[0]["clients"])
        lines += [f"### Many clients over a small pool (each runs {per_client} point selects, "
                  "all at once)", ""]
        lines += table_header(["target", "clients", "all finished", "queries ok", "failed",
                               "p50 ms", "p99 ms", "max ms", "seconds", "queries/s", "first error"])
        for s in share:
            lines.append(table_row([
                LABEL.get(s["target"], s["target"]), f"{s['clients']:,}",
                "yes" if s["all_finished"] else "NO",
                f"{s['queries_ok']:,}/{s['queries_expected']:,}",
                s["connect_failed"] + s["query_failed"], fmt(s["p50_ms"], ".1f"),
                fmt(s["p99_ms"], ".1f"), fmt(s["max_ms"], ".1f"), s["seconds"],
                fmt(s["qps"]), s["first_error"]]))
        lines.append("")
    return lines or ["Not measured in this run.", ""]


def chart_data(agg, path):
    """Median select-only TPS by client count, one column per target that has any; '?' where
    a target has none at that count."""
    clients = sorted({c for (w, c, _) in agg if w == "select"})
    shown = [t for t in TARGETS if any(tps(agg, "select", c, t) is not None for c in clients)]
    with open(path, "w") as f:
        f.write("clients " + " ".join(LABEL[t] for t in shown) + "\n")
        for c in clients:
            f.write(f"{c} " + " ".join(fmt(tps(agg, "select", c, t), ".1f", "?")
                                       for t in shown) + "\n")


def read_lines(path):
    if not path or not os.path.exists(path):
        return []
    with open(path) as f:
        return [l.rstrip("\n") for l in f]


def markdown(agg, scale, meta, microbench):
    quick = any("QUICK=1" in l for l in meta)
    out = ["# pgsteer benchmark results", ""]
    if quick:
        out += ["**QUICK smoke run** (few workloads, short runs): the figures only show the "
                "harness works; compare nothing on them.", ""]
    out += ["Produced by `make bench` (bench/run.sh); how to read it: docs/benchmarks.md. All "
            "targets ran in the same run, interleaved round by round, on the same cluster.", "",
            "## Machine and versions", ""]
    out += [f"- {l}" for l in meta] + [""]
    out += ["## Targets (issues 4 and 8)", ""] + table_header(["goal", "result", "figures"])
    out += [table_row(g) for g in goals(agg, scale)] + [""]
    out += ["## Headline: median TPS and ratios", "",
            "Median over the rounds; ratios compare medians of the same workload and client count.",
            ""] + headline(agg) + [""]
    out += ["![TPS by client count, select-only](chart.png)", ""]
    out += ["## Detail", "",
            "TPS excludes connection time except for `-C`, where connecting is the work. Average "
            "latency is pgbench's (with `-C` it includes connecting); p99 is the nearest rank over "
            "all transactions of a run in pgbench's per-transaction logs (with `-C`, without the "
            "connection); both are medians over the rounds that succeeded. CPU: the pooler's user+system time (pgpool-II: its whole "
            "process tree) over the run ÷ transactions.", ""] + detail(agg) + [""]
    out += ["## Connection scale", ""] + scale_tables(scale)
    out += ["## Microbenchmark (pgsteer_microbench)", ""]
    out += (["```"] + microbench + ["```"]) if microbench else ["Not built in this run."]
    return "\n".join(out) + "\n"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--raw", required=True)
    p.add_argument("--scale")
    p.add_argument("--meta")
    p.add_argument("--microbench")
    p.add_argument("--out", required=True)
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    with open(args.raw) as f:
        agg = aggregate(list(csv.DictReader(f)))
    scale = [json.loads(l) for l in read_lines(args.scale) if l.strip()]
    with open(os.path.join(args.out, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, CSV_FIELDS)
        w.writeheader()
        w.writerows(csv_rows(agg))
    chart_data(agg, os.path.join(args.out, "chart.dat"))
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(markdown(agg, scale, read_lines(args.meta), read_lines(args.microbench)))


if __name__ == "__main__":
    main()
