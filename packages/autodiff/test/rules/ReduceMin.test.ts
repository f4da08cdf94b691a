import { ruleSuite } from '../helpers/rule-case.js';
import { ReduceMin } from './cases/reduce.js';

ruleSuite('ReduceMin', ReduceMin);
