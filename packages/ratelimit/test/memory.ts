// Temporary: core's main entry does not export memoryAdapter yet.
export { memoryAdapter } from '../../core/src/adapters/memory.js';
