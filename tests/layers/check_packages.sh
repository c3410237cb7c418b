#!/usr/bin/env bash
# README.md's install line names exactly the Debian packages .ci/run installs,
# so that a newcomer's machine has what the tests need.
set -euo pipefail
# the README line may continue on the next lines (ending in \)
readme=$(awk '/apt-get install/ { on = 1 } on { print; if (!/\\$/) exit }' "$K8S_SOURCE_DIR/README.md" |
         sed 's/.*apt-get install -y//; s/\\$//' | tr -s ' \n' '\n' | grep . | sort -u)
ci=$(awk '/^packages=\(/ { on = 1 } on { print; if (/\)/) exit }' "$K8S_SOURCE_DIR/.ci/run" |
     sed 's/packages=(//; s/)//' | tr -s ' \n' '\n' | grep . | sort -u)
if [ "$readme" != "$ci" ]; then
  echo "README.md and .ci/run install different packages:"
  diff <(echo "$readme") <(echo "$ci") | sed -n 's/^</  only in README.md:/p; s/^>/  only in .ci\/run:/p'
  exit 1
fi
echo "README.md and .ci/run install the same $(echo "$ci" | wc -l) packages"
