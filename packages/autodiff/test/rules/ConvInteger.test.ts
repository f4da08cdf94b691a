import { ruleSuite } from '../helpers/rule-case.js';
import { ConvInteger } from './cases/quantization.js';

ruleSuite('ConvInteger', ConvInteger);
