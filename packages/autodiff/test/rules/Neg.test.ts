import { ruleSuite } from '../helpers/rule-case.js';
import { Neg } from './cases/unary.js';

ruleSuite('Neg', Neg);
