import { ruleSuite } from '../helpers/rule-case.js';
import { Elu } from './cases/unary.js';

ruleSuite('Elu', Elu);
