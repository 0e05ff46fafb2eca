/**
 * A random token, hex, from the platform's CSPRNG (`crypto.getRandomValues`, on every runtime):
 * an owner token for a lease or a lock (compare-and-delete releases only what its holder set), or
 * the id of a process on a bus. 12 bytes (96 bits) by default: collisions are out of reach.
 */
export function randomToken(bytes = 12): string {
  const buf = new Uint8Array(bytes);
  crypto.getRandomValues(buf);
  let out = '';
  for (const b of buf) out += b.toString(16).padStart(2, '0');
  return out;
}
