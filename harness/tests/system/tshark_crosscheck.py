#!/usr/bin/python3
"""tshark_crosscheck.py NETCONFORM PCAP...

An independent check of netconform's packet decoder: for every capture,
tshark (Wireshark's dissectors) and `netconform decode` must agree on the
number of packets and, packet by packet, on the protocol (TCP, UDP, ICMP,
ICMPv6), the TCP flags and the transport payload length. Fragments are
compared as the fragments they are (IP reassembly is off in tshark, as it
is in the decoder's per-packet view).

Exits 0 when everything agrees, 1 on the first disagreement (printing both
views of the packet), 77 when tshark is not installed.
"""
import re
import shutil
import subprocess
import sys

FLAG_BITS = {'F': 0x01, 'S': 0x02, 'R': 0x04, 'P': 0x08, '.': 0x10, 'U': 0x20, 'E': 0x40,
             'W': 0x80}


def tshark_view(path):
    fields = ['frame.number', 'ip.proto', 'ipv6.nxt', 'ip.flags.mf', 'ip.frag_offset',
              'ipv6.fraghdr.offset', 'ipv6.fraghdr.more', 'tcp.flags', 'tcp.len',
              'udp.length', 'icmp.type', 'icmpv6.type']
    cmd = ['tshark', '-r', path, '-n', '-o', 'ip.defragment:FALSE', '-o',
           'ipv6.defragment:FALSE', '-T', 'fields', '-E', 'separator=|', '-E', 'occurrence=f']
    for f in fields:
        cmd += ['-e', f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        v = dict(zip(fields, line.split('|')))
        frag = (v['ip.flags.mf'] in ('1', 'True') or v['ip.frag_offset'] not in ('', '0') or
                v['ipv6.fraghdr.offset'] not in ('', '0') or
                v['ipv6.fraghdr.more'] in ('1', 'True'))
        proto, flags, plen = None, None, None
        # ICMP first: an ICMP error quotes the offending UDP or TCP header,
        # which tshark also reports as udp.* or tcp.* fields.
        if v['icmpv6.type']:
            proto = 'icmp6'
        elif v['icmp.type']:
            proto = 'icmp'
        elif v['tcp.flags']:
            proto, flags, plen = 'tcp', int(v['tcp.flags'], 16) & 0xff, int(v['tcp.len'] or 0)
        elif v['udp.length']:
            proto, plen = 'udp', int(v['udp.length']) - 8
        rows.append({'n': int(v['frame.number']), 'proto': proto, 'flags': flags,
                     'len': plen, 'frag': frag, 'raw': line})
    return rows


LINE = re.compile(r'^#(\d+) (.*)$')


def netconform_view(nc, path):
    out = subprocess.run([nc, 'decode', path], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        m = LINE.match(line)
        if not m:
            raise SystemExit(f'{path}: unexpected decode line: {line!r}')
        text = m.group(2)
        frag = '(frag ' in text
        proto, flags, plen = None, None, None
        fm = re.search(r': Flags \[([^\]]*)\]', text)
        lm = re.search(r', length (\d+)', text)
        if fm:
            proto = 'tcp'
            flags = 0 if fm.group(1) == 'none' else sum(FLAG_BITS[c] for c in fm.group(1))
            plen = int(lm.group(1)) if lm else None
        elif ': UDP, length ' in text:
            proto, plen = 'udp', int(lm.group(1))
        elif ': ICMP6' in text:
            proto = 'icmp6'
        elif ': ICMP ' in text:
            proto = 'icmp'
        rows.append({'n': int(m.group(1)), 'proto': proto, 'flags': flags, 'len': plen,
                     'frag': frag, 'raw': line})
    return rows


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    if not shutil.which('tshark'):
        print('skipped: tshark is not installed (Debian package tshark)')
        return 77
    nc, paths = sys.argv[1], sys.argv[2:]
    packets = 0
    for path in paths:
        ts, ncv = tshark_view(path), netconform_view(nc, path)
        if len(ts) != len(ncv):
            print(f'{path}: tshark sees {len(ts)} packets, netconform {len(ncv)}')
            return 1
        for a, b in zip(ts, ncv):
            if a['frag'] and b['frag'] and (a['proto'] is None or b['proto'] is None):
                continue  # a later fragment: no transport header to compare
            for key in ('proto', 'flags', 'len'):
                if a[key] != b[key]:
                    print(f'{path}: packet #{a["n"]}: {key} differs: tshark {a[key]!r}, '
                          f'netconform {b[key]!r}\n  tshark:     {a["raw"]}\n'
                          f'  netconform: {b["raw"]}')
                    return 1
            packets += 1
    print(f'tshark and netconform agree on {packets} packets in {len(paths)} captures')
    return 0


if __name__ == '__main__':
    sys.exit(main())
