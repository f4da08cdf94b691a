import { ruleSuite } from '../helpers/rule-case.js';
import { MatMulInteger } from './cases/quantization.js';

ruleSuite('MatMulInteger', MatMulInteger);
