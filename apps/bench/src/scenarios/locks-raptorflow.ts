import type { Scenario } from '../types.js';
import { ours } from './locks-shared.js';

const scenario: Scenario = ours(false);
export default scenario;
