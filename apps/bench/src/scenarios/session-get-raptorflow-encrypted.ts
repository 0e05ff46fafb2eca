import type { Scenario } from '../types.js';
import { ours } from './session-shared.js';

const scenario: Scenario = ours(true);
export default scenario;
