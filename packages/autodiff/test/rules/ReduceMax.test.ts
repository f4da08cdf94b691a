import { ruleSuite } from '../helpers/rule-case.js';
import { ReduceMax } from './cases/reduce.js';

ruleSuite('ReduceMax', ReduceMax);
