import { ruleSuite } from '../helpers/rule-case.js';
import { ReduceLogSumExp } from './cases/reduce.js';

ruleSuite('ReduceLogSumExp', ReduceLogSumExp);
