#!/bin/sh
# termsafe.sh NETCONFORM
#
# Names and output that would drive a terminal: a folder and a scenario
# file whose names hold an OSC title sequence, a CSI sequence, a C1
# control, U+2028 and a byte that is not UTF-8, and a program role that
# prints such bytes (and a bare CR). The run fails (its output expectation
# is not met), so the console shows every kind of line: the FAIL line, the
# failure location, the "expected a line ... stdout" block, the program's
# output and the capture path; `check` and `list` show the names too. None
# of it may reach the output raw: no C0 control but tab and newline, no
# DEL, no C1 control, no U+2028/U+2029, only valid UTF-8; and the escaped
# forms are there instead.
set -u
nc=$1
. "$(dirname "$0")/common.sh"

esc=$(printf '\033')
# g<OSC 0;owned BEL>, and x<CSI 2J><U+009B><U+2028><0xFF>.scn
dir="$tmp/g${esc}]0;owned$(printf '\007')"
name="x${esc}[2J$(printf '\302\233\342\200\250\377').scn"
mkdir -p "$dir"
cat >"$tmp/noisy.sh" <<'EOS'
printf 'a\033]0;title\007b \033[31mred\rover \302\233 \342\200\250 \377 end\n'
EOS
cat >"$dir/$name" <<EOS
scenario noisy
transport udp
family inet
timeout 2s
server
  bind loopback:0
client exec sh $tmp/noisy.sh
  exit 0
  stdout line "never printed"
EOS
# A file that does not parse, with the same kind of name.
printf 'scenario broken\ntransport sctp\n' >"$dir/bad${esc}[5m.scn"

"$nc" --no-progress --color=never --keep-pcap=always --reports "$tmp/r" "$dir" >"$tmp/out" 2>&1
code=$?
[ "$code" = 2 ] || say "the run exited $code, expected 2 (a failure and a file that does not parse)"
"$nc" check "$dir" >>"$tmp/out" 2>&1
"$nc" list "$dir" >>"$tmp/out" 2>&1

# The escaped forms are shown...
for want in 'FAIL  g\x1b]0;owned\x07/x\x1b[2J\u009B\u2028\xff[inet]' \
	'expected a line "never printed"' \
	'a\x1b]0;title\x07b \x1b[31mred\rover \u009B \u2028 \xff end' \
	'bad\x1b[5m.scn:2:' ; do
	grep -qF -- "$want" "$tmp/out" || say "the output lacks: $want"
done
# The capture line, with the hostile path, where there is a capture (not
# on the host loopback).
if grep -q '^netconform .*capture on' "$tmp/out"; then
	grep -qF -- 'capture: ' "$tmp/out" || say "the output lacks the capture line"
fi
# ...and nothing raw.
if LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]' "$tmp/out"; then
	say "raw control bytes reached the output:"
	LC_ALL=C grep -nP '[\x00-\x08\x0b-\x1f\x7f]' "$tmp/out" | od -c | head -20
fi
LC_ALL=C grep -qP '\xc2[\x80-\x9f]|\xe2\x80[\xa8\xa9]' "$tmp/out" &&
	say "a C1 control, U+2028 or U+2029 reached the output"
iconv -f UTF-8 -t UTF-8 "$tmp/out" >/dev/null 2>&1 || say "the output is not valid UTF-8"

if [ $fail != 0 ]; then
	echo "---- output (escaped by od) ----"
	od -c "$tmp/out" | head -60
	exit 1
fi
echo "ok: hostile names and program output reach the console escaped"
