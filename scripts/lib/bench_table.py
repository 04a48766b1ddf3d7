"""Renders scripts/bench's results folder as one comparison table (text on stdout, Markdown to a file).

Usage: python3 scripts/lib/bench_table.py RESULTS_DIR [MARKDOWN_FILE]

Each pair's files are named NAME.ours.json (promo-loadtest --json) and NAME.theirs.* (redis-benchmark --csv,
pgbench's summary and per-transaction log, or the timed PostgreSQL insert); a validate shape also has
NAME.hello.json (promo-loadtest hello), NAME.loadc.json and NAME.loadc-hello.json (the minimal C client's
validate and hello). held.loadc.json and held.server.json are the held-connections run. Ratios are the left
side / the right side on throughput, so above 1 means the left side is faster.
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


def loadc(name):
    data = json.loads(read(name))
    notes = []
    errors = sum(v for k, v in data["status"].items() if k != "0")
    if errors:
        notes.append("loadc %s: %d answers with a non-OK status %s" % (name, errors, data["status"]))
    refused = {k: v for k, v in data["verdicts"].items() if k != "VERDICT_OK"}
    if refused:
        notes.append("loadc %s: verdicts %s" % (name, refused))
    return {"rate": data["calls_per_s"], "p50": data["p50_us"], "p99": data["p99_us"], "max": data["max_us"],
            "notes": notes}


def loadtest(name):
    """promo-loadtest's JSON as a side, from any file name."""
    data = json.loads(read(name))
    latency = data["latency_us"]
    notes = ["promo-loadtest %s: %d errors %s" % (name, data["errors"], data["statuses"])] if data["errors"] else []
    return {"rate": data["throughput"], "p50": latency.get("p50"), "p99": latency.get("p99"), "max": latency.get("max"),
            "notes": notes}


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

def p99_at_most(mine, theirs, factor):
    return mine["p99"] is not None and theirs["p99"] is not None and mine["p99"] <= factor * theirs["p99"]


def p50_at_most(mine, theirs, factor):
    return mine["p50"] is not None and theirs["p50"] is not None and mine["p50"] <= factor * theirs["p50"]


# Issue 16's targets, each on the row that holds both sides of its ratio. Validate rows measured by loadc carry
# them (what the server does when the client costs next to nothing); the promo-loadtest rows show the same
# pairs through the Swift tool.
rows = []  # label, left, right, unit, targets: list of (text, met)
shapes = sorted((tuple(int(x) for x in re.match(r"validate-c(\d+)-d(\d+)", n).groups()), n[: -len(".ours.json")])
                for n in os.listdir(results) if n.startswith("validate-") and n.endswith(".ours.json"))
for (connections, depth), name in shapes:
    shape = "%d conn × depth %d" % (connections, depth)
    theirs = redis(name)
    has_loadc = exists(name + ".loadc.json") and exists(name + ".loadc-hello.json")
    if has_loadc:
        c_validate, c_hello = loadc(name + ".loadc.json"), loadc(name + ".loadc-hello.json")
        targets = []
        if (connections, depth) == (50, 1):
            targets.append(("≥ 0.8× Redis GET", c_validate["rate"] >= 0.8 * theirs["rate"]))
        if (connections, depth) == (8, 1):
            targets.append(("p99 ≤ 1.5× Redis GET's", p99_at_most(c_validate, theirs, 1.5)))
        if depth > 1:
            targets.append(("≥ 0.5× Redis GET -P %d" % depth, c_validate["rate"] >= 0.5 * theirs["rate"]))
        rows.append(("validate (loadc) vs Redis GET, " + shape, c_validate, theirs, "calls/s", targets))
        targets = []
        if (connections, depth) == (50, 1):
            targets.append(("≥ 0.85× hello", c_validate["rate"] >= 0.85 * c_hello["rate"]))
        if (connections, depth) == (1, 1):
            targets.append(("p50 ≤ 1.3× hello's", p50_at_most(c_validate, c_hello, 1.3)))
        rows.append(("validate vs our hello floor (both loadc), " + shape, dict(c_validate, notes=[]), c_hello, "calls/s",
                     targets))
    mine = ours(name)
    rows.append(("validate (promo-loadtest) vs Redis GET, " + shape, mine, dict(theirs, notes=[]), "calls/s", []))
    if exists(name + ".hello.json"):
        floor = loadtest(name + ".hello.json")
        if has_loadc:
            targets = [("≥ 0.9× loadc", floor["rate"] >= 0.9 * c_hello["rate"])] if (connections, depth) == (50, 1) else []
            rows.append(("hello: promo-loadtest vs loadc, " + shape, floor, dict(c_hello, notes=[]), "calls/s", targets))
        else:
            mine["notes"].append("ours at %s: hello (protocol floor, no storage) %s calls/s, p50 / p99 %s / %s µs" % (
                shape, number(floor["rate"]), number(floor["p50"]), number(floor["p99"])))
for codes in ("hot", "unique"):
    for clients in ("1", "50"):
        name = "redeem-%s-c%s" % (codes, clients)
        if not exists(name + ".ours.json"):
            continue
        mine, theirs = ours(name), pgbench(name)
        what = "one hot shared code" if codes == "hot" else "single-use codes"
        label = "durable redeem, %s, vs pgbench, %s client(s)" % (what, clients)
        factor = 3 if clients == "50" else 1
        rows.append((label, mine, theirs, "tx/s", [("≥ %d× PostgreSQL" % factor, mine["rate"] >= factor * theirs["rate"])]))
if exists("held.loadc.json") and exists("held.server.json"):
    held, server = loadc("held.loadc.json"), json.loads(read("held.server.json"))
    data = json.loads(read("held.loadc.json"))
    held["notes"].append(
        "held connections: %s connections, %s calls/s asked, %s late, %s unsent, the tool's own send lag p99 %s µs; "
        "server RSS %s MiB before, peak %s MiB, %s MiB at the end: %.1f KiB per connection" % (
            format(server["connections"], ","), number(data["rate"]), number(data["late"]), number(data["unsent"]),
            number(data["lag_p99_us"]), number(server["rss_before_kib"] / 1024), number(server["rss_peak_kib"] / 1024),
            number(server["rss_after_kib"] / 1024),
            (server["rss_peak_kib"] - server["rss_before_kib"]) / server["connections"]))
    label = "%s connections held open, each validating once a second (loadc open loop; server peak RSS %s MiB)" % (
        format(server["connections"], ","), number(server["rss_peak_kib"] / 1024))
    rows.append((label, held, None, "calls/s", []))
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


header = ["comparison", "left: promo-service", "right: peer or floor", "left / right", "left p50 / p99 / max µs",
          "right p50 / p99 / max µs", "target"]
table = [[label, "%s %s" % (number(mine["rate"]), unit), "%s %s" % (number(theirs["rate"]), unit) if theirs else "—",
          "%.2f×" % (mine["rate"] / theirs["rate"]) if theirs else "—", latency(mine), latency(theirs) if theirs else "—",
          target_text(targets)]
         for label, mine, theirs, unit, targets in rows]
notes = [note for _, mine, theirs, _, _ in rows for note in mine["notes"] + (theirs["notes"] if theirs else [])]

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
