/**
 * A short, printable description of any value for an error message. It never throws: a
 * validator whose message crashes on a BigInt, a Symbol or a cycle turns a typed
 * `E_INVALID_OPTIONS` into a raw `TypeError` (found by the bad-input review).
 */
export function describeValue(value: unknown, max = 60): string {
  let text: string;
  switch (typeof value) {
    case 'string':
      text = JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
      break;
    case 'bigint':
      text = `${value}n`;
      break;
    case 'symbol':
      text = value.toString();
      break;
    case 'function':
      text = `function ${value.name || '(anonymous)'}`;
      break;
    case 'object':
      text = value === null ? 'null' : describeObject(value);
      break;
    default:
      text = String(value);
  }
  return text.length > max + 2 ? `${text.slice(0, max)}…` : text;
}

function describeObject(value: object): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  const name = Object.getPrototypeOf(value)?.constructor?.name;
  return typeof name === 'string' && name !== 'Object' ? `a ${name}` : 'an object';
}
