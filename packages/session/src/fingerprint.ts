import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** What a client looks like, for anomaly detection (OWASP: detection, not the sole defence). */
export interface ClientFingerprint {
  /** The `User-Agent` header. */
  userAgent?: string | undefined;
  /**
   * The client address. Only its network prefix counts (IPv4 /24, IPv6 /48), because NAT,
   * proxies and mobile networks move a client within its network all the time.
   */
  ip?: string | undefined;
}

/** The network prefix of an address: IPv4 /24, IPv6 /48; anything else as given. */
export function ipPrefix(ip: string): string {
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/i.exec(ip);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  if (ip.includes(':')) {
    const [head = ''] = ip.split('::');
    const groups = head.split(':').filter(Boolean);
    return `${groups.slice(0, 3).join(':')}::/48`.toLowerCase();
  }
  return ip;
}

/**
 * The stored form of a fingerprint: SHA-256 of the user agent and the address prefix, 32 hex
 * digits; `''` when neither is known. Hashed so a key dump shows no address.
 */
export function fingerprintHash(fp: ClientFingerprint | undefined): string {
  if (!fp || (!fp.userAgent && !fp.ip)) return '';
  const text = `${fp.userAgent ?? ''}\n${fp.ip ? ipPrefix(fp.ip) : ''}`;
  return bytesToHex(sha256(utf8ToBytes(text))).slice(0, 32);
}
