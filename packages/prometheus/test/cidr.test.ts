import { expect } from 'chai';
import { BlockList, isIP } from 'node:net';
import { anyContains, cidrContains, parseCidr, parseIp } from '../src/cidr.js';

const hex = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString('hex'));

function contains(cidr: string, ip: string): boolean {
  const range = parseCidr(cidr);
  const addr = parseIp(ip);
  if (range === undefined || addr === undefined) throw new Error(`bad fixture ${cidr} / ${ip}`);
  return cidrContains(range, addr);
}

/** Deterministic PRNG (mulberry32) so a failing case can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('cidr', () => {
  describe('parseIp', () => {
    it('accepts exactly what node:net isIP accepts, on valid and hostile spellings', () => {
      const corpus = [
        '::', '::1', '1::', '::ffff:10.1.2.3', '1:2:3:4:5:6:1.2.3.4', '1::1.2.3.4', '1:2:3:4:5:6:7::',
        '::1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8', 'FE80::ABCD', '10.0.0.1', '0.0.0.0', '255.255.255.255',
        '1.2.3.4::', '1:2:3:4:5:6:7:8::', '1:2:3:4:5:6:7:8:9', ':1::', '1:::2', 'a::b::c', '12345::', '::g',
        '::ffff:1.2.3', '1:2:3:4:5:6:7:1.2.3.4', '010.0.0.1', '0x7f.0.0.1', '1.2.3', '127.1', '256.1.1.1',
        '1.2.3.4.5', ' 1.2.3.4', '1.2.3.4 ', '', 'localhost', '2130706433', '1.2.3.-1', '::ffff:256.1.1.1',
      ];
      for (const text of corpus) {
        expect(parseIp(text) !== undefined, text).to.equal(isIP(text) !== 0);
      }
    });

    it('stores IPv4 as its IPv4-mapped IPv6 bytes, so both spellings are one address', () => {
      expect(hex(parseIp('10.1.2.3'))).to.equal('00000000000000000000ffff0a010203');
      expect(hex(parseIp('::ffff:10.1.2.3'))).to.equal(hex(parseIp('10.1.2.3')));
      expect(hex(parseIp('::ffff:a01:203'))).to.equal(hex(parseIp('10.1.2.3')));
      expect(hex(parseIp('2001:db8::7'))).to.equal('20010db8000000000000000000000007');
    });

    it('drops the zone of a link-local peer address but refuses an empty zone', () => {
      expect(hex(parseIp('fe80::1%eth0'))).to.equal(hex(parseIp('fe80::1')));
      expect(parseIp('fe80::1%')).to.equal(undefined);
    });
  });

  describe('parseCidr', () => {
    it('refuses malformed ranges, host bits, oversize prefixes and zones', () => {
      for (const bad of ['10.0.0.0/33', '::/129', '10.1.2.3/8', '2001:db8::1/32', '10.0.0.0/08', '10.0.0.0/', '10.0.0.0/-1', '10/8', 'fe80::/10%eth0', 'fe80::%eth0/10', '', 'any', '10.0.0.0/8/8']) {
        expect(parseCidr(bad), bad).to.equal(undefined);
      }
    });

    it('reads a single address as a /32 or /128 range', () => {
      expect(parseCidr('192.168.1.7')!.prefix).to.equal(128);
      expect(parseCidr('::1')!.prefix).to.equal(128);
      expect(contains('192.168.1.7', '192.168.1.7')).to.equal(true);
      expect(contains('192.168.1.7', '192.168.1.8')).to.equal(false);
    });

    it('matches IPv4 ranges against plain and IPv4-mapped IPv6 addresses', () => {
      expect(contains('10.0.0.0/8', '10.255.1.1')).to.equal(true);
      expect(contains('10.0.0.0/8', '::ffff:10.1.2.3')).to.equal(true);
      expect(contains('10.0.0.0/8', '11.0.0.0')).to.equal(false);
      expect(contains('10.0.0.0/9', '10.127.255.255')).to.equal(true);
      expect(contains('10.0.0.0/9', '10.128.0.0')).to.equal(false);
      expect(contains('::ffff:10.0.0.0/104', '10.9.9.9')).to.equal(true);
    });

    it('keeps IPv4 /0 to IPv4 and lets IPv6 ::/0 cover everything', () => {
      expect(contains('0.0.0.0/0', '203.0.113.9')).to.equal(true);
      expect(contains('0.0.0.0/0', '::1')).to.equal(false);
      expect(contains('0.0.0.0/0', '2001:db8::1')).to.equal(false);
      expect(contains('::/0', '203.0.113.9')).to.equal(true);
      expect(contains('::/0', '2001:db8::1')).to.equal(true);
    });

    it('matches IPv6 ranges on non-byte-aligned prefixes', () => {
      expect(contains('2001:db8::/33', '2001:db8:7fff::1')).to.equal(true);
      expect(contains('2001:db8::/33', '2001:db8:8000::1')).to.equal(false);
      expect(contains('fe80::/10', 'fe80::1%eth0')).to.equal(true);
      expect(contains('fe80::/10', 'fec0::1')).to.equal(false);
      expect(contains('::1', '::ffff:0.0.0.1')).to.equal(false);
    });

    it('agrees with node:net BlockList on 4000 random address/range pairs', () => {
      const rand = rng(42);
      const byte = (): number => Math.floor(rand() * 256);
      let inside4 = 0;
      let inside6 = 0;
      for (let i = 0; i < 2000; i++) {
        // v4: ranges built from a random address masked to a random prefix.
        const prefix4 = Math.floor(rand() * 33);
        const base = [byte(), byte(), byte(), byte()];
        const n = ((base[0]! << 24) | (base[1]! << 16) | (base[2]! << 8) | base[3]!) >>> 0;
        const masked = prefix4 === 0 ? 0 : (n & (0xffffffff << (32 - prefix4))) >>> 0;
        const net = [masked >>> 24, (masked >>> 16) & 255, (masked >>> 8) & 255, masked & 255].join('.');
        const probe = rand() < 0.5 ? [byte(), byte(), byte(), byte()].join('.') : [base[0], base[1], byte(), byte()].join('.');
        const list4 = new BlockList();
        list4.addSubnet(net, prefix4, 'ipv4');
        expect(contains(`${net}/${prefix4}`, probe), `${net}/${prefix4} ∋ ${probe}`).to.equal(list4.check(probe, 'ipv4'));
        if (list4.check(probe, 'ipv4')) inside4++;

        const prefix6 = Math.floor(rand() * 129);
        const words = Array.from({ length: 8 }, () => Math.floor(rand() * 65536));
        const netWords = words.map((w, k) => {
          const keep = Math.max(0, Math.min(16, prefix6 - k * 16));
          return keep === 0 ? 0 : w & ((0xffff << (16 - keep)) & 0xffff);
        });
        const net6 = netWords.map((w) => w.toString(16)).join(':');
        const probeWords = words.map((w, k) => (k < 2 || rand() < 0.5 ? w : Math.floor(rand() * 65536)));
        const probe6 = probeWords.map((w) => w.toString(16)).join(':');
        const list6 = new BlockList();
        list6.addSubnet(net6, prefix6, 'ipv6');
        expect(contains(`${net6}/${prefix6}`, probe6), `${net6}/${prefix6} ∋ ${probe6}`).to.equal(list6.check(probe6, 'ipv6'));
        if (list6.check(probe6, 'ipv6')) inside6++;
      }
      // Both outcomes well represented, or the agreement would prove little.
      expect(inside4).to.be.within(300, 1700);
      expect(inside6).to.be.within(300, 1700);
    });

    it('anyContains is true when one range of several matches', () => {
      const ranges = ['10.0.0.0/8', '2001:db8::/32'].map((c) => parseCidr(c)!);
      expect(anyContains(ranges, parseIp('2001:db8::5')!)).to.equal(true);
      expect(anyContains(ranges, parseIp('10.0.0.5')!)).to.equal(true);
      expect(anyContains(ranges, parseIp('192.0.2.1')!)).to.equal(false);
    });
  });
});
