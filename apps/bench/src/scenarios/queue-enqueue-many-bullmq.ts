import type { Scenario } from '../types.js';
import { enqueueManyScenario } from './queue-shared.js';

const scenario: Scenario = enqueueManyScenario('bullmq');
export default scenario;
