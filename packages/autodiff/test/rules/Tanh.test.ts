import { ruleSuite } from '../helpers/rule-case.js';
import { Tanh } from './cases/unary.js';

ruleSuite('Tanh', Tanh);
