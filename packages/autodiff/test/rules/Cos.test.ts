import { ruleSuite } from '../helpers/rule-case.js';
import { Cos } from './cases/unary.js';

ruleSuite('Cos', Cos);
