import { ruleSuite } from '../helpers/rule-case.js';
import { QuantizeLinear } from './cases/quantization.js';

ruleSuite('QuantizeLinear', QuantizeLinear);
