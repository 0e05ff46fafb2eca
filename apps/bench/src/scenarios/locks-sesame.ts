import type { Scenario } from '../types.js';
import { peer } from './locks-shared.js';

const scenario: Scenario = peer('sesame', false);
export default scenario;
