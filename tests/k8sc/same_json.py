"""Checks k8sc's output against the JSON it should be, all in one process.

usage: same_json.py CHECKS
Each line of CHECKS is tab-separated: a label, a file of k8sc output, then the
files whose JSON documents its lines must be, in order. Prints a line per
check that fails; exits 1 when any did."""
import json
import sys

failed = 0
with open(sys.argv[1], encoding="utf-8") as checks:
    for check in checks:
        label, out, *wants = check.rstrip("\n").split("\t")
        with open(out, encoding="utf-8") as f:
            lines = [l for l in f.read().splitlines() if l.strip()]
        problem = None
        if len(lines) != len(wants):
            problem = f"{len(lines)} documents printed, {len(wants)} expected"
        else:
            for line, path in zip(lines, wants):
                with open(path, encoding="utf-8") as f:
                    if json.loads(line) != json.load(f):
                        problem = f"{path}: the printed document differs"
                        break
        if problem:
            print(f"FAIL: {label}: {problem}")
            failed = 1
sys.exit(failed)
