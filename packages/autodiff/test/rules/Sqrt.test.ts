import { ruleSuite } from '../helpers/rule-case.js';
import { Sqrt } from './cases/unary.js';

ruleSuite('Sqrt', Sqrt);
