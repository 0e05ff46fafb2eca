import type { Scenario } from '../types.js';
import { enqueueScenario } from './queue-shared.js';

const scenario: Scenario = enqueueScenario('raptorflow');
export default scenario;
