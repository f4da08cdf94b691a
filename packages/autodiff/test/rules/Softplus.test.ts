import { ruleSuite } from '../helpers/rule-case.js';
import { Softplus } from './cases/unary.js';

ruleSuite('Softplus', Softplus);
