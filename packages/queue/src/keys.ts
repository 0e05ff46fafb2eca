import { describeValue, type FeatureKeyspace, invalidArgument } from '@raptorflow/core/kit';
import { KEY_NAMES } from './scripts/lua.js';

/**
 * The twelve keys of one queue, in the order every script takes them: all under one hash tag,
 * `rf:queue:{<name>}:<key>`, so a Cluster keeps a queue on one slot. See README "Keys".
 */
export function queueKeys(space: FeatureKeyspace, name: unknown): readonly string[] {
  if (typeof name !== 'string' || name === '' || /[{}]/.test(name) || !name.isWellFormed()) {
    throw invalidArgument(
      'createQueue',
      `name: expected a non-empty string without { or }, got ${describeValue(name)}`,
    );
  }
  const tag = space.tag(name);
  return Object.freeze(KEY_NAMES.map((k) => `${tag}:${k}`));
}
