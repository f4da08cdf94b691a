import { ruleSuite } from '../helpers/rule-case.js';
import { Erf } from './cases/unary.js';

ruleSuite('Erf', Erf);
