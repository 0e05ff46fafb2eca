import type { Scenario } from '../types.js';
import { idleScenario } from './queue-shared.js';

const scenario: Scenario = idleScenario('raptorflow');
export default scenario;
