import { ruleSuite } from '../helpers/rule-case.js';
import { Gelu } from './cases/unary.js';

ruleSuite('Gelu', Gelu);
