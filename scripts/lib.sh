# shellcheck shell=sh
# lib.sh: shared by the scripts in scripts/ and by .ci/run (sourced, not run).
#
# nc_require PKG...   makes sure the Debian packages are installed: as root
#                     it installs what is missing; otherwise it prints the
#                     exact apt-get line and fails.
# nc_want PKG...      the same for optional packages: a package that cannot
#                     be installed is a note, and the tests that need it
#                     skip with the reason. With NC_STRICT=1 (what .ci/run
#                     sets) it is nc_require: CI must not pass because a
#                     tool is missing.
# nc_require_clang    clang and the runtime of its libFuzzer and sanitizers.
# nc_build [ARGS]     configures and builds into $NC_BUILD (default: build).
# nc_mode [BUILD]     how the netconform built in BUILD (default $NC_BUILD)
#                     runs here, as its header says: "network namespaces,
#                     capture on".
# nc_skipped JUNIT    the tests that did not run, from ctest's
#                     --output-junit file: "NAME<TAB>REASON" lines.
# nc_unjustified_skips FILE MODE
#                     the lines of an nc_skipped list that MODE does not
#                     explain: only a machine without capture (no network
#                     namespaces) explains a skip, and only one for want of
#                     capture or of network namespaces.
#
# The package lists below are everything the scripts' stages need on a
# fresh Debian 12 machine (scripts/fresh-machine proves it).

NC_ROOT=$(cd "$(dirname "$0")/.." && pwd)
NC_BUILD=${NC_BUILD:-$NC_ROOT/build}
NC_STRICT=${NC_STRICT:-0}

# shellcheck disable=SC2034 # the package lists are used by the scripts
NC_BUILD_DEPS="gcc make cmake pkg-config libpcap-dev libcunit1-dev libmnl-dev"
# What the test suite itself runs: pgrep and ps (procps) watch the
# processes of interrupted runs; perl's TAP::Parser reads the TAP report.
# shellcheck disable=SC2034
NC_TEST_DEPS="procps perl"
# Independent checkers, each needed by some tests only: tshark reads the
# captures, xmllint validates JUnit, junitparser and PyYAML read JUnit and
# TAP, Chromium renders the HTML report, valgrind checks every process of
# a run, and the locale definitions build the de_DE.UTF-8 locale in which
# the reports must still print '.' as the decimal point.
# shellcheck disable=SC2034
NC_TEST_TOOLS="tshark libxml2-utils python3 python3-junitparser python3-yaml chromium valgrind locales"
# The widely used programs the shipped scenarios of scenarios/tools/ drive
# (each such scenario says 'requires' and is skipped, saying so, where its
# program is missing).
# shellcheck disable=SC2034
NC_SCENARIO_TOOLS="socat ncat netcat-openbsd"

nc_missing() {
	for pkg in "$@"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
			printf '%s ' "$pkg"
	done
}

# Installs the packages named, as root; the package lists are fetched once
# per script run.
nc_install() {
	echo "installing: $*"
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root users may capture; netconform does not
	# need that (it captures inside its own namespaces), so the answer is no.
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		debconf-set-selections 2>/dev/null || true
	if [ -z "${NC_APT_UPDATED:-}" ]; then
		apt-get update -qq || return 1
		NC_APT_UPDATED=1
	fi
	# shellcheck disable=SC2086,SC2068 # one argument per package
	apt-get install -y -qq --no-install-recommends $@ >/dev/null
}

nc_require() {
	missing=$(nc_missing "$@")
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "netconform needs these Debian packages: $missing" >&2
		echo "install them with:" >&2
		echo "  sudo apt-get install -y $missing" >&2
		return 1
	fi
	# shellcheck disable=SC2086 # one argument per package
	nc_install $missing
}

nc_want() {
	if [ "$NC_STRICT" = 1 ]; then
		nc_require "$@"
		return
	fi
	missing=$(nc_missing "$@")
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "note: optional packages missing (tests that need them are skipped): $missing" >&2
		echo "  sudo apt-get install -y $missing" >&2
		return 0
	fi
	# shellcheck disable=SC2086
	nc_install $missing && return 0
	# One at a time, so that one package the mirror lacks costs only its tests.
	for pkg in $missing; do
		nc_install "$pkg" || echo "note: could not install $pkg; tests that need it are skipped" >&2
	done
	return 0
}

