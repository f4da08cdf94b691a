import { ruleSuite } from '../helpers/rule-case.js';
import { Reciprocal } from './cases/unary.js';

ruleSuite('Reciprocal', Reciprocal);
