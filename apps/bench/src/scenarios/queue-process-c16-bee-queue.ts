import type { Scenario } from '../types.js';
import { processScenario } from './queue-shared.js';

const scenario: Scenario = processScenario('bee-queue', 16);
export default scenario;
