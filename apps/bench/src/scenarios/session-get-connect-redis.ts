import type { Scenario } from '../types.js';
import { connectRedis } from './session-shared.js';

const scenario: Scenario = connectRedis();
export default scenario;
