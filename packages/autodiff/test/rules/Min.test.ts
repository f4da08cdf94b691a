import { ruleSuite } from '../helpers/rule-case.js';
import { Min } from './cases/binary.js';

ruleSuite('Min', Min);
