import { ruleSuite } from '../helpers/rule-case.js';
import { HardSwish } from './cases/unary.js';

ruleSuite('HardSwish', HardSwish);
