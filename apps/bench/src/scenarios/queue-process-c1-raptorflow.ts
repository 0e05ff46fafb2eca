import type { Scenario } from '../types.js';
import { processScenario } from './queue-shared.js';

const scenario: Scenario = processScenario('raptorflow', 1);
export default scenario;
