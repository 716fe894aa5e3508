# lib.sh: shared by scripts/run and scripts/test (sourced, not run).
#
# nc_require PKG...   makes sure the Debian packages are installed: as root
#                     it installs what is missing; otherwise it prints the
#                     exact apt-get line and fails.
# nc_build [ARGS]     configures and builds into $NC_BUILD (default: build).

NC_ROOT=$(cd "$(dirname "$0")/.." && pwd)
NC_BUILD=${NC_BUILD:-$NC_ROOT/build}

nc_missing() {
	for pkg in "$@"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
			printf '%s ' "$pkg"
	done
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
	echo "installing: $missing"
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root users may capture; netconform does not
	# need that (it captures inside its own namespaces), so the answer is no.
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		debconf-set-selections 2>/dev/null || true
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# Optional packages: installed when possible, never fatal.
nc_want() {
	missing=$(nc_missing "$@")
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "note: optional packages missing (tests that need them are skipped): $missing" >&2
		echo "  sudo apt-get install -y $missing" >&2
		return 0
	fi
	for pkg in $missing; do
		nc_require "$pkg" || echo "note: could not install $pkg; tests that need it are skipped" >&2
	done
}

NC_BUILD_DEPS="gcc make cmake pkg-config libpcap-dev libcunit1-dev libmnl-dev"

# All scripts share one build directory with one configuration (tests
# included, warnings as errors), so alternating them never rebuilds.
# NC_CMAKE_ARGS adds options (the sanitizer build of .ci/run uses it).
nc_build() {
	# shellcheck disable=SC2086 # NC_CMAKE_ARGS is a list of options
	cmake -S "$NC_ROOT" -B "$NC_BUILD" -DBUILD_TESTING=ON -DNC_WERROR=ON ${NC_CMAKE_ARGS:-} "$@" >/dev/null &&
		cmake --build "$NC_BUILD" -j "$(nproc)"
}
