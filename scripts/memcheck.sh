#!/bin/sh
# memcheck: run every ctest test under valgrind memcheck and fail on any
# memory error or leak (definite, indirect or possible) in any of our
# processes: the test executables, Criterion's forked test workers, the
# fixture runner and every planls server a test starts.
#
# Why not valgrind's exit code alone: Criterion runs each test in a worker
# process, and valgrind's --error-exitcode applies to the process it reports
# on; the parent's exit code stays 0 when a worker had errors. So every
# process writes its own log (--trace-children=yes, --log-file=...%p) and
# the logs are parsed for "ERROR SUMMARY: N" with N > 0 (leaks count as errors
# with --errors-for-leak-kinds). System programs (/usr, /bin: sh, editors)
# are not traced.
#
# Usage: scripts/memcheck.sh [BUILD_DIR]      (default: build-memcheck)
# Environment:
#   MEMCHECK_TESTS    ctest -R regex of the tests to run (default: all)
#   MEMCHECK_EXCLUDE  ctest -E regex of tests to skip (default: ^editors/,
#                     the editor tests drive real editors, not our code)
#   MEMCHECK_JOBS     tests run at once (default: nproc)
#   MEMCHECK_TIMEOUT  seconds per test (default: 3600)
# Exit: 0 clean, 1 errors or leaks or failing tests, 2 setup problem.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)

if [ "${1:-}" = "--run-one" ]; then
  # Internal: run test number $2 of the list file $3, logs in $4.
  n=$2 list=$3 logs=$4
  line=$(sed -n "${n}p" "$list")
  name=${line%%	*}
  rest=${line#*	}
  wd=${rest%%	*}
  cmd=${rest#*	}
  safe=$(printf '%s' "$name" | tr '/ ' '__')
  start=$(date +%s)
  set +e
  # shellcheck disable=SC2086
  (cd "$wd" && eval "set -- $cmd" &&
   MEMCHECK_TEST="$safe" timeout "${MEMCHECK_TIMEOUT:-3600}" \
     valgrind --trace-children=yes --trace-children-skip='/usr/*,/bin/*,/sbin/*' \
       --leak-check=full --show-leak-kinds=definite,indirect,possible \
       --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
       --num-callers=40 --suppressions="$root/scripts/memcheck.supp" \
       --log-file="$logs/%q{MEMCHECK_TEST}.%p.log" "$@") \
    >"$logs/$safe.out" 2>&1
  rc=$?
  set -e
  bad=$(grep -lE 'ERROR SUMMARY: [1-9]' "$logs/$safe".*.log 2>/dev/null | wc -l)
  secs=$(( $(date +%s) - start ))
  if [ "$rc" -ne 0 ] || [ "$bad" -ne 0 ]; then
    echo "memcheck: FAIL $name (exit $rc, $bad process(es) with errors, ${secs}s)"
    echo "$name" >>"$logs/FAILED"
  else
    echo "memcheck: ok   $name (${secs}s)"
  fi
  exit 0
fi

build=${1:-build-memcheck}
command -v valgrind >/dev/null || { echo "memcheck: valgrind is not installed" >&2; exit 2; }
sh scripts/deps.sh test
# A plain debug build: valgrind and sanitizers do not mix.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DPLANLS_SANITIZE=OFF -DPLANLS_FUZZ=OFF >/dev/null
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)"
build=$(cd "$build" && pwd)
logs="$build/memcheck"
rm -rf "$logs"
mkdir -p "$logs"

# The tests and their commands, from ctest itself: "name<TAB>dir<TAB>cmd".
list="$logs/tests.txt"
(cd "$build" && ctest -N -V -R "${MEMCHECK_TESTS:-.}" -E "${MEMCHECK_EXCLUDE:-^editors/}") |
  awk '
    /^[0-9]+: Test command: / { n = $1; sub(/:$/, "", n); c = $0; sub(/^[0-9]+: Test command: /, "", c); cmd[n] = c }
    /^[0-9]+: Working Directory: / { n = $1; sub(/:$/, "", n); d = $0; sub(/^[0-9]+: Working Directory: /, "", d); dir[n] = d }
    /^ *Test +#[0-9]+: / { n = $0; sub(/^ *Test +#/, "", n); sub(/:.*/, "", n); name = $0; sub(/^ *Test +#[0-9]+: /, "", name);
                          printf "%s\t%s\t%s\n", name, dir[n], cmd[n] }
  ' >"$list"
total=$(wc -l <"$list")
if [ "$total" -eq 0 ]; then
  echo "memcheck: no test selected" >&2
  exit 2
fi
echo "memcheck: $total tests under valgrind (logs: $logs)"

# Slow servers under valgrind: fixtures and hostile tests scale their waits.
export PLANLS_FIXTURE_TIMEOUT="${PLANLS_FIXTURE_TIMEOUT:-60}"
export PLANLS_UNDER_VALGRIND=1
seq 1 "$total" | xargs -P "${MEMCHECK_JOBS:-$(nproc 2>/dev/null || echo 2)}" -I{} \
  sh "$root/scripts/memcheck.sh" --run-one {} "$list" "$logs"

# Report every process with errors: the log's error blocks.
status=0
for log in $(grep -lE 'ERROR SUMMARY: [1-9]' "$logs"/*.log 2>/dev/null || true); do
  status=1
  echo "==== $log"
  grep -E '^==[0-9]+== (Command:|ERROR SUMMARY)' "$log"
  sed -n '/^==[0-9]*== \(Invalid\|Conditional\|Use of\|Syscall\|Mismatched\|Source and\|Argument\|[0-9,]* bytes in\)/,/^==[0-9]*== $/p' \
    "$log" | head -100
done
failed=0
[ -f "$logs/FAILED" ] && failed=$(wc -l <"$logs/FAILED")
[ "$failed" -ne 0 ] && status=1
errors=$(grep -lE 'ERROR SUMMARY: [1-9]' "$logs"/*.log 2>/dev/null | wc -l)
echo "memcheck: $((total - failed)) passed, $failed failed"
if [ "$status" -ne 0 ]; then
  echo "memcheck: $errors process(es) with memory errors or leaks; failing tests:" >&2
  [ -f "$logs/FAILED" ] && sed 's/^/  /' "$logs/FAILED" >&2
fi
exit $status
