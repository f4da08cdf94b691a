import { ruleSuite } from '../helpers/rule-case.js';
import { Selu } from './cases/unary.js';

ruleSuite('Selu', Selu);
