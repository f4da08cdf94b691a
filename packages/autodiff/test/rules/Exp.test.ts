import { ruleSuite } from '../helpers/rule-case.js';
import { Exp } from './cases/unary.js';

ruleSuite('Exp', Exp);
