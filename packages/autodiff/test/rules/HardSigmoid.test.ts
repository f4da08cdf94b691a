import { ruleSuite } from '../helpers/rule-case.js';
import { HardSigmoid } from './cases/unary.js';

ruleSuite('HardSigmoid', HardSigmoid);
