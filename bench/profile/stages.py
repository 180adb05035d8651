#!/usr/bin/env python3
"""Instructions per accepted event by pipeline stage, from a callgrind output file.

  bench/profile/stages.py <callgrind.out> <accepted events>

Each stage is the inclusive cost of the functions that make it (callgrind_annotate --inclusive=yes);
stages nest the way the threads call them, so a stage's figure includes the ones indented under it.
The HTTP client's stage runs the completions of finished requests, so answers and attempt log lines are
inside it. Below the table: HTTP requests sent per event (calls of curl_multi_add_handle), and the HTTP
client's and libcurl's instructions per request: the delivery thread's figures grow with the number of
requests, which depends on how full the batches of that run were.
"""
import re
import subprocess
import sys

STAGES = [  # (indent, label, pattern of the function's name in callgrind_annotate's output)
    (0, "all threads", r"PROGRAM TOTALS"),
    (0, "http thread: connection, HTTP parsing, intake", r"fanout::net::Connection::read_loop\("),
    (1, "intake (signature, parse, hash, hand-off to the spool)", r"fanout::ingest::Intake::handle\("),
    (2, "HMAC signature over the body", r"fanout::ingest::verify_signature\("),
    (2, "JSON parse", r"fanout::ingest::parse_json\("),
    (2, "normalize and hash personal data", r"fanout::identity::hash_user\("),
    (3, "phone numbers (libphonenumber)", r"fanout::identity::phone_e164"),
    (2, "encode the spool payload", r"fanout::encode_event"),
    (0, "spool writer thread", r"fanout::spool::SqliteSpool::run_writer\(\)"),
    (1, "store accepted events", r"fanout::spool::Writer::enqueue\("),
    (1, "record delivery outcomes", r"fanout::spool::Writer::update\("),
    (1, "commit", r"fanout::spool::Writer::commit\(\)"),
    (0, "delivery thread", r"fanout::delivery::Engine::Impl::run\(\)"),
    (1, "build envelopes (all destinations)", r"fanout::delivery::(Lane|Dispatcher)::build\("),
    (1, "HTTP client (libcurl), with the completions it runs", r"fanout::delivery::CurlClient::run\(int\)"),
    (2, "libcurl itself (curl_multi_perform)", r"\?\?\?:curl_multi_perform "),
    (2, "answers: classify, outcomes", r"fanout::delivery::(Lane|Dispatcher)::on_response\("),
    (3, "attempt log lines", r"fanout::delivery::log_attempt\("),
]


def calls_to(path, function):
    """How many times `function` was called, summed from the calls= lines of a callgrind file."""
    names = {}  # compressed name id -> name
    target, total = None, 0
    with open(path, errors="replace") as f:
        for line in f:
            m = re.match(r"c?fn=\((\d+)\)(?: (.*))?", line)
            if m:
                if m.group(2):
                    names[m.group(1)] = m.group(2).strip()
                target = line.startswith("cfn=") and names.get(m.group(1)) == function
                continue
            if target and line.startswith("calls="):
                total += int(line.split("=")[1].split()[0])
                target = False
    return total


def main():
    path, events = sys.argv[1], int(sys.argv[2])
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", path],
                          capture_output=True, text=True, check=True).stdout
    costs = {}
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) \(", line)
        if not m:
            continue
        for _, label, pattern in STAGES:
            if label not in costs and re.search(pattern, line):
                costs[label] = int(m.group(1).replace(",", ""))
    print("| stage | instructions per event |")
    print("|---|---|")
    for indent, label, _ in STAGES:
        value = costs.get(label)
        shown = f"{value / events:,.0f}" if value is not None else "—"
        print(f"| {'· ' * indent}{label} | {shown} |")
    requests = calls_to(path, "curl_multi_add_handle")
    print(f"\nHTTP requests sent per event: {requests / events:.3f} ({requests} requests)")
    if requests:
        for label, name in (("HTTP client", "HTTP client (libcurl), with the completions it runs"),
                            ("libcurl itself", "libcurl itself (curl_multi_perform)")):
            if costs.get(name):
                print(f"{label} per request: {costs[name] / requests:,.0f} instructions")


if __name__ == "__main__":
    main()
