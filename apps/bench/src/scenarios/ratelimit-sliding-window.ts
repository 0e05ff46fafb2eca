import type { Scenario } from '../types.js';
import { ourAlgorithm } from './ratelimit-shared.js';

const scenario: Scenario = ourAlgorithm('sliding-window');
export default scenario;
