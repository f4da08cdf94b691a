import { ruleSuite } from '../helpers/rule-case.js';
import { LeakyRelu } from './cases/unary.js';

ruleSuite('LeakyRelu', LeakyRelu);
