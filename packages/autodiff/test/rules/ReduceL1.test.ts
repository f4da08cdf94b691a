import { ruleSuite } from '../helpers/rule-case.js';
import { ReduceL1 } from './cases/reduce.js';

ruleSuite('ReduceL1', ReduceL1);
