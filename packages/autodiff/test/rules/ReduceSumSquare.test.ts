import { ruleSuite } from '../helpers/rule-case.js';
import { ReduceSumSquare } from './cases/reduce.js';

ruleSuite('ReduceSumSquare', ReduceSumSquare);
