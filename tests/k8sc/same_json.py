"""Exit 0 when every line of the first file is, as a JSON value, the JSON
document of the matching file in the rest: `same_json.py OUT A [B...]`."""
import json
import sys

lines = [l for l in open(sys.argv[1], encoding="utf-8").read().splitlines() if l.strip()]
wants = sys.argv[2:]
if len(lines) != len(wants):
    sys.exit(f"{len(lines)} documents printed, {len(wants)} expected")
for line, path in zip(lines, wants):
    got = json.loads(line)
    want = json.load(open(path, encoding="utf-8"))
    if got != want:
        sys.exit(f"{path}: the printed document differs")
