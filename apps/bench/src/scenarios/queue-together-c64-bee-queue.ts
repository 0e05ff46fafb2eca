import type { Scenario } from '../types.js';
import { togetherScenario } from './queue-shared.js';

const scenario: Scenario = togetherScenario('bee-queue', 64);
export default scenario;
