import { ruleSuite } from '../helpers/rule-case.js';
import { Abs } from './cases/unary.js';

ruleSuite('Abs', Abs);