# The fuzzing build needs clang and, packaged apart from it, the runtime
# libraries of -fsanitize=fuzzer,address,undefined (Debian 12:
# libclang-rt-14-dev), named after clang's major version.
nc_require_clang() {
	nc_require clang || return 1
	major=$(clang -dumpversion | cut -d. -f1)
	nc_require "libclang-rt-$major-dev"
}

# All scripts share one build directory with one configuration (tests
# included, warnings as errors), so alternating them never rebuilds.
# NC_CMAKE_ARGS adds options (the sanitizer build of .ci/run uses it).
nc_build() {
	# shellcheck disable=SC2086 # NC_CMAKE_ARGS is a list of options
	cmake -S "$NC_ROOT" -B "$NC_BUILD" -DBUILD_TESTING=ON -DNC_WERROR=ON ${NC_CMAKE_ARGS:-} "$@" >/dev/null &&
		cmake --build "$NC_BUILD" -j "$(nproc)"
}

nc_mode() {
	mode_tmp=$(mktemp -d "${TMPDIR:-/tmp}/nc-mode.XXXXXX") || return 1
	"${1:-$NC_BUILD}/harness/netconform" --no-progress --color=never --keep-pcap=never \
		--reports "$mode_tmp" "$NC_ROOT/scenarios/udp/hello-bye.scn" 2>&1 | head -n 1 |
		sed -n 's/^netconform [^:]*: [0-9]* variants*, \(.*, capture [a-z]*\), -j .*/\1/p'
	rm -rf "$mode_tmp"
}

# A test's reason is the last line of its output that starts with "SKIP" or
# "skipped" (the suite's scripts print one before they exit 77); tests that
# ctest itself did not run (disabled, required files missing) give ctest's
# message.
nc_skipped() {
	[ -f "$1" ] || return 0
	awk '
	function attr(s, key,    m) {
		if (match(s, key "=\"[^\"]*\"") == 0)
			return ""
		return substr(s, RSTART + length(key) + 2, RLENGTH - length(key) - 3)
	}
	function unxml(s) {
		gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&quot;/, "\"", s)
		gsub(/&apos;/, "'\''", s); gsub(/&amp;/, "\\&", s)
		return s
	}
	/<testcase / { name = attr($0, "name"); status = attr($0, "status"); msg = ""; reason = "" }
	/<skipped message=/ { msg = attr($0, "message") }
	/<system-out>/ { out = 1; sub(/.*<system-out>/, "") }
	out {
		line = $0
		if (sub(/<\/system-out>.*/, "", line))
			out = 0
		if (line ~ /^(SKIP|[Ss]kip|[Ss]kipped)([: ]|$)/)
			reason = line
	}
	/<\/testcase>/ {
		if (status == "notrun" || status == "disabled") {
			if (reason == "" && status == "disabled")
				reason = "disabled"
			else if (reason == "" && msg == "SKIP_RETURN_CODE=77")
				reason = "(the test printed no reason)"
			else if (reason == "")
				reason = msg
			sub(/^(SKIP|[Ss]kip|[Ss]kipped):? */, "", reason)
			print unxml(name) "\t" unxml(reason)
		}
	}' "$1"
}

nc_unjustified_skips() {
	# A machine that refuses user namespaces to unprivileged users (a chroot,
	# a sysctl) explains a skip that needs them, whatever the mode.
	userns='$^'
	if ! setpriv --reuid=65534 --regid=65534 --clear-groups unshare --user --net true 2>/dev/null; then
		userns='needs unprivileged user namespaces'
	fi
	case $2 in
	*"capture off"*) grep -v -i -E "	.*(needs packet capture|cannot capture|needs network namespaces|$userns)" "$1" || true ;;
	*) grep -v -i -E "	.*($userns)" "$1" || true ;;
	esac
}
