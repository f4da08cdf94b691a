import { ruleSuite } from '../helpers/rule-case.js';
import { DequantizeLinear } from './cases/quantization.js';

ruleSuite('DequantizeLinear', DequantizeLinear);
