import { ruleSuite } from '../helpers/rule-case.js';
import { ReduceL2 } from './cases/reduce.js';

ruleSuite('ReduceL2', ReduceL2);
