#!/bin/sh
# Run every libFuzzer target of a build made with -DPLANLS_FUZZ=ON (clang)
# for SECONDS each (`make fuzz`, FUZZ_SECONDS). New inputs go to
# BUILD/fuzz-work/<target>/corpus (kept between runs); crashes, leaks and
# timeouts to BUILD/fuzz-work/<target>/ as crash-*/leak-*/timeout-*/oom-*.
# Exit 1 when any target found something: copy the file into
# tests/fuzz/regressions/<target>/ so that ctest replays it from then on.
# Usage: tests/fuzz/run.sh BUILD_DIR [SECONDS] [TARGET...]
set -u
build=${1:?usage: run.sh BUILD_DIR [SECONDS] [TARGET...]}
seconds=${2:-60}
shift
[ $# -gt 0 ] && shift
src=$(cd "$(dirname "$0")" && pwd)
targets=${*:-"framer jsonrpc text markdown complete server"}
fdir="$build/tests/fuzz"
status=0
summary=""
for t in $targets; do
  bin="$fdir/fuzz_$t"
  if [ ! -x "$bin" ]; then
    echo "fuzz: $bin missing: configure with -DCMAKE_C_COMPILER=clang -DPLANLS_FUZZ=ON" >&2
    exit 2
  fi
  work="$build/fuzz-work/$t"
  mkdir -p "$work/corpus"
  seeds=$(cat "$fdir/seed-dirs-$t.txt")
  opts="-max_total_time=$seconds -timeout=20 -rss_limit_mb=4096 -print_final_stats=1"
  case $t in
    server|jsonrpc|framer) opts="$opts -dict=$src/lsp.dict -max_len=16384" ;;
    markdown|complete) opts="$opts -dict=$src/markdown.dict -max_len=8192" ;;
    text) opts="$opts -max_len=8192" ;;
  esac
  # The server logs bad input on stderr: keep libFuzzer's own output only
  # (crash reports still appear).
  [ "$t" = server ] && opts="$opts -close_fd_mask=2"
  before=$(ls "$work" | grep -cE '^(crash|leak|timeout|oom|slow-unit)-' || true)
  echo "fuzz: $t for ${seconds}s"
  # shellcheck disable=SC2086
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$bin" $opts -artifact_prefix="$work/" "$work/corpus" $seeds \
      >"$work/log.txt" 2>&1
  rc=$?
  after=$(ls "$work" | grep -cE '^(crash|leak|timeout|oom|slow-unit)-' || true)
  stats=$(grep -E '^stat::(number_of_executed_units|new_units_added)' "$work/log.txt" |
          sed 's/stat:://' | tr '\n' ' ')
  if [ $rc -ne 0 ] || [ "$after" -gt "$before" ]; then
    status=1
    echo "fuzz: $t FOUND A PROBLEM (exit $rc); log: $work/log.txt" >&2
    grep -E 'ERROR|SUMMARY|fuzz check failed|Test unit written' "$work/log.txt" | head -20 >&2
    summary="$summary$t: FAILED ($stats)\n"
  else
    summary="$summary$t: ok ($stats)\n"
  fi
done
printf "%b" "$summary"
if [ $status -ne 0 ]; then
  echo "fuzz: copy each crash-*/leak-*/timeout-* file into tests/fuzz/regressions/<target>/ and fix" >&2
fi
exit $status
