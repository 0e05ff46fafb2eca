/** Where the extracted Debian package lands (node_modules/.cache/raptorflow-promtool). */
export const PROMTOOL_CACHE: string;
/** The path of a working promtool (PATH first, then the extracted copy), or undefined. */
export function findPromtool(): string | undefined;
/** How to get promtool, for error messages. */
export const PROMTOOL_HINT: string;
/** Find promtool, or extract it from Debian's prometheus package (root on Debian); undefined when impossible. */
export function ensurePromtool(options?: { log?: (message: string) => void }): string | undefined;
