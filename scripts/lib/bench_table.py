"""Renders scripts/bench's results folder as one comparison table (text on stdout, Markdown to a file).

Usage: python3 scripts/lib/bench_table.py RESULTS_DIR [MARKDOWN_FILE]

Each pair's files are named NAME.ours.json (promo-loadtest --json) and NAME.theirs.* (redis-benchmark --csv,
pgbench's summary and per-transaction log, or the timed PostgreSQL insert). Ratios are ours / theirs on
throughput, so above 1 means promo-service is faster.
"""
import csv
import json
import os
import re
import sys

results = sys.argv[1]
markdown_path = sys.argv[2] if len(sys.argv) > 2 else None


def read(name):
    with open(os.path.join(results, name)) as f:
        return f.read()


def exists(name):
    return os.path.exists(os.path.join(results, name))


def percentile(sorted_values, level):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return None
    rank = max(1, int(-(-level * len(sorted_values) // 100)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def ours(name):
    data = json.loads(read(name + ".ours.json"))
    latency = data["latency_us"]
    notes = []
    if data["errors"]:
        notes.append("ours: %d errors %s" % (data["errors"], data["statuses"]))
    for kind, verdicts in data["verdicts"].items():
        refused = {k: v for k, v in verdicts.items() if k != "OK"}
        if refused:
            notes.append("ours: %s verdicts %s" % (kind, refused))
    for check in data["checks"]:
        if check["state"] != "passed":
            notes.append("ours: %s %s: %s" % (check["name"], check["state"], check["message"]))
    return {"rate": data["throughput"], "p50": latency.get("p50"), "p99": latency.get("p99"),
            "max": latency.get("max"), "notes": notes}


def redis(name):
    rows = list(csv.DictReader(read(name + ".theirs.csv").splitlines()))
    row = rows[-1]
    us = lambda key: round(float(row[key]) * 1000)
    return {"rate": float(row["rps"]), "p50": us("p50_latency_ms"), "p99": us("p99_latency_ms"),
            "max": us("max_latency_ms"), "notes": []}


def pgbench(name):
    summary = read(name + ".theirs.out")
    tps = float(re.search(r"tps = ([0-9.]+) \(without initial connection time\)", summary).group(1))
    latencies = sorted(int(line.split()[2]) for line in read(name + ".theirs.log").splitlines() if line.strip())
    notes = []
    failed = re.search(r"number of failed transactions: (\d+)", summary)
    if failed and int(failed.group(1)):
        notes.append("pgbench: %s failed transactions" % failed.group(1))
    return {"rate": tps, "p50": percentile(latencies, 50), "p99": percentile(latencies, 99),
            "max": latencies[-1] if latencies else None, "notes": notes}


def generate():
    mine = json.loads(read("generate.ours.json"))
    theirs = json.loads(read("generate.theirs.json"))
    codes = theirs["codes"]
    our_seconds = mine["latency_us"]["max"] / 1e6
    notes = []
    if mine["errors"]:
        notes.append("ours: generate failed %s" % mine["statuses"])
    if theirs["inserted"] != codes:
        notes.append("PostgreSQL: %d of %d random codes inserted (the rest collided)" % (theirs["inserted"], codes))
    return ({"rate": codes / our_seconds, "seconds": our_seconds, "notes": notes},
            {"rate": codes / theirs["seconds"], "seconds": theirs["seconds"], "notes": []}, codes)


def number(value):
    return "—" if value is None else format(int(round(value)), ",")


machine = dict(line.split("=", 1) for line in read("machine.txt").splitlines() if "=" in line)

rows = []  # label, ours, theirs, unit, targets: list of (text, met)
for name in sorted(n[: -len(".ours.json")] for n in os.listdir(results) if n.startswith("validate-") and n.endswith(".ours.json")):
    connections, depth = re.match(r"validate-c(\d+)-d(\d+)", name).groups()
    mine, theirs = ours(name), redis(name)
    targets = []
    if connections == "50" and depth == "1":
        targets.append(("≥ 0.7× Redis GET", mine["rate"] >= 0.7 * theirs["rate"]))
        targets.append(("p99 ≤ 1 ms", mine["p99"] is not None and mine["p99"] <= 1000))
    if exists(name + ".hello.json"):
        floor = json.loads(read(name + ".hello.json"))
        mine["notes"].append("ours at %s conn × depth %s: hello (protocol floor, no storage) %s calls/s, p50 / p99 %s / %s µs" % (
            connections, depth, number(floor["throughput"]), number(floor["latency_us"].get("p50")),
            number(floor["latency_us"].get("p99"))))
    label = "validate vs Redis GET, %s conn × depth %s" % (connections, depth)
    rows.append((label, mine, theirs, "calls/s", targets))
rows.sort(key=lambda row: [int(x) for x in re.findall(r"\d+", row[0])])
for codes in ("hot", "unique"):
    for clients in ("1", "50"):
        name = "redeem-%s-c%s" % (codes, clients)
        if not exists(name + ".ours.json"):
            continue
        mine, theirs = ours(name), pgbench(name)
        what = "one hot shared code" if codes == "hot" else "single-use codes"
        label = "durable redeem, %s, vs pgbench, %s client(s)" % (what, clients)
        rows.append((label, mine, theirs, "tx/s", [("≥ 3× PostgreSQL", mine["rate"] >= 3 * theirs["rate"])]))
if exists("generate.ours.json"):
    mine, theirs, codes = generate()
    label = "generate %s codes vs PostgreSQL INSERT … SELECT (%.2f s vs %.2f s)" % (
        format(codes, ","), mine["seconds"], theirs["seconds"])
    rows.append((label, mine, theirs, "codes/s", []))


def latency(side):
    if "p50" not in side:
        return "—"
    return "%s / %s / %s" % (number(side["p50"]), number(side["p99"]), number(side["max"]))


def target_text(targets):
    return "; ".join("%s: %s" % (text, "met" if met else "MISSED") for text, met in targets) or "—"


header = ["comparison", "promo-service", "Redis / PostgreSQL", "ours / theirs", "ours p50 / p99 / max µs",
          "theirs p50 / p99 / max µs", "target"]
table = [[label, "%s %s" % (number(mine["rate"]), unit), "%s %s" % (number(theirs["rate"]), unit),
          "%.2f×" % (mine["rate"] / theirs["rate"]), latency(mine), latency(theirs), target_text(targets)]
         for label, mine, theirs, unit, targets in rows]
notes = [note for _, mine, theirs, _, _ in rows for note in mine["notes"] + theirs["notes"]]

widths = [max(len(str(cell)) for cell in column) for column in zip(header, *table)]
print()
for line in [header] + table:
    print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths)).rstrip())
print()
print("machine: %s, %s cores, %s, %s; %s, SQLite %s, Redis %s, PostgreSQL %s; load average at the end %s; %s s runs" % (
    machine.get("cpu"), machine.get("cores"), machine.get("memory"), machine.get("kernel"), machine.get("swift"),
    machine.get("sqlite"), machine.get("redis"), machine.get("postgresql"), machine.get("load"), machine.get("seconds")))
for note in notes:
    print("note: " + note)

if markdown_path:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * 5 + ["---"]) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in table]
    lines += ["", "Machine: %s, %s cores, %s, %s; %s, SQLite %s, Redis %s, PostgreSQL %s. Load average at the end "
              "of the run: %s. Timed runs of %s s." % (
                  machine.get("cpu"), machine.get("cores"), machine.get("memory"), machine.get("kernel"),
                  machine.get("swift"), machine.get("sqlite"), machine.get("redis"), machine.get("postgresql"),
                  machine.get("load"), machine.get("seconds"))]
    lines += ["", "Notes:" if notes else ""] + ["- " + note for note in notes]
    with open(markdown_path, "w") as f:
        f.write("\n".join(lines).rstrip() + "\n")
