#!/bin/sh
# Install the Debian packages planls needs to build and test, only those that
# are missing. Runs apt-get directly as root, through sudo otherwise.
# Usage: scripts/deps.sh [build|test]   (test includes build). The editor
# tests install their own (scripts/editor-tests.sh).
set -eu
level=${1:-build}
pkgs="cmake make gcc pkg-config libuv1-dev libjansson-dev libcmark-dev"
case "$level" in
  test) pkgs="$pkgs libcriterion-dev valgrind cmark clang libclang-rt-14-dev strace" ;;
esac
missing=""
for p in $pkgs; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
echo "planls: installing missing packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
