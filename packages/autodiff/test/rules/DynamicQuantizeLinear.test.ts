import { ruleSuite } from '../helpers/rule-case.js';
import { DynamicQuantizeLinear } from './cases/quantization.js';

ruleSuite('DynamicQuantizeLinear', DynamicQuantizeLinear);
