import { ruleSuite } from '../helpers/rule-case.js';
import { Gemm } from './cases/linear.js';

ruleSuite('Gemm', Gemm);
