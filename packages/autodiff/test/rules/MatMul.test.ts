import { ruleSuite } from '../helpers/rule-case.js';
import { MatMul } from './cases/linear.js';

ruleSuite('MatMul', MatMul);
