import { ruleSuite } from '../helpers/rule-case.js';
import { Sigmoid } from './cases/unary.js';

ruleSuite('Sigmoid', Sigmoid);
