#!/bin/sh
# wrap.sh NETCONFORM
#
# --wrap is split as a shell line and its variables are expanded per role:
# a wrapper with quotes and ${variant}.${role} records one line per role.
# A wrapper that fails before starting the role is blamed for it, not
# netconform.
set -u
nc=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
say() { echo "$*"; fail=1; }

# The wrapper: sh -c 'SCRIPT' wrap NAME CMD..., where SCRIPT appends NAME
# to a log (with a space inside the quoted redirection target) and execs
# the role.
log="$tmp/roles log"
"$nc" --no-progress --color=never --reports "$tmp/r" \
	--wrap "sh -c 'echo \"\$1\" >>\"$log\"; shift; exec \"\$@\"' wrap \${variant}.\${role}" \
	scenarios/udp/hello-bye.scn >"$tmp/out1.txt" 2>&1 || say "the wrapped run failed"
for want in "udp-hello-bye[inet].server" "udp-hello-bye[inet].client" \
	"udp-hello-bye[inet6].server" "udp-hello-bye[inet6].client"; do
	grep -qxF "$want" "$log" 2>/dev/null || say "the wrapper did not log $want"
done

"$nc" --no-progress --color=never --reports "$tmp/r" --wrap "sh -c 'exit 3'" \
	--family inet scenarios/udp/hello-bye.scn >"$tmp/out2.txt" 2>&1
grep -qF "the server role never ran: its --wrap command 'sh -c 'exit 3'' exited with status 3 before it started the role" \
	"$tmp/out2.txt" || say "a failing wrapper is not blamed"
grep -qF "failed inside netconform" "$tmp/out2.txt" && say "a failing wrapper is blamed on netconform"

"$nc" --wrap 'x ${nope}' scenarios/udp/hello-bye.scn >"$tmp/out3.txt" 2>&1
code=$?
[ "$code" = 2 ] || say "an unknown --wrap variable exits $code, not 2"
grep -qF -- "--wrap: unknown variable \${nope}" "$tmp/out3.txt" || say "no message for an unknown --wrap variable"

if [ $fail -ne 0 ]; then
	for f in "$tmp"/out*.txt; do echo "---- $f"; cat "$f"; done
	[ -f "$log" ] && { echo "---- log"; cat "$log"; }
	exit 1
fi
echo "ok: --wrap quoting, variables and failures"
