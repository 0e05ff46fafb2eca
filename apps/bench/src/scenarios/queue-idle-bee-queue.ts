import type { Scenario } from '../types.js';
import { idleScenario } from './queue-shared.js';

const scenario: Scenario = idleScenario('bee-queue');
export default scenario;
