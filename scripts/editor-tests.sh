#!/bin/sh
# Editor integration tests: builds the VS Code extension (.vsix) and checks
# it, then drives headless Neovim and batch Emacs + eglot against a real
# planls binary.
#
#   scripts/editor-tests.sh path/to/planls
#
# Installs only the Debian packages that are missing (neovim emacs-nox
# elpa-eglot unzip, and nodejs/npm only when `node`/`npm` are not on PATH),
# as root or through sudo. Runs non-interactively. Exits non-zero when any
# editor test fails; the last line is "editor-tests: N passed, N failed".
#
# Environment:
#   PLANLS_EXAMPLE   a clean planning folder to copy (default: the first
#                    folder under examples/.engineering/artifacts/planning/)
#   PLANLS_VSIX_DIR  keep the built .vsix there (default: not kept)
#   PLANLS_EDITOR_TESTS_NO_INSTALL=1  never run apt-get
set -eu

usage() {
	echo "usage: $0 path/to/planls" >&2
	exit 2
}
[ $# -eq 1 ] || usage
case "$1" in
-h | --help) usage ;;
esac

repo=$(cd "$(dirname "$0")/.." && pwd)
bin=$1
case "$bin" in
/*) ;;
*) bin="$(pwd)/$bin" ;;
esac
if [ ! -x "$bin" ] || [ -d "$bin" ]; then
	echo "editor-tests: $bin is not an executable planls binary" >&2
	exit 2
fi
export CI="${CI:-true}"

# ---- install what is missing ---------------------------------------------
install_missing() {
	missing=""
	for p in neovim emacs-nox elpa-eglot unzip; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
			missing="$missing $p"
		fi
	done
	# Node may come from elsewhere (e.g. NodeSource, which bundles npm):
	# only ask Debian for what is not on PATH at all.
	command -v node >/dev/null 2>&1 || missing="$missing nodejs"
	command -v npm >/dev/null 2>&1 || missing="$missing npm"
	[ -z "$missing" ] && return 0
	if [ "${PLANLS_EDITOR_TESTS_NO_INSTALL:-0}" = 1 ]; then
		echo "editor-tests: missing packages:$missing (install disabled)" >&2
		return 1
	fi
	if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo -n"; fi
	echo "editor-tests: installing missing packages:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	# shellcheck disable=SC2086
	$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
}
install_missing

work=$(mktemp -d "${TMPDIR:-/tmp}/planls-editor-tests.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
failures=""
# run NAME COMMAND...: run one test suite, its output into the log.
run() {
	name=$1
	shift
	echo "=== $name"
	if "$@"; then
		passed=$((passed + 1))
		echo "=== $name: PASS"
	else
		failed=$((failed + 1))
		failures="$failures $name"
		echo "=== $name: FAIL"
	fi
}

# ---- VS Code: build the .vsix in a copy of editors/vscode ---------------
build_vsix() {
	src="$repo/editors/vscode"
	dst="$work/vscode"
	mkdir -p "$dst"
	(cd "$src" && cp -R package.json package-lock.json tsconfig.json .vscodeignore \
		LICENSE README.md CHANGELOG.md src "$dst/") || return 1
	cd "$dst" || return 1
	# --ignore-scripts: nothing here needs an install script (esbuild finds
	# its platform package by itself), and none may fetch from elsewhere.
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error </dev/null || return 1
	npm run --silent compile </dev/null || return 1
	npx --no-install vsce package --no-dependencies </dev/null >"$work/vsce.log" 2>&1 || {
		cat "$work/vsce.log"
		return 1
	}
	vsix=$(ls "$dst"/planls-*.vsix 2>/dev/null | head -n 1)
	[ -n "$vsix" ] || {
		echo "no .vsix produced"
		return 1
	}
	echo "built $(basename "$vsix")"
	unzip -l "$vsix" | grep -q ' extension/out/extension.js$' || {
		echo "extension/out/extension.js missing from the .vsix"
		return 1
	}
	unzip -l "$vsix" | grep -q ' extension/package.json$' || {
		echo "extension/package.json missing from the .vsix"
		return 1
	}
	if [ -n "${PLANLS_VSIX_DIR:-}" ]; then
		mkdir -p "$PLANLS_VSIX_DIR" && cp "$vsix" "$PLANLS_VSIX_DIR/" &&
			echo "kept $PLANLS_VSIX_DIR/$(basename "$vsix")"
	fi
}

vscode_test() {
	[ -n "${vsix:-}" ] || {
		echo "no .vsix to check"
		return 1
	}
	PLANLS_VSIX="$vsix" PLANLS_BIN="$bin" node --test "$repo/tests/editors/vscode_test.js" </dev/null
}

nvim_test() {
	PLANLS_BIN="$bin" timeout 150 nvim --headless -u NONE -i NONE -n \
		-c "luafile $repo/tests/editors/nvim_test.lua" </dev/null
}

emacs_test() {
	PLANLS_BIN="$bin" timeout 150 emacs -Q --batch -l "$repo/tests/editors/emacs_test.el" </dev/null
}

vsix=""
run vscode-vsix build_vsix
cd "$repo"
run vscode-extension vscode_test
run nvim nvim_test
run emacs emacs_test

[ -z "$failures" ] || echo "editor-tests: failed:$failures"
echo "editor-tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
