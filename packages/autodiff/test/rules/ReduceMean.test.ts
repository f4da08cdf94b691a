import { ruleSuite } from '../helpers/rule-case.js';
import { ReduceMean } from './cases/reduce.js';

ruleSuite('ReduceMean', ReduceMean);
