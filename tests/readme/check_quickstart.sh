#!/usr/bin/env bash
# README.md's quickstart is examples/pod_get.c, word for word: the code block
# after the line that links the file must be the file.   usage: check_quickstart.sh SOURCE_DIR
set -uo pipefail
src=$1
block=$(sed -n '/^\[`examples\/pod_get.c`\]/,/^```$/p' "$src/README.md" | sed '1,/^```c$/d;$d')
[ -n "$block" ] || { echo "FAIL: README.md has no quickstart block after [\`examples/pod_get.c\`]"; exit 1; }
diff <(printf '%s\n' "$block") "$src/examples/pod_get.c" || { echo "FAIL: README.md's quickstart differs from examples/pod_get.c"; exit 1; }
