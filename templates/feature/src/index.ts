/**
 * `@raptorflow/template-feature`: the public surface. Everything a user imports is exported
 * here and nowhere else (one entry, `"."`).
 */
export { TEMPLATE_FEATURE_ERRORS, type TemplateFeatureErrorCode } from './errors.js';
export type { TemplateFeatureOperation } from './events.js';
export type { TemplateFeatureOptions } from './options.js';
export {
  encodeIncrementArgs,
  INCREMENT,
  type IncrementReply,
  parseIncrementReply,
  TEMPLATE_FEATURE_SCRIPTS,
} from './scripts/index.js';
export { createTemplateFeature, type IncrResult, type TemplateFeature } from './template-feature.js';
