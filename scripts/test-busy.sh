#!/usr/bin/env bash
# The whole suite on a busy machine (issue 12, item 2): `npm test` N times in a row (default 3)
# with two CPU-burning processes beside it. Prints pass/fail per run and exits 1 if any run failed.
#
#   scripts/test-busy.sh [N]        # from the repository root, after `npm ci`
#
# Each run's output goes to test-output/busy/run-<i>.log. The burners are killed on exit, Ctrl-C
# included.
set -u
runs="${1:-3}"
case "$runs" in '' | *[!0-9]* | 0) echo "usage: scripts/test-busy.sh [N >= 1]" >&2; exit 2 ;; esac
cd "$(dirname "$0")/.." || exit 2
mkdir -p test-output/busy

burners=()
stop_burners() {
  for pid in "${burners[@]}"; do kill "$pid" 2>/dev/null; done
  burners=()
}
trap stop_burners EXIT
trap 'stop_burners; exit 130' INT TERM

node -e 'for (;;) {}' &
burners+=("$!")
node -e 'for (;;) {}' &
burners+=("$!")
echo "two CPU burners running (pids ${burners[*]}); $runs run(s) of npm test"

failed=0
for i in $(seq 1 "$runs"); do
  log="test-output/busy/run-$i.log"
  start=$(date +%s)
  if npm test > "$log" 2>&1; then verdict=pass; else verdict=FAIL; failed=$((failed + 1)); fi
  summary=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^ +Tests +[0-9]' | tail -1 | sed 's/^ *//')
  echo "run $i: $verdict ($(( $(date +%s) - start )) s) ${summary:-no vitest summary, see $log}"
done
echo "$((runs - failed)) of $runs runs passed"
[ "$failed" -eq 0 ]
