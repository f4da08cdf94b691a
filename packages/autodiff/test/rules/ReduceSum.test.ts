import { ruleSuite } from '../helpers/rule-case.js';
import { ReduceSum } from './cases/reduce.js';

ruleSuite('ReduceSum', ReduceSum);
