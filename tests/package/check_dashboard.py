#!/usr/bin/env python3
"""Checks contrib/grafana/fanout.json and contrib/prometheus/alerts.yml against the metrics fanout exports.

Usage: check_dashboard.py DASHBOARD.json OPERATIONS.md
Every fanout_* metric a panel or an alert queries must be registered in src/telemetry/metrics.cpp and
documented in docs/operations.md; the dashboard must cover intake, per-destination delivered / failed /
backlog / latency, and dead letters. Exit 1 with the problems listed.
"""
import json
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parents[2]
dashboard_path, docs_path = sys.argv[1], sys.argv[2]
problems = []

dashboard = json.loads(pathlib.Path(dashboard_path).read_text())
exprs = []
for panel in dashboard.get("panels", []):
    if panel.get("type") == "row":
        continue
    targets = panel.get("targets") or []
    if not targets:
        problems.append(f"panel {panel.get('title')!r} has no query")
    exprs += [t.get("expr", "") for t in targets]
alerts = (root / "contrib/prometheus/alerts.yml").read_text()

def metric_names(text):
    names = set(re.findall(r"\bfanout_[a-z_]+", text))
    return {re.sub(r"_(bucket|sum|count)$", "", n) for n in names}

registered = set(re.findall(r'\.Name\("(fanout_[a-z_]+)"\)', (root / "src/telemetry/metrics.cpp").read_text()))
documented = metric_names(pathlib.Path(docs_path).read_text())
used = metric_names(" ".join(exprs)) | metric_names(alerts)
for name in sorted(used - registered):
    problems.append(f"{name} is queried but fanout does not export it")
for name in sorted(used - documented):
    problems.append(f"{name} is queried but not documented in {docs_path}")

joined = " ".join(exprs)
for what, pattern in [
    ("intake rate", r"fanout_events_accepted_total"),
    ("intake errors", r"fanout_events_rejected_total"),
    ("delivered per destination", r'outcome="delivered"'),
    ("failed per destination", r'outcome="failed"'),
    ("backlog per destination", r"fanout_queue_depth"),
    ("latency per destination", r"fanout_delivery_attempt_seconds_bucket"),
    ("dead letters", r"fanout_dead_letters_total"),
]:
    if not re.search(pattern, joined):
        problems.append(f"the dashboard shows no {what}")

for p in problems:
    print(f"check_dashboard: {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
