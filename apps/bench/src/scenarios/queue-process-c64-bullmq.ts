import type { Scenario } from '../types.js';
import { processScenario } from './queue-shared.js';

const scenario: Scenario = processScenario('bullmq', 64);
export default scenario;
